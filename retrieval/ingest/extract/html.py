"""HTML pages: a cascade of extractors and a chooser, never worse than trafilatura's default.

No single library call is best on every site, so the body is chosen among candidates
by the rules of ``html_choose``: trafilatura with its default settings (the baseline,
first in its fast form, without its own fallback extractors), trafilatura's precision
settings, the plain-text cleaner over the page's visible text, and trafilatura's
fallback extractors when the baseline comes up short. The cheap baseline runs first
and is kept when it is clearly good, so most pages cost one trafilatura pass.

Hidden elements (``display:none``, ``hidden``, ``aria-hidden``) are removed before any
candidate reads the page: duplicate print or mobile copies are not the article twice.
The page is parsed once and that tree serves every candidate, the metadata readers and
the visible text. Publication times come from the page's own metadata
(``article:published_time``, JSON-LD, ``<time>``) because trafilatura reports only the
day.
"""

from __future__ import annotations

import re
from datetime import datetime

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import Document

from retrieval.errors import EmptyInput, NoArticleFound
from retrieval.ingest.extract.bylines import agency_and_city
from retrieval.ingest.extract.dates import parse_datetime
from retrieval.ingest.extract.html_choose import (
    Candidate,
    falls_short,
    is_clean,
    longer_cleaner,
    may_fall_short,
    most_agreed,
    settled,
    without_disputed_furniture,
)
from retrieval.ingest.extract.html_hidden import drop_hidden
from retrieval.ingest.extract.html_meta import page_metadata
from retrieval.ingest.extract.html_text import visible_text
from retrieval.ingest.extract.linewords import word_count
from retrieval.ingest.extract.model import ExtractedArticle
from retrieval.ingest.extract.plaintext import extract_lines
from retrieval.ingest.extract.plaintext_body import (
    GAP_GROWTH,
    GAP_GROWTH_CAP,
    SHORT_COST,
    densest_run,
)
from retrieval.ingest.extract.prose import (
    GOOD_MIN_WORDS,
    HEADER_WINDOW,
    body_dateline,
    fallback_title,
    raw_lines,
)
from retrieval.text.normalize import normalize_block, normalize_text, paragraphs

# Paragraphs read for a dateline opening: the first, or the second after a standfirst.
DATELINE_PARAGRAPHS = 2
_PUBLISHED_META = (
    "article:published_time", "og:published_time", "og:article:published_time",
    "datepublished", "pubdate", "publishdate", "publish-date", "date", "dc.date",
    "dc.date.issued", "dcterms.created", "sailthru.date", "parsely-pub-date",
    "article.published", "cxenseparse:recs:publishtime",
)  # fmt: skip
# Days a page's declared time may differ from trafilatura's date before we distrust it.
MAX_DAY_DISAGREEMENT = 1
_ROLE = re.compile(r"\b(?:writer|staff|correspondent|reporter|editor|contributor)\b", re.I)
_JSONLD_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')


def extract_html(html: str, *, name: str, url: str | None = None) -> ExtractedArticle:
    """The article of an HTML page; ``NoArticleFound`` when it has no main text."""
    tree = parse_html(html)
    if tree is None:
        raise NoArticleFound(f"{name}: the HTML holds no document", input_name=name)
    drop_hidden(tree)
    document = page_metadata(tree, url)
    address = url or _text(document.url)
    baseline = Candidate("trafilatura", tuple(_paragraphs(_trafilatura(tree, address))))
    title = _text(document.title)
    source = _text(document.sitename)
    byline = _authors(document.author)
    lines = raw_lines(visible_text(tree))
    chosen, second = _choose_body(tree, address, baseline, lines, name, url)
    if second is None and not (title and source and byline):
        second = _second_opinion(lines, name, url)
    main = _unique(list(chosen.paragraphs)) if chosen is not None else []
    if not main:
        raise NoArticleFound(f"{name}: no article text found in the page", input_name=name)
    title = title or (second.title if second else None)
    main = _without_heading(main, title)
    if not main:
        raise NoArticleFound(f"{name}: no article text found in the page", input_name=name)
    return ExtractedArticle(
        title=title or fallback_title(main[0]),
        body=normalize_block("\n\n".join(main)),
        published=_agreeing(_published(tree), _day(document.date)),
        source=source or (second.source if second else None),
        byline=byline or (second.byline if second else None),
        dateline=_dateline(main, lines, title) or (second.dateline if second else None),
        url=address,
        description=_text(document.description),
        language=_language(tree),
    )


