"""Shortcuts of the extractors give what the full work gives.

The HTML cascade stops after its baseline candidate when that is clearly good; the
visible text is read without copying the tree; the phrase patterns run on lower-cased
text when that is the same as ignoring case.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import lxml.html
import pytest
import trafilatura
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from trafilatura.metadata import extract_author
from trafilatura.settings import Document

from retrieval.ingest.extract import boilerplate as bp
from retrieval.ingest.extract import html as html_module
from retrieval.ingest.extract import plaintext_meta
from retrieval.ingest.extract.html import extract_html, parse_html
from retrieval.ingest.extract.html_meta import markup_author
from retrieval.ingest.extract.html_text import _BLOCKS, _INVISIBLE, visible_text

PAGE = """<html lang="en"><head><title>T</title><script>var x = 1;</script></head><body>
<!-- a comment --><nav><a href="/">Home</a> <a href="/w">World</a></nav>
<article><h1>Harbour wall repairs start in spring</h1>
<p>By Ana Ruiz</p>
<p>The harbour board approved repairs to the north wall on Monday, after winter storms
opened cracks along a forty-metre stretch of the old stone pier.<?pi skip?> Work starts
in March.</p><style>p {}</style>
<p>Fishing boats will moor at the south quay while the work goes on, the board said in
a statement, and the ferry timetable will not change during the repairs.</p>
<div>Share<br/>Tweet<noscript>Enable scripts</noscript> tail text</div>
</article><footer>© 2024 Harbour News. All rights reserved.</footer></body></html>"""


def _reference_visible_text(tree: lxml.html.HtmlElement) -> str:
    """The first implementation: a re-parsed copy with invisible elements stripped."""
    root = lxml.html.fromstring(lxml.html.tostring(tree))
    etree.strip_elements(
        root, *_INVISIBLE, etree.Comment, etree.ProcessingInstruction, with_tail=False
    )
    parts: list[str] = []

    def walk(element: etree._Element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        block = tag.lower() in _BLOCKS
        parts.append("\n" if block else "")
        parts.append(element.text or "")
        for child in element:
            walk(child)
            parts.append(child.tail or "")
        parts.append("\n" if block else "")

    walk(root)
    return "".join(parts)


def _walked_visible_text(tree: lxml.html.HtmlElement) -> str:
    """The walk in Python that the transform replaced: the tree read in place."""
    parts: list[str] = []

    def walk(element: etree._Element) -> None:
        block = isinstance(element.tag, str) and element.tag.lower() in _BLOCKS
        parts.append("\n" if block else "")
        parts.append(element.text or "")
        for child in element:
            tag = child.tag
            if isinstance(tag, str) and tag not in _INVISIBLE:
                walk(child)
            parts.append(child.tail or "")
        parts.append("\n" if block else "")

    walk(tree)
    return "".join(parts)


def _pages(fixtures: Path) -> list[str]:
    return [PAGE, *(p.read_text(encoding="utf-8") for p in sorted(fixtures.glob("*.html")))]


def test_visible_text_matches_the_copying_implementation(fixtures: Path) -> None:
    for page in _pages(fixtures):
        tree = parse_html(page)
        assert tree is not None
        assert visible_text(tree) == _reference_visible_text(tree)
    parser = lxml.html.HTMLParser(remove_comments=False, remove_pis=False)
    tree = lxml.html.fromstring(PAGE, parser=parser)
    assert visible_text(tree) == _reference_visible_text(tree) == _walked_visible_text(tree)
    assert "Enable scripts" not in visible_text(tree) and "tail text" in visible_text(tree)


_TEXT_TAGS = ["p", "div", "span", "b", "li", "br", "td", "script", "style", "noscript", "svg"]
_TEXT_BITS = [
    "", "Jo Li", " said ", "\u00e9t\u00e9 \u2014 ok", "a &amp; b", "<!-- note -->", "<?pi x?>",
]  # fmt: skip


@st.composite
def _text_markup(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(_TEXT_TAGS))
    inner = [draw(st.sampled_from(_TEXT_BITS))]
    if depth < 3:
        inner += draw(st.lists(_text_markup(depth + 1), max_size=3))
    tail = draw(st.sampled_from(_TEXT_BITS))
    return f"<{tag}>{''.join(inner)}</{tag}>{tail}"


@settings(max_examples=300, deadline=None)
@given(st.lists(_text_markup(), min_size=1, max_size=4), st.booleans())
def test_visible_text_matches_the_walk_in_python_on_any_markup(
    parts: list[str], keep_comments: bool
) -> None:
    page = f"<html><body>{''.join(parts)}</body></html>"
    parser = lxml.html.HTMLParser(remove_comments=not keep_comments, remove_pis=False)
    tree = lxml.html.fromstring(page, parser=parser)
    assert visible_text(tree) == _walked_visible_text(tree)


def test_visible_text_is_the_same_in_worker_threads(fixtures: Path) -> None:
    pages = _pages(fixtures)
    expected = [visible_text(_tree(page)) for page in pages]
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(lambda page: visible_text(_tree(page)), pages * 4))
    assert found == expected * 4


def _tree(page: str) -> lxml.html.HtmlElement:
    tree = parse_html(page)
    assert tree is not None
    return tree


def test_early_stop_gives_what_the_full_cascade_gives_on_clean_pages(
    fixtures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On clean pages every candidate agrees, so stopping after the baseline loses nothing."""
    pages = _pages(fixtures)
    default = [extract_html(page, name="p.html") for page in pages if "<article" in page]
    monkeypatch.setattr(html_module, "is_clean", lambda *args: False)
    always = [extract_html(page, name="p.html") for page in pages if "<article" in page]
    assert [a.body for a in default] == [a.body for a in always]
    assert default == always


