"""Page metadata by trafilatura's own readers, without the fields we never use.

trafilatura's metadata pass also reads categories, tags and the licence and looks up
the site's registered domain (a public-suffix lookup); none of them reaches an article
here, and they cost about 40% of the pass. The fields we keep (title, author, site
name, date, address, description) are read by the same functions, in the same order
and with the same clean-up as trafilatura's ``extract_metadata``, so their values are
the same. Run apart from the text extraction, the metadata also survives a page whose
text trafilatura discards.

The author named in the page's markup (when its metadata names none) is found as
trafilatura's ``extract_author`` finds it, in one pass over the elements instead of a
copy of the page and five XPath searches (most of the metadata time): its selectors
(an element's tag, ``class``, ``id``, ``itemprop``, ``rel``...) are tested in Python
on the few elements whose attribute values hold a word they look for, an element
inside a part where a name is no author's (comments, sidebars, quotes, dates,
figures) is passed over (only the ancestors and descendants of an element found are
tested for that), and only the element kept is copied, to remove such parts inside
it before its text is read. tests/retrieval/ingest/extract/test_fast_paths.py checks
that the author is trafilatura's.
"""

from __future__ import annotations

import logging
import re
from copy import deepcopy

import lxml.html
from htmldate import find_date
from lxml import etree
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.json_metadata import normalize_authors
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document, set_date_params
from trafilatura.utils import trim
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS

LOGGER = logging.getLogger(__name__)
# Characters an author found in the markup may have (trafilatura's limit).
AUTHOR_MAX_CHARS = 120


