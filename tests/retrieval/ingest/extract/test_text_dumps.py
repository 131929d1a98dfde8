"""Text dumps of news pages as other renderers write them: one cleaner for all of them.

Each fixture shows one renderer habit (hard wrapping, Markdown, numbered link
references, inline elements on lines of their own, script code, underlined links);
the properties check that wrapping, decoration and control characters never change
the body of a clean article.
"""

from __future__ import annotations

import contextlib
import re
import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.errors import InputError
from retrieval.ingest.extract import plaintext_dump
from retrieval.ingest.extract.plaintext import extract_text
from retrieval.ingest.extract.plaintext_dump import dump_lines, wrap_width
from retrieval.text.normalize import paragraphs

PARAS = [
    "The city council voted on Thursday to build six kilometres of protected cycle lanes "
    "along the river, after a year of consultation with residents and shop owners.",
    "Work is due to start in the autumn and should take about eighteen months, the "
    "council's transport committee said in a statement published on its website.",
    "Residents who opposed the plan said it would take away parking from the old town, "
    "but the committee said that most of the spaces would be moved to a new garage.",
    "The lanes will connect the railway station with the university campus and the "
    "hospital, which together draw more than forty thousand people on a working day.",
]
NAV = ["Home", "World", "Business", "Sport", "Culture"]
RELATED = [
    "Mayor opens the new bridge over the river after two years of work",
    "Bus drivers vote to strike over pay in the spring",
    "Council budget to rise by four per cent next year",
]


def _body(text: str) -> list[str]:
    return paragraphs(extract_text(text, name="dump.txt").body)