def test_cleaner_body_replaces_a_short_trafilatura_body(monkeypatch: pytest.MonkeyPatch) -> None:
    real = trafilatura.bare_extraction

    def short(*args: object, **kwargs: object) -> Document:
        document = real(*args, **kwargs)  # type: ignore[arg-type]
        assert isinstance(document, Document)
        document.text = "Work starts in March."
        return document

    monkeypatch.setattr(trafilatura, "bare_extraction", short)
    article = extract_html(PAGE, name="p.html")
    assert "Fishing boats will moor at the south quay" in article.body


def test_dateline_from_an_agency_line_above_the_body() -> None:
    page = (
        "<html><head><meta property='og:site_name' content='Daily Ledger'></head><body>"
        "<article><h1>Senate passes the budget after a long night</h1>"
        "<p class='byline'>By Maya Chen</p><p>PTI, Washington</p>"
        "<p>The Senate passed the budget early on Friday after a debate that ran through "
        "the night, sending the bill to the president for his signature.</p>"
        "<p>Leaders of both parties said the vote ended months of talks over spending on "
        "defence, schools and roads across the country.</p></article></body></html>"
    )
    article = extract_html(page, name="budget.html")
    assert article.dateline == "Washington"


_WORDS = st.sampled_from(
    [
        "Click", "HERE", "share", "This", "Also Read", "newsletter", "Subscribe to our ",
        "Copyright", "©", "(C)", "2024", "İ", "ı", "ß", "Straße", "café", "’", "—", " ",
        "\n", "Photo", ":", "Tags:", "related stories", "K", "ſ", "Top Stories",
    ]
)  # fmt: skip
_LINES = st.lists(st.one_of(_WORDS, st.text(max_size=5)), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(_LINES)
def test_lowered_phrase_search_agrees_with_ignoring_case(text: str) -> None:
    assert bp._PHRASES_CASELESS.found(text) == bool(bp._PHRASES.search(text))


@settings(max_examples=300, deadline=None)
@given(_LINES)
def test_copyright_prefilter_never_hides_a_match(text: str) -> None:
    if plaintext_meta._COPYRIGHT.search(text):
        assert plaintext_meta._may_hold_copyright(text)


def test_lowered_refuses_text_with_other_cased_letters() -> None:
    assert bp.lowered("Click HERE — “now”") == "click here — “now”"
    assert bp.lowered("CLİCK HERE") is None
    assert bp.lowered("Straße") is None


def _pattern_phrases(pattern: re.Pattern[str]) -> list[str]:
    """Runs of one to three consecutive words of a pattern's source, spaced: most of its
    branches' literal text (and some letters of its escapes)."""
    words = re.findall(r"[a-z'-]+", pattern.pattern.lower())
    return sorted({" ".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words))})


# Lines made of the words of the phrase and caption patterns, so that many match.
_PATTERN_PIECES = st.one_of(
    st.sampled_from(_pattern_phrases(bp._PHRASES) + _pattern_phrases(bp._CAPTION)),
    st.sampled_from([" ", " ", "  ", ":", "(", ")", ", ", "©", "…", "...", "1", "12", " / "]),
    st.sampled_from(["\u0663", "\u0665", "\u00b2", "\u2003"]),
    st.sampled_from(["\n", "A", "Getty", "Image", "PHOTO", "İ", "ſ", "K", "\t", "of", "by"]),
    st.text(max_size=3),
)
_PATTERN_LINES = st.lists(_PATTERN_PIECES, max_size=8).map("".join)


@settings(max_examples=3000, deadline=None)
@given(_PATTERN_LINES)
def test_needle_prefilters_never_hide_a_match(text: str) -> None:
    assert bp._PHRASES_CASELESS.found(text) == bool(bp._PHRASES.search(text))
    assert bp._CAPTION_CASELESS.found(text) == bool(bp._CAPTION.search(text))
    stripped = f"  {text.strip()}"
    assert bp._PHRASES_CASELESS.found(stripped) == bool(bp._PHRASES.search(stripped))


def test_word_boundaries_are_removed_outside_escapes_and_classes() -> None:
    assert bp.without_word_boundaries(r"\bphoto\b by") == "photo by"
    assert bp.without_word_boundaries(r"a\\b") == r"a\\b"  # an escaped backslash, then b
    assert bp.without_word_boundaries(r"[\b]x[^]\b]\by") == r"[\b]x[^]\b]y"  # backspaces
    assert bp.without_word_boundaries(r"[]\b]\bz") == r"[]\b]z"