def _literals(names: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern found where any of ``names`` occurs."""
    return re.compile("|".join(map(re.escape, names)))


# trafilatura's AUTHOR_XPATHS, most specific first, as tags and attribute tests: equal
# values, then substrings (its "re:test" alternations are lists of literals, searched
# here as one pattern of literals each).
_SPECIFIC_TAGS = frozenset(("a", "address", "div", "link", "p", "span", "strong"))
_SPECIFIC_CLASS_NAMES = ("authorname", "author-name", "AuthorName", "authorName")
_BYLINE_TAGS = frozenset(("a", "div", "h3", "h4", "p", "span"))
_BYLINE_CLASS_VALUES = ("byline", "username", "byl", "BBL")
_BYLINE_ID_NAMES = ("author", "zuozhe", "bianji", "xiaobian")
_BYLINE_CLASS_NAMES = (
    "author", "channel-name", "zuozhe", "bianji", "xiaobian", "submitted-by", "posted-by",
    "journalist-name",
)  # fmt: skip
_ANY_ID_NAMES = ("Author", "author")
_ANY_CLASS_NAMES = ("Author", "author", "screenname", "writer", "Byline", "byline")
_TEST_IDS = ("AuthorCard", "AuthorURL")
_SPECIFIC_CLASSES = _literals(_SPECIFIC_CLASS_NAMES)
_BYLINE_IDS = _literals(_BYLINE_ID_NAMES)
_BYLINE_CLASSES = _literals(_BYLINE_CLASS_NAMES)
_ANY_IDS = _literals(_ANY_ID_NAMES)
_ANY_CLASSES = _literals(_ANY_CLASS_NAMES)


# Every value a selector compares an attribute with or searches it for (``rel`` and
# ``itemprop`` look for "author", ``data-component`` for "Byline"): an element none
# of whose attribute values holds one, that is no <author> and has no <rel> child (the
# "me" link of a profile), is taken by no selector. Most elements are told apart by
# one search of their values joined (no value holds NUL, so no match spans two).
_SELECTED_VALUES = _literals(
    _SPECIFIC_CLASS_NAMES + _BYLINE_CLASS_VALUES + _BYLINE_CLASS_NAMES + _ANY_CLASS_NAMES
    + _BYLINE_ID_NAMES + _ANY_ID_NAMES + _TEST_IDS
)  # fmt: skip
# Descendants that are elements (not comments or processing instructions).
_ELEMENTS = etree.Element
# trafilatura's AUTHOR_DISCARD_XPATHS the same way.
_DISCARD_TAGS = frozenset(("a", "div", "section", "span"))
_DISCARD_ALWAYS = frozenset(("time", "figure"))
_DISCARD_IDS = _literals(("commentlist", "comment-list", "ProductReviews"))
_DISCARD_CLASSES = _literals((
    "commentlist", "comments-list", "sidebar", "is-hidden", "quote", "embedly-instagram",
    "article-share", "article-support", "print", "category", "meta-date", "meta-reviewer",
))  # fmt: skip


def page_metadata(tree: lxml.html.HtmlElement, url: str | None) -> Document:
    """Title, author, site name, date, address and description; empty if unreadable."""
    try:
        return _read(tree, url)
    except ValueError:  # lxml refuses text it cannot hold (control characters)
        return Document()


def _read(tree: lxml.html.HtmlElement, url: str | None) -> Document:
    """The metadata by trafilatura's readers, in the order of its ``extract_metadata``.

    The date search runs without htmldate's extensive pass, which parses every
    date-like string of the page with dateparser (most of the time spent on a page
    without class names); the page's declared time is read before it anyway.
    """
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # a single word is a handle or a role, as trafilatura says
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as exc:  # trafilatura's JSON-LD reader raises on odd documents
        LOGGER.debug("JSON-LD metadata skipped: %s", exc)
    metadata.title = metadata.title or extract_title(tree)
    metadata.author = metadata.author or markup_author(tree)
    metadata.url = metadata.url or extract_url(tree, url)
    date_params = set_date_params(extensive=False)
    date_params["url"] = metadata.url
    metadata.date = find_date(tree, **date_params)
    metadata.sitename = metadata.sitename or extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if (
            metadata.sitename
            and "." not in metadata.sitename
            and not metadata.sitename[0].isupper()
        ):
            metadata.sitename = metadata.sitename.title()
    elif metadata.url and (match := META_URL.match(metadata.url)):
        metadata.sitename = match[1]
    metadata.clean_and_trim()
    return metadata if isinstance(metadata, Document) else Document()


def markup_author(tree: lxml.html.HtmlElement) -> str | None:
    """trafilatura's ``extract_author`` in one pass (see the module doc)."""
    found: tuple[list[etree._Element], ...] = ([], [], [])
    rel_parents = {rel.getparent() for rel in tree.iter("rel")}
    for element in tree.iter(_ELEMENTS):
        tag = element.tag
        values = element.values()
        if not (
            (values and _SELECTED_VALUES.search("\x00".join(values)))
            or tag == "author"
            or element in rel_parents
        ):
            continue  # no selector takes it: most elements, told apart in one search
        level = _author_level(element, tag)
        if level is not None:
            found[level].append(element)
    for elements in found:
        for element in elements:
            if _passed_over(element, tree):
                continue
            read = element
            if any(_discarded(e, e.tag) for e in element.iterdescendants(_ELEMENTS)):
                read = prune_unwanted_nodes(deepcopy(element), AUTHOR_DISCARD_XPATHS)
            content = trim(" ".join(read.itertext()))
            if content and 2 < len(content) < AUTHOR_MAX_CHARS:
                author: str | None = normalize_authors(None, content)
                return author
    return None


def _passed_over(element: etree._Element, tree: lxml.html.HtmlElement) -> bool:
    """Whether the element, or one of its ancestors below ``tree``, is removed by
    trafilatura's author search before it looks (``tree`` itself never is)."""
    for node in (element, *element.iterancestors()):
        if node is tree:
            return False
        if _discarded(node, node.tag):
            return True
    return False


def _author_level(element: etree._Element, tag: str) -> int | None:
    """Which of trafilatura's author selectors first takes the element, if any."""
    get = element.get
    klass, ident, itemprop = get("class") or "", get("id") or "", get("itemprop") or ""
    if not (klass or ident or itemprop or tag in _SPECIFIC_TAGS or get("data-component")):
        return 0 if tag == "author" else None  # no attribute any selector reads
    if tag == "author" or (
        tag in _SPECIFIC_TAGS
        and (
            get("rel") == "author"
            or ident == "author"
            or klass == "author"
            or itemprop == "author name"
            or get("data-testid") in _TEST_IDS
            or _SPECIFIC_CLASSES.search(klass)
            or (
                element.find("rel") is not None
                and any(c.text_content() == "me" for c in element.iterchildren("rel"))
            )
        )
    ):
        return 0
    if tag in _BYLINE_TAGS and (
        klass in _BYLINE_CLASS_VALUES
        or "author" in itemprop
        or _BYLINE_IDS.search(ident)
        or _BYLINE_CLASSES.search(klass)
    ):
        return 1
    if (
        "Byline" in (get("data-component") or "")
        or "author" in itemprop
        or _ANY_IDS.search(ident)
        or _ANY_CLASSES.search(klass)
    ):
        return 2
    return None


def _discarded(element: etree._Element, tag: str) -> bool:
    """Whether trafilatura's author search removes the element before it looks."""
    if tag in _DISCARD_ALWAYS:
        return True
    if tag not in _DISCARD_TAGS:
        return False
    klass, ident = element.get("class") or "", element.get("id") or ""
    return bool(
        ident == "comments"
        or klass in ("comments", "title", "date")
        or ident.startswith("comments")
        or _DISCARD_IDS.search(ident)
        or klass.startswith(("Comments", "comments"))
        or _DISCARD_CLASSES.search(klass)
        or "Figure" in (element.get("data-component") or "")
    )
