"""Hidden elements: what a reader never sees is not the article.

Pages carry text a browser does not show: print or mobile duplicates of the article,
menus and dialogs, screen-reader-only copies. Marked hidden (the ``hidden`` attribute,
``aria-hidden="true"``, an inline ``display:none`` or ``visibility:hidden``), they are
removed before any extractor reads the page, so no candidate keeps a second copy.

Two exceptions: a page whose text is mostly hidden (a script reveals it after load)
keeps it, since removing it would leave no article to find; and a large
``aria-hidden`` block that copies nothing shown elsewhere is kept, since that attribute
hides from screen readers only and such a block is the page behind an open dialog.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

# The attributes that can hide an element, in document order: libxml2 collects
# attributes about twice as fast as it tests every element against a predicate.
_HIDING_ATTRIBUTES = etree.XPath("//@hidden | //@aria-hidden | //@style")
_HIDDEN_STYLE = re.compile(r"(?:display\s*:\s*none|visibility\s*:\s*hidden)", re.I)
# Hidden text is kept when it is more than this share of the page's text: the page
# hides its article for a script to show, and without it nothing would be left.
MAX_HIDDEN_SHARE = 0.5
# Hidden text shorter than this (menus, icons, dialogs) is removed without measuring
# the page: it cannot be an article that the page hides for a script to show.
SMALL_HIDDEN_CHARS = 1000
# Characters of a large aria-hidden block's longest text looked for elsewhere in the
# page to tell a duplicate copy; shorter texts are too common to prove anything.
DUPLICATE_SAMPLE_CHARS = 200
MIN_SAMPLE_CHARS = 60


def drop_hidden(tree: lxml.html.HtmlElement) -> int:
    """Remove hidden elements (keeping their tails) in place; the number removed."""
    marked = dict.fromkeys(attribute.getparent() for attribute in _HIDING_ATTRIBUTES(tree))
    hidden = [element for element in marked if _is_hidden(element)]
    if not hidden:
        return 0
    outermost = [e for e in _outermost(hidden) if not _shown_to_the_eye(e, tree)]
    hidden_chars = sum(_text_length(element) for element in outermost)
    # The page's whole text is measured only when the hidden part could be most of it.
    if hidden_chars > SMALL_HIDDEN_CHARS and hidden_chars > MAX_HIDDEN_SHARE * _text_length(tree):
        return 0
    for element in outermost:
        element.drop_tree()
    return len(outermost)


def _shown_to_the_eye(element: etree._Element, tree: lxml.html.HtmlElement) -> bool:
    """A large ``aria-hidden`` block that is not a copy of other text: kept.

    ``aria-hidden`` hides from screen readers only. Small such blocks are icons and
    decorations; a large one that is a copy of text shown elsewhere is a duplicate; a
    large one that is not is the page itself behind a dialog (pages saved with a cookie
    or sign-in dialog open mark everything else ``aria-hidden``).
    """
    if element.get("aria-hidden") != "true" or element.get("hidden") is not None:
        return False
    if _HIDDEN_STYLE.search(element.get("style") or ""):
        return False
    if _text_length(element) <= SMALL_HIDDEN_CHARS:
        return False
    sample = _sample(element)
    return sample is None or " ".join(tree.text_content().split()).count(sample) < 2


def _sample(element: etree._Element) -> str | None:
    """The longest text of the element, whitespace collapsed, to look for elsewhere."""
    texts = (" ".join(str(text).split()) for text in _TEXTS(element))
    longest = max(texts, key=len, default="")
    return longest[:DUPLICATE_SAMPLE_CHARS] if len(longest) >= MIN_SAMPLE_CHARS else None


def _is_hidden(element: etree._Element) -> bool:
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return element.tag not in ("html", "body")
    return bool(_HIDDEN_STYLE.search(element.get("style") or "")) and element.tag not in (
        "html",
        "body",
    )


def _outermost(elements: list[etree._Element]) -> list[etree._Element]:
    """The elements not inside another of them (document order is kept)."""
    chosen = set(elements)
    return [
        element
        for element in elements
        if not any(ancestor in chosen for ancestor in element.iterancestors())
    ]


_TEXTS = etree.XPath("descendant-or-self::text()[not(ancestor::script) and not(ancestor::style)]")


def _text_length(element: etree._Element) -> int:
    return sum(len(str(text).strip()) for text in _TEXTS(element))
