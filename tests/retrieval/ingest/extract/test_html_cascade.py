"""The HTML cascade: each chooser rule on small hand-written candidates and pages.

Rules (``retrieval.ingest.extract.html_choose``): a clean, long-enough baseline stops the
cascade; otherwise the candidate that agrees most with the others wins; furniture the
precision candidate left out is dropped; a body under half the cleaner's is replaced.
Pages: hidden duplicate copies, layout tables, articles without class names.
"""

from __future__ import annotations

import lxml.html
import pytest

from retrieval.errors import NoArticleFound
from retrieval.ingest.extract import html as html_module
from retrieval.ingest.extract.html import extract_html, parse_html
from retrieval.ingest.extract.html_choose import (
    Candidate,
    falls_short,
    is_clean,
    longer_cleaner,
    most_agreed,
    settled,
    without_disputed_furniture,
)
from retrieval.ingest.extract.html_hidden import drop_hidden

PROSE = [
    "The harbour board approved repairs to the north wall on Monday after the storms.",
    "Winter storms opened cracks along a forty-metre stretch of the old stone pier.",
    "Fishing boats will moor at the south quay while the work goes on, the board said.",
    "The ferry timetable will not change during the repairs, which end in the autumn.",
    "Engineers found the foundations sound, so only the upper courses will be rebuilt.",
    "The cost, shared by the council and the port, is put at four million pounds.",
]
NO_LINKS: frozenset[str] = frozenset()


def cand(name: str, *paragraphs: str) -> Candidate:
    return Candidate(name, tuple(paragraphs))


def test_clean_needs_prose_and_no_furniture() -> None:
    assert is_clean(cand("b", *PROSE), NO_LINKS)
    assert not is_clean(cand("b", *PROSE, "Click here to subscribe to our newsletter"), NO_LINKS)
    assert not is_clean(cand("b", *PROSE, "Sport"), frozenset({"sport"}))  # a lone link
    assert not is_clean(cand("b", "Home", "News", "Travel"), NO_LINKS)  # no prose at all


def test_clean_needs_most_words_in_prose_paragraphs() -> None:
    labels = [f"Label number {i} here" for i in range(20)]  # 4 words each, not furniture
    assert not is_clean(cand("b", PROSE[0], *labels), NO_LINKS)


def test_a_clean_agreeing_precision_candidate_settles_the_page() -> None:
    noisy = cand("baseline", *PROSE, "Click here to subscribe to our newsletter")
    assert settled(noisy, cand("precision", *PROSE), NO_LINKS)
    assert not settled(noisy, cand("precision", *PROSE[:2]), NO_LINKS)  # disagrees
    assert not settled(noisy, noisy, NO_LINKS)  # not clean itself


def test_agreement_picks_the_candidate_closest_to_the_others() -> None:
    baseline = cand("baseline", *PROSE, "Fox Flash: top headlines are here today for you all")
    precision = cand("precision", *PROSE)
    cleaner = cand("cleaner", *PROSE[:-1])
    assert most_agreed([baseline, precision, cleaner]) is precision


def test_agreement_ignores_candidates_without_prose() -> None:
    nav = cand("baseline", "Home", "World", "Sport")
    article = cand("cleaner", *PROSE)
    assert most_agreed([nav, cand("precision"), article]) is article
    assert most_agreed([nav, cand("precision")]) is None


def test_of_two_candidates_the_one_with_more_prose_wins() -> None:
    nav = cand("baseline", *(f"Section number {i}" for i in range(30)), *PROSE[:2])
    article = cand("cleaner", *PROSE)
    assert most_agreed([nav, article]) is article
    assert most_agreed([article, cand("precision", *PROSE)]) is article


def test_ties_go_to_the_earlier_candidate() -> None:
    first, second = cand("baseline", *PROSE), cand("precision", *PROSE)
    assert most_agreed([first, second, cand("cleaner", *PROSE)]) is first


def test_disputed_furniture_is_dropped_but_shared_furniture_kept() -> None:
    teaser = "DANCING STARS: SINGER OPENS UP ABOUT HER HEALTH"
    chosen = cand("baseline", PROSE[0], teaser, "Click here to subscribe", *PROSE[1:])
    precision = cand("precision", *PROSE)
    assert without_disputed_furniture(chosen, [precision], NO_LINKS).paragraphs == tuple(PROSE)
    agreed = cand("precision", PROSE[0], "Click here to subscribe", *PROSE[1:])
    kept = without_disputed_furniture(chosen, [chosen, agreed], NO_LINKS).paragraphs
    assert "Click here to subscribe" in kept and teaser not in kept


def test_prose_the_precision_candidate_left_out_is_kept() -> None:
    extra = "A second statement from the port authority welcomed the decision on Monday."
    chosen = cand("baseline", *PROSE, extra)
    assert extra in without_disputed_furniture(chosen, [cand("p", *PROSE)], NO_LINKS).paragraphs