def _wrap(paragraph: str, width: int, indent: str = "") -> str:
    return textwrap.fill(
        paragraph,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def test_markdown_dump_keeps_only_the_article() -> None:
    nav = "\n".join(f"  * [{item}](https://example.com/{item.lower()})" for item in NAV)
    text_paras = [
        _wrap(p.replace("cycle lanes", "[cycle\nlanes](https://example.com/lanes)"), 78)
        for p in PARAS
    ]
    related = "\n".join(
        f"  * [{title}](https://example.com/story-{i})" for i, title in enumerate(RELATED)
    )
    text = "\n\n".join(
        [
            nav,
            "# Council approves new cycle lanes",
            "![A cyclist on the river path](https://example.com/img/cyclist-on-the-\nriver.jpg)",
            *text_paras,
            "## Related stories",
            related,
        ]
    )
    body = _body(text)
    assert body == PARAS
    assert "](" not in "".join(body) and "Related" not in "".join(body)


def test_lynx_dump_drops_link_numbers_and_reference_list() -> None:
    nav = "\n".join(f"     * [{i}]{item}" for i, item in enumerate(NAV, start=1))
    text_paras = [_wrap(p.replace("statement", "[12]statement"), 76, "   ") for p in PARAS]
    references = "\n".join(f"  {i}. https://example.com/page-{i}" for i in range(1, 14))
    related = "\n".join(f"     * [{20 + i}]{title}" for i, title in enumerate(RELATED))
    text = "\n\n".join(
        [nav, "Council approves new cycle lanes", *text_paras, related, "References", references]
    )
    body = _body(text)
    assert body == PARAS


def test_elinks_reference_entries_with_titles_are_dropped() -> None:
    nav = "\n".join(f"   • [{i}]{item}" for i, item in enumerate(NAV, start=1))
    references = "\n".join(
        f"   {i}. Residents said on Monday that the plan for lane {i} would go ahead as agreed."
        f"\n\thttps://example.com/news/lane-{i}/"
        for i in range(1, 30)
    )
    paras = [_wrap(p, 77, "   ") for p in PARAS]
    head = [nav, "Council approves new cycle lanes"]
    text = "\n\n".join([*head, *paras, "References", "   Visible links", references])
    assert _body(text) == PARAS


def test_w3m_dump_with_bullets_and_wrapping() -> None:
    nav = "\n".join(f"  • {item}" for item in NAV)
    text = "\n\n".join([nav, "Council approves new cycle lanes", *(_wrap(p, 80) for p in PARAS)])
    assert _body(text) == PARAS


def test_inline_elements_on_lines_of_their_own_are_rejoined() -> None:
    # BeautifulSoup's get_text("\n"): every link or emphasis is a string of its own.
    split = PARAS[0].replace(" protected cycle lanes ", " \nprotected cycle lanes\n ")
    split = split.replace("the river, after", "the \nriver\n, after")
    lines = "\n".join(["Home", "World", "Council approves new cycle lanes", split, *PARAS[1:]])
    assert _body(lines) == PARAS


def test_script_code_and_run_together_blocks() -> None:
    # lxml's text_content(): scripts kept, paragraphs of minified markup run together.
    script = (
        "window.dataLayer = window.dataLayer || [];\n"
        "function gtag(){dataLayer.push(arguments);} gtag('js', new Date());\n"
        "googletag.cmd.push(function() { googletag.display('div-gpt-ad-1'); });"
    )
    glued = "HomeWorldBusinessSport" + "".join(PARAS)
    assert _body(script + "\n" + glued + "\n" + script) == PARAS


def test_underlined_link_text_is_split_into_words() -> None:
    nav = "\n".join(f"  * {item}" for item in ["Terms_of_Service", "Privacy_Policy", "About_Us"])
    linked = PARAS[2].replace("the old town", "the_old_town").replace("new garage", "new_garage")
    text = "\n".join([nav, "Council approves new cycle lanes", *PARAS[:2], linked, PARAS[3]])
    text += "\n" + "\n".join(f"  * {t.replace(' ', '_')}" for t in RELATED)  # teasers are link text
    assert _body(text) == PARAS


def test_reference_dump_is_not_taken_for_a_wrapped_one() -> None:
    lines = [*NAV, "Council approves new cycle lanes", *PARAS]
    assert wrap_width(lines) is None
    assert [line.text for line in dump_lines("\n".join(lines))] == lines


# ---------------------------------------------------------------- properties
_WORD_TEXT = (
    "the council said that a new plan would be put to residents of the town in the "
    "spring and that work on the river path could start before the summer if the money "
    "was found by the regional government and the transport office agreed"
)
_WORDS = _WORD_TEXT.split()
_SENTENCE = st.lists(st.sampled_from(_WORDS), min_size=9, max_size=16).map(
    lambda words: " ".join(words).capitalize() + "."
)
_PARAGRAPH = st.lists(_SENTENCE, min_size=3, max_size=5).map(" ".join)
_ARTICLE = st.lists(_PARAGRAPH, min_size=5, max_size=7)
_CONTROL = st.sampled_from([chr(c) for c in [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]])


def _clean_text(paras: list[str]) -> str:
    return "\n\n".join(["Plan for the river path", *paras])


@settings(max_examples=40, deadline=None)
@given(_ARTICLE, st.integers(min_value=40, max_value=120), st.sampled_from(["", "   "]))
def test_rewrapping_at_any_width_keeps_the_body(paras: list[str], width: int, indent: str) -> None:
    clean = extract_text(_clean_text(paras), name="clean.txt").body
    wrapped = "\n\n".join(["Plan for the river path", *(_wrap(p, width, indent) for p in paras)])
    assert extract_text(wrapped, name="wrapped.txt").body == clean


@settings(max_examples=30, deadline=None)
@given(_ARTICLE, st.integers(min_value=0, max_value=len(NAV)), st.booleans())
def test_markdown_decoration_keeps_the_body(paras: list[str], nav_items: int, star: bool) -> None:
    clean = extract_text(_clean_text(paras), name="clean.txt").body
    mark = "*" if star else "-"
    nav = [f"  {mark} [{item}](/{item.lower()})" for item in NAV[:nav_items]]
    related = [f"  {mark} [{title}](/story)" for title in RELATED]
    text = "\n\n".join(
        ["\n".join(nav), "# Plan for the river path", *paras, "## More", "\n".join(related)]
    )
    assert extract_text(text, name="decorated.md").body == clean


@settings(max_examples=30, deadline=None)
@given(_ARTICLE, st.lists(st.tuples(st.integers(min_value=0), _CONTROL), max_size=30))
def test_control_characters_do_not_change_the_body(
    paras: list[str], inserts: list[tuple[int, str]]
) -> None:
    text = _clean_text(paras)
    clean = extract_text(text, name="clean.txt").body
    chars = list(text)
    for position, char in inserts:
        chars.insert(position % (len(chars) + 1), char)
    assert extract_text("".join(chars), name="noisy.txt").body == clean


_DECORATION = st.sampled_from(
    ["* ", "- ", "+ ", "# ", "## ", "[12]", "![x](y)", "](", "[a](b)", "| ", " |", "**", "_",
     "\\", "   o ", "References", "  1. http://x", "{", "};", "\x00", "\x1b[1m", "\t", " "]
)  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.one_of(st.text(max_size=120), st.lists(_DECORATION, max_size=8).map("".join)),
        max_size=40,
    ),
    st.integers(min_value=0, max_value=140),
)
def test_cleaner_never_crashes(lines: list[str], width: int) -> None:
    text = "\n".join(lines)
    if width:
        text = "\n".join(textwrap.wrap(text, width=width, replace_whitespace=False)) or text
    dumped = dump_lines(text)
    assert all(line.text.strip() == line.text and line.text for line in dumped)
    assert not any("\x00" in line.text or "\x1b" in line.text for line in dumped)
    with contextlib.suppress(InputError):
        article = extract_text(text, name="fuzz.txt")
        assert article.body.strip()


def test_first_link_block_after_the_article_ends_it() -> None:
    links = "\n".join(f"  * [{title}](https://example.com/s{i})" for i, title in enumerate(RELATED))
    links += "\n  * [Weather: rain all week](https://example.com/weather)"
    after = (
        "Readers of this newsletter say that the weekly summary helps them to follow the "
        "council's work, and that they would like to see more of it in the spring."
    )
    text = "\n\n".join(
        ["# Council approves new cycle lanes", *(_wrap(p, 78) for p in PARAS), links]
        + [_wrap(after, 78)] * 3  # other pages' text (comments, teasers) after the menu
    )
    assert _body(text) == PARAS


def test_hidden_second_copy_of_the_text_is_dropped() -> None:
    # A renderer without style sheets keeps a hidden copy (a second layout) of the text.
    text = "\n".join(["Council approves new cycle lanes", *PARAS, "Share", *PARAS])
    assert _body(text) == PARAS


# The table-rule pattern as first written: the same class before and after the run.
# Both are matched against single stripped lines, hence no line break in the alphabet.
_DIRECT_TABLE_RULE = re.compile(r"^[\s|:+\-=]*[-=]{3,}[\s|:+\-=]*$")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t|:+-=x", max_size=16))
def test_table_rule_is_the_direct_pattern(line: str) -> None:
    assert bool(plaintext_dump._TABLE_RULE.match(line)) == bool(_DIRECT_TABLE_RULE.match(line))