@settings(max_examples=1000, deadline=None)
@given(_PATTERN_LINES)
def test_the_pattern_without_word_boundaries_matches_wherever_it_does(text: str) -> None:
    low = text.lower()
    relaxed = re.compile(bp.without_word_boundaries(bp._CAPTION_CASELESS._lower.pattern))
    if bp._CAPTION_CASELESS._lower.search(low):
        assert relaxed.search(low)


_CODE_PIECES = st.one_of(
    st.sampled_from(list('{}()=&|;:"\\/*<>!-@. \nab1')),
    st.sampled_from(["//", "/*", "<!--", "-->", "@media", "x = 1", "f(x)", "a: b;", "\\u00e9"]),
    st.sampled_from(["word", "The", " said ", "Jo"]),
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(_CODE_PIECES, max_size=30).map("".join), st.integers(0, 80))
def test_code_test_counting_characters_first_agrees_with_the_pattern(text: str, words: int) -> None:
    marks = len(bp._CODE_MARK.findall(text))
    expected = (
        any(c in text for c in "{}();=:")
        and marks >= bp.CODE_MIN_MARKS
        and marks >= bp.CODE_MARKS_PER_WORD * words
    )
    assert bp.is_code(text, words) == expected


def test_needle_prefilters_agree_on_every_fixture_line(fixtures: Path) -> None:
    lines = [
        line.strip()
        for path in sorted(fixtures.iterdir())
        if path.is_file()
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
    ]
    assert lines
    for line in lines:
        assert bp._PHRASES_CASELESS.found(line) == bool(bp._PHRASES.search(line)), line
        assert bp._CAPTION_CASELESS.found(line) == bool(bp._CAPTION.search(line)), line


def test_needle_prefilters_agree_on_the_patterns_own_phrases() -> None:
    templates = (
        "{}", "  {} x", "x {}", "{}: Jo Li", ", {}, ", "({}: x)", "1 {} 2", "{}s: x",
        "({} / Jo Li)", "Jo Li, {}, and Al Ba", "{} credit: x", "x {} survey",
        "\u0663 {} \u0665x", "\u0663 / \u0665", " 2 of 9{}",
    )  # fmt: skip
    phrases = _pattern_phrases(bp._PHRASES) + _pattern_phrases(bp._CAPTION)
    for phrase in phrases:
        for text in (t.format(phrase) for t in templates):
            assert bp._PHRASES_CASELESS.found(text) == bool(bp._PHRASES.search(text)), text
            assert bp._CAPTION_CASELESS.found(text) == bool(bp._CAPTION.search(text)), text


_AUTHOR_TAGS = ["div", "span", "a", "p", "section", "time", "figure", "h3", "strong", "author"]
_AUTHOR_ATTRIBUTES = [
    "", 'class="author"', 'class="author-name"', 'class="post-byline"', 'class="byl"',
    'class="sidebar"', 'class="comments"', 'class="print-only"', 'class="title"',
    'id="author"', 'id="comments-1"', 'id="Author-box"', 'itemprop="author"',
    'itemprop="author name"', 'rel="author"', 'data-component="Byline"',
    'data-component="FigureBox"', 'data-testid="AuthorCard"', 'class="writer quote"',
    'class="by-line"', 'class="xbylx"', 'class="ContributorAuthor"', 'id="post-author-3"',
    'data-testid="AuthorURL"', 'itemprop="creator author"', 'class="zuozhe"', 'class="BBL"',
    'class="screenname"', 'id="xiaobian"', 'class="username"', 'class=""', 'rel="me"',
]  # fmt: skip
_AUTHOR_TEXTS = ["", "By Ana Ruiz", "Jo Li", "x", "12 May 2024", "Staff writer and editor"]


@st.composite
def _author_markup(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(_AUTHOR_TAGS))
    attributes = draw(st.sampled_from(_AUTHOR_ATTRIBUTES))
    inner = [draw(st.sampled_from(_AUTHOR_TEXTS))]
    if depth < 3:
        inner += draw(st.lists(_author_markup(depth + 1), max_size=3))
    if draw(st.booleans()):
        inner.append("<rel>me</rel>")
    tail = draw(st.sampled_from(_AUTHOR_TEXTS))
    return f"<{tag} {attributes}>{''.join(inner)}</{tag}>{tail}"


@settings(max_examples=300, deadline=None)
@given(st.lists(_author_markup(), min_size=1, max_size=4))
def test_markup_author_is_trafilaturas(parts: list[str]) -> None:
    tree = parse_html(f"<html><body>{''.join(parts)}</body></html>")
    assert tree is not None
    assert markup_author(tree) == extract_author(tree)


def test_markup_author_is_trafilaturas_on_every_fixture_page(fixtures: Path) -> None:
    for page in _pages(fixtures):
        tree = parse_html(page)
        assert tree is not None
        assert markup_author(tree) == extract_author(tree)