def test_a_body_under_half_the_cleaners_is_replaced() -> None:
    short = cand("baseline", *PROSE[:2])
    cleaner = cand("cleaner", *PROSE, *(p.replace("the", "a") for p in PROSE))
    assert falls_short(short, cleaner)
    assert longer_cleaner(short, cleaner) is cleaner
    full = cand("baseline", *PROSE)
    assert longer_cleaner(full, cleaner) is full
    assert longer_cleaner(None, cleaner) is cleaner
    assert longer_cleaner(short, cand("cleaner", "Home", "News")) is short


def _page(body: str, head: str = "") -> str:
    return (
        f"<html lang='en'><head><title>Harbour wall repairs | Courier</title>{head}</head>"
        f"<body>{body}</body></html>"
    )


ARTICLE = "<article><h1>Harbour wall repairs</h1>" + "".join(f"<p>{p}</p>" for p in PROSE)
ARTICLE += "</article>"


@pytest.mark.parametrize(
    "hiding", ["style='display:none'", "style='visibility: hidden'", "hidden", "aria-hidden='true'"]
)
def test_hidden_duplicate_copies_are_not_kept(hiding: str) -> None:
    copy = f"<div {hiding}>" + "".join(f"<p>{p}</p>" for p in PROSE) + "</div>"
    article = extract_html(_page(copy + ARTICLE), name="p.html")
    for paragraph in PROSE:
        assert article.body.count(paragraph) == 1


def test_a_page_that_hides_most_of_its_text_keeps_it() -> None:
    hidden = ARTICLE * 3  # a whole article, over SMALL_HIDDEN_CHARS
    tree = parse_html(_page("<p>Menu</p><div style='display:none'>" + hidden + "</div>"))
    assert tree is not None
    assert drop_hidden(tree) == 0
    assert PROSE[0] in tree.text_content()


def test_small_hidden_parts_are_removed() -> None:
    tree = parse_html(_page(ARTICLE + "<div hidden><p>Sign in to continue</p></div>"))
    assert isinstance(tree, lxml.html.HtmlElement)
    assert drop_hidden(tree) == 1
    assert "Sign in" not in tree.text_content()


def test_layout_table_page_keeps_the_article_not_the_navigation() -> None:
    links = "".join(f"<tr><td><a href='/s{i}'>Section number {i}</a></td></tr>" for i in range(30))
    cells = "".join(f"{p}<br><br>" for p in PROSE)
    body = (
        "<table width='100%'><tr><td colspan='2'><a href='/'>Home</a> | <a href='/n'>News</a>"
        f"</td></tr><tr><td width='160' valign='top'><table>{links}</table></td>"
        f"<td valign='top'><font size='4'><b>Harbour wall repairs</b></font><br><br>{cells}"
        "</td></tr></table>"
    )
    article = extract_html(_page(body), name="p.html")
    assert all(p in article.body for p in PROSE)
    assert "Section number" not in article.body


def test_article_without_class_names_is_found() -> None:
    body = (
        "<div><a href='/'>Home</a> <a href='/w'>World</a></div><div><div>"
        + "".join(f"<div>{p}</div>" for p in PROSE)
        + "</div></div><div>© 2024 Courier</div>"
    )
    article = extract_html(_page(body), name="p.html")
    assert all(p in article.body for p in PROSE)


def test_navigation_only_page_has_no_article() -> None:
    body = "<nav>" + "".join(f"<a href='/{i}'>Section {i}</a> " for i in range(12)) + "</nav>"
    with pytest.raises(NoArticleFound):
        extract_html(_page(body), name="p.html")


def test_clean_baseline_stops_the_cascade(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, object]] = []
    real = html_module._trafilatura

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(kwargs)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(html_module, "_trafilatura", counted)
    extract_html(_page(ARTICLE), name="p.html")
    assert len(calls) == 1
    calls.clear()
    noisy = ARTICLE.replace(
        "</article>", "<p>Click here to subscribe to our newsletter</p></article>"
    )
    article = extract_html(_page(noisy), name="p.html")
    assert len(calls) >= 2 and "subscribe" not in article.body


def test_page_behind_a_dialog_keeps_its_aria_hidden_article() -> None:
    long_article = "".join(
        f"<p>{when}, {p[0].lower()}{p[1:]}</p>"
        for when in ("On Monday", "Later", "In the evening")
        for p in PROSE
    )  # over SMALL_HIDDEN_CHARS, and no paragraph twice
    wrapper = f"<div id='page' aria-hidden='true'><article>{long_article}</article></div>"
    dialog = "<div role='dialog'><p>We use cookies. Accept all?</p><button>OK</button></div>"
    article = extract_html(_page(wrapper + dialog), name="p.html")
    assert "Later, winter storms opened cracks" in article.body
    assert "cookies" not in article.body