def _choose_body(
    tree: lxml.html.HtmlElement,
    url: str | None,
    baseline: Candidate,
    lines: list[str],
    name: str,
    given_url: str | None,
) -> tuple[Candidate | None, ExtractedArticle | None]:
    """The body by the rules of ``html_choose``, and the cleaner's reading if it ran.

    Each candidate is computed only when a rule needs it: precision when the baseline is
    not clean (and it settles the page when it is clean itself and agrees with the
    baseline on the rest); the cleaner when neither settles it or the baseline may be
    short of the page's prose; trafilatura's own fallback extractors only when the
    baseline is short of the cleaner's body or has no prose.
    """
    links = _link_texts(tree)
    prose = _prose_words(lines)
    clean = is_clean(baseline, links)
    precision = None
    if not clean:
        precision = Candidate("precision", tuple(_paragraphs(_trafilatura(tree, url, True))))
        if settled(baseline, precision, links) and not may_fall_short(precision.words, prose):
            return precision, None
    second = None
    cleaner = None
    if not clean or may_fall_short(baseline.words, prose):
        second = _second_opinion(lines, name, given_url)
        if second is not None:
            cleaner = Candidate("cleaner", tuple(_unique(paragraphs(second.body))))
    short = cleaner is not None and falls_short(baseline, cleaner)
    if clean and not short:
        return baseline, second
    if precision is None:
        precision = Candidate("precision", tuple(_paragraphs(_trafilatura(tree, url, True))))
    candidates = [baseline, precision]
    if cleaner is not None:
        candidates.append(cleaner)
    if short or not baseline.has_prose:
        complete = _trafilatura(tree, url, fast=False)
        candidates.append(Candidate("fallbacks", tuple(_paragraphs(complete))))
    agreed = most_agreed(candidates)
    if agreed is not None:
        agreed = without_disputed_furniture(agreed, candidates, links)
    return longer_cleaner(agreed, cleaner), second


def _trafilatura(
    tree: lxml.html.HtmlElement,
    url: str | None,
    favor_precision: bool = False,
    *,
    fast: bool = True,
) -> str:
    """The text of one trafilatura reading; ``fast`` skips its own fallback extractors."""
    try:
        result = trafilatura.bare_extraction(
            tree, url=url, include_comments=False, favor_precision=favor_precision, fast=fast
        )
    except ValueError:  # lxml refuses text it cannot hold: the candidate is empty
        return ""
    return (result.text or "") if isinstance(result, Document) else ""


def _prose_words(lines: list[str]) -> int:
    """Words of the prose lines in the run of lines the cleaner could take at most.

    The cleaner's body is the densest run of prose lines (``plaintext_body``): prose
    scores its words, other lines cost at least ``SHORT_COST`` and more the longer the
    gap. Scoring every line of GOOD_MIN_WORDS words or more as prose and every other
    line at that least cost gives each line at least its real score, so the run found
    holds the prose the cleaner can reach, without classifying a line; prose elsewhere
    on the page (teasers, comments) is left out.
    """
    counts = [word_count(line) for line in lines]
    scores = []
    gap = 0
    for words in counts:
        if words >= GOOD_MIN_WORDS:
            scores.append(float(words))
            gap = 0
        else:
            scores.append(-SHORT_COST - min(GAP_GROWTH * gap, GAP_GROWTH_CAP))
            gap += 1
    span = densest_run(scores)
    if span is None:
        return 0
    return sum(len(lines[i].split()) for i in range(*span) if counts[i] >= GOOD_MIN_WORDS)


