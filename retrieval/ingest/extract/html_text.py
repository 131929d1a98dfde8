"""The visible text of an HTML page, one block per line, as a browser would copy it.

Used as a second opinion on pages where trafilatura keeps too little: the plain-text
cleaner then reads the page the same way it reads a user's text scrape.

The tree is read in place: invisible elements, comments and processing instructions
are skipped (their tails, which are visible, are kept), so the page is neither copied
nor parsed again.
"""

from __future__ import annotations

import lxml.html
from lxml import etree

# Elements whose content is never shown as text.
_INVISIBLE = frozenset(
    ("script", "style", "noscript", "template", "svg", "iframe", "head", "object")
)
# Elements that start a new line in rendered text.
_BLOCK_TAGS = (
    "address article aside blockquote br dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary "
    "table tr td th ul caption option button label"
)
_BLOCKS = frozenset(_BLOCK_TAGS.split())


def visible_text(tree: lxml.html.HtmlElement) -> str:
    """Text of the rendered page with a line break around every block element."""
    parts: list[str] = []
    _walk(tree, parts)
    return "".join(parts)


def _hidden(element: etree._Element) -> bool:
    """Comments, processing instructions and invisible elements (not their tails)."""
    tag = element.tag
    if isinstance(tag, str):
        return tag in _INVISIBLE
    return tag is etree.Comment or tag is etree.ProcessingInstruction


def _walk(element: etree._Element, parts: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    block = tag.lower() in _BLOCKS
    if block:
        parts.append("\n")
    if element.text:
        parts.append(element.text)
    for child in element:
        if not _hidden(child):
            _walk(child, parts)
        if child.tail:
            parts.append(child.tail)
    if block:
        parts.append("\n")
