"""Hidden elements: what a reader never sees is not the article.

Pages carry text a browser does not show: print or mobile duplicates of the article,
menus and dialogs, screen-reader-only copies. Marked hidden (the ``hidden`` attribute,
``aria-hidden="true"``, an inline ``display:none`` or ``visibility:hidden``), they are
removed before any extractor reads the page, so no candidate keeps a second copy.

One exception: a page whose text is mostly hidden (a script reveals it after load) keeps
it, since removing it would leave no article to find.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

_HIDDEN_XPATH = etree.XPath("//*[@hidden or @aria-hidden='true' or @style]")
_HIDDEN_STYLE = re.compile(r"(?:display\s*:\s*none|visibility\s*:\s*hidden)", re.I)
# Hidden text is kept when it is more than this share of the page's text: the page
# hides its article for a script to show, and without it nothing would be left.
MAX_HIDDEN_SHARE = 0.5
# Hidden text shorter than this (menus, icons, dialogs) is removed without measuring
# the page: it cannot be an article that the page hides for a script to show.
SMALL_HIDDEN_CHARS = 1000


def drop_hidden(tree: lxml.html.HtmlElement) -> int:
    """Remove hidden elements (keeping their tails) in place; the number removed."""
    hidden = [element for element in _HIDDEN_XPATH(tree) if _is_hidden(element)]
    if not hidden:
        return 0
    outermost = _outermost(hidden)
    hidden_chars = sum(_text_length(element) for element in outermost)
    # The page's whole text is measured only when the hidden part could be most of it.
    if hidden_chars > SMALL_HIDDEN_CHARS and hidden_chars > MAX_HIDDEN_SHARE * _text_length(tree):
        return 0
    for element in outermost:
        element.drop_tree()
    return len(outermost)


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