def _link_texts(tree: lxml.html.HtmlElement) -> frozenset[str]:
    """The texts of the page's links, folded: a paragraph equal to one is a lone link."""
    texts = (" ".join(a.text_content().split()).casefold() for a in tree.iter("a"))
    return frozenset(text for text in texts if text)


# Every element of the tree is an ``HtmlElement``, chosen in C. lxml.html's own lookup
# calls back into Python for each element wrapped (to give forms, inputs and labels
# classes of their own, whose methods nothing here uses): about a tenth of the time
# of an extraction, since trafilatura walks each of its copies of the tree too.
_PLAIN_HTML_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)


def parse_html(html: str) -> lxml.html.HtmlElement | None:
    """An lxml tree of the page, or None when it has no elements at all."""
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
    parser.set_element_class_lookup(_PLAIN_HTML_CLASSES)
    try:
        tree = lxml.html.fromstring(html.encode("utf-8", errors="replace"), parser=parser)
    except (etree.ParserError, ValueError):
        return None
    return tree if isinstance(tree, lxml.html.HtmlElement) else None


def _dateline(main: list[str], lines: list[str], title: str | None) -> str | None:
    """The dateline city: opening the body ("SEOUL (AP) — ...", in the first paragraph
    or, after a standfirst, the second) or on an agency line ("PTI, Washington") below
    the headline and above the body or first in it, where the cleaner finds it."""
    for paragraph in main[:DATELINE_PARAGRAPHS]:
        if (city := body_dateline(paragraph)) is not None:
            return city
    try:
        start = lines.index(main[0])
    except ValueError:
        return None
    header = lines[max(0, start - HEADER_WINDOW) : start]
    folded = title.casefold() if title else None
    headline = [i for i, line in enumerate(header) if line.casefold() == folded]
    for line in [*(header[headline[-1] + 1 :] if headline else header), main[0]]:
        found = agency_and_city(line)
        if found is not None and found[1] is not None:
            return found[1]
    return None


def _second_opinion(lines: list[str], name: str, url: str | None) -> ExtractedArticle | None:
    try:
        return extract_lines(lines, name=name, url=url)
    except (NoArticleFound, EmptyInput):
        return None


def _paragraphs(text: str) -> list[str]:
    return [line for line in (normalize_text(raw).strip() for raw in text.split("\n")) if line]


def _without_heading(main: list[str], title: str | None) -> list[str]:
    """The body without a leading copy of the headline (the page's <h1>)."""
    if title and main and main[0].casefold() == title.casefold():
        return main[1:]
    return main


def _unique(items: list[str]) -> list[str]:
    """Paragraphs in order without exact repeats (pages that print the text twice)."""
    return list(dict.fromkeys(items))


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = normalize_text(value).strip()
    return cleaned or None


def _published(tree: lxml.html.HtmlElement) -> datetime | None:
    """The publication time the page declares in its metadata, with its zone."""
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in _PUBLISHED_META:
            value = parse_datetime(meta.get("content") or "")
            if value is not None:
                return value
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            match = _JSONLD_PUBLISHED.search(script.text)
            if match and (value := parse_datetime(match.group(1))) is not None:
                return value
    for element in tree.iter("time"):
        value = parse_datetime(element.get("datetime") or "")
        if value is not None:
            return value
    return None


def _agreeing(declared: datetime | None, day: datetime | None) -> datetime | None:
    """The declared time unless trafilatura's (validated) day contradicts it."""
    if declared is None or day is None:
        return declared or day
    gap = abs((declared.date() - day.date()).days)
    return declared if gap <= MAX_DAY_DISAGREEMENT else day


def _authors(value: object) -> str | None:
    """trafilatura joins authors with ";" and keeps job titles; keep the names."""
    text = _text(value)
    if text is None:
        return None
    names = [part.strip() for part in text.split(";") if part.strip()]
    kept = [name for name in names if not _ROLE.search(name)] or names
    return ", ".join(kept)


def _day(value: object) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None


def _language(tree: lxml.html.HtmlElement) -> str | None:
    lang = (
        tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    ).strip()
    return lang.split("-")[0].lower() or None
