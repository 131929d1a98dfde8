"""Page sets that model real-world habits, built from the shared development pages.

Each variant rewrites every page of ``../shared/eval/extraction/pages`` the way many
sites (or the tools that saved their pages) do, keeping the article itself, so the
set's gold bodies still apply. Nothing here reads the gold text: the rewrites use only
the page. The sets are rebuilt in memory on every run and never stored.

- ``original``: the page as captured (UTF-8).
- ``declared-latin1``: UTF-8 bytes whose ``<meta charset>`` says ISO-8859-1 (a template
  that kept an old declaration); read as declared, every accent becomes mojibake.
- ``legacy-undeclared``: the page in its script's legacy code page (Windows-1252,
  Windows-1251, Shift_JIS, EUC-KR, GB18030; characters outside it as numeric
  references, as editors save them) with the charset declaration removed.
- ``legacy-declared-utf8``: the same bytes under a stale ``charset=utf-8``.
- ``control-chars``: NUL and other C0 control bytes scattered through the text (a
  broken CMS export or a bad copy).
- ``bom-control-chars``: the same with a UTF-8 byte-order mark in front.
- ``layout-table``: the body moved into the right cell of a layout table whose left
  cell is a navigation table of the page's own links, with a header row of links.
- ``plain-markup``: no class or id attributes and no HTML5 sectioning tags (old sites
  and simple templates): only the document structure is left to go by.
- ``dialog-open``: saved with a consent dialog open: the whole page inside an
  ``aria-hidden`` wrapper (hidden from screen readers, still shown) and the dialog
  after it.
- ``hidden-copy``: a hidden duplicate of the page's paragraphs (a print or mobile copy)
  at the top of the body, hidden by ``display:none``, the ``hidden`` attribute or
  ``aria-hidden`` in turn.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable

import lxml.html
from lxml import etree

# Legacy code pages tried in order: the first that can hold the page's letters (with
# numeric references for the rest at most LEGACY_MAX_REFS of them) is the page's.
LEGACY_CODECS = ("cp1252", "cp1251", "shift_jis", "euc_kr", "gb18030")
# A code page that needs more references than this is not the page's script.
LEGACY_MAX_REFS = 200
# One control character per this many characters of text, on average.
CONTROL_EVERY = 1500
CONTROL_BYTES = "\x00\x01\x08\x0b\x0c\x1b\x7f"
# Links of the page copied into the navigation column.
NAV_LINKS = 40
# Paragraphs shorter than this (in words) are not copied into the hidden duplicate.
HIDDEN_MIN_WORDS = 8
_META_CHARSET = re.compile(r"<meta[^>]*charset[^>]*>", re.I)
_SECTIONING = ("article", "main", "section", "header", "footer", "nav", "aside", "figure")

Variant = Callable[[str, int], bytes]


def original(page: str, index: int) -> bytes:
    return page.encode("utf-8")


def declared_latin1(page: str, index: int) -> bytes:
    body = _META_CHARSET.sub("", page)
    return _with_meta(body, '<meta charset="iso-8859-1">').encode("utf-8")


def legacy_undeclared(page: str, index: int) -> bytes:
    return _legacy(_META_CHARSET.sub("", page))


def legacy_declared_utf8(page: str, index: int) -> bytes:
    return _legacy(_with_meta(_META_CHARSET.sub("", page), '<meta charset="utf-8">'))


def control_chars(page: str, index: int) -> bytes:
    return _scatter_controls(page, random.Random(index)).encode("utf-8")


def bom_control_chars(page: str, index: int) -> bytes:
    return b"\xef\xbb\xbf" + control_chars(page, index)


def layout_table(page: str, index: int) -> bytes:
    tree = lxml.html.document_fromstring(page)
    body = tree.body
    links = [a for a in body.iter("a") if (a.text_content() or "").strip()][:NAV_LINKS]
    table = etree.Element("table", width="100%", border="0", cellpadding="4")
    header = etree.SubElement(etree.SubElement(table, "tr"), "td", colspan="2")
    for link in links[: NAV_LINKS // 4]:
        header.append(_link_copy(link))
        header[-1].tail = " | "
    row = etree.SubElement(table, "tr")
    nav_cell = etree.SubElement(row, "td", width="160", valign="top")
    nav = etree.SubElement(nav_cell, "table")
    for link in links:
        etree.SubElement(etree.SubElement(nav, "tr"), "td").append(_link_copy(link))
    main = etree.SubElement(row, "td", valign="top")
    main.text = body.text
    body.text = None
    for child in list(body):
        main.append(child)
    body.append(table)
    return _serialise(tree)


def plain_markup(page: str, index: int) -> bytes:
    tree = lxml.html.document_fromstring(page)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in ("class", "id", "role", "itemprop", "itemtype", "itemscope"):
            element.attrib.pop(attribute, None)
        if element.tag in _SECTIONING:
            element.tag = "div"
    return _serialise(tree)


def dialog_open(page: str, index: int) -> bytes:
    tree = lxml.html.document_fromstring(page)
    body = tree.body
    wrapper = etree.Element("div", id="page-wrapper")
    wrapper.set("aria-hidden", "true")
    wrapper.text = body.text
    body.text = None
    for child in list(body):
        wrapper.append(child)
    body.append(wrapper)
    dialog = etree.SubElement(body, "div", role="dialog")
    dialog.set("aria-modal", "true")
    etree.SubElement(
        dialog, "p"
    ).text = "We and our partners use cookies to personalise content and ads. Accept all?"
    etree.SubElement(dialog, "button").text = "Accept all"
    return _serialise(tree)


def hidden_copy(page: str, index: int) -> bytes:
    tree = lxml.html.document_fromstring(page)
    body = tree.body
    paragraphs = [
        copy.deepcopy(p)
        for p in body.iter("p")
        if len((p.text_content() or "").split()) >= HIDDEN_MIN_WORDS
    ]
    how = index % 3
    attributes = (
        {"style": "display:none"} if how == 0 else {"hidden": ""} if how == 1 else
        {"aria-hidden": "true"}
    )  # fmt: skip
    hidden = etree.Element("div", **attributes)
    for paragraph in paragraphs:
        paragraph.tail = None
        hidden.append(paragraph)
    body.insert(0, hidden)
    return _serialise(tree)


VARIANTS: dict[str, Variant] = {
    "original": original,
    "declared-latin1": declared_latin1,
    "legacy-undeclared": legacy_undeclared,
    "legacy-declared-utf8": legacy_declared_utf8,
    "control-chars": control_chars,
    "bom-control-chars": bom_control_chars,
    "layout-table": layout_table,
    "plain-markup": plain_markup,
    "dialog-open": dialog_open,
    "hidden-copy": hidden_copy,
}


def _with_meta(page: str, meta: str) -> str:
    head = re.search(r"<head[^>]*>", page, re.I)
    if head is None:
        return meta + page
    return page[: head.end()] + meta + page[head.end() :]


def _legacy(page: str) -> bytes:
    best: bytes | None = None
    for codec in LEGACY_CODECS:
        data = page.encode(codec, errors="xmlcharrefreplace")
        refs = data.count(b"&#") - page.count("&#")
        if refs <= LEGACY_MAX_REFS:
            return data
        best = best or data
    return best or page.encode("utf-8")


def _scatter_controls(page: str, rng: random.Random) -> str:
    """Control characters inside text (between tags), where they reach the extractor."""
    out: list[str] = []
    in_tag = False
    for char in page:
        out.append(char)
        if char == "<":
            in_tag = True
        elif char == ">":
            in_tag = False
        elif not in_tag and rng.randrange(CONTROL_EVERY) == 0:
            out.append(rng.choice(CONTROL_BYTES))
    return "".join(out)


def _link_copy(link: lxml.html.HtmlElement) -> etree._Element:
    anchor = etree.Element("a", href=link.get("href") or "#")
    anchor.text = " ".join((link.text_content() or "").split())
    return anchor


def _serialise(tree: lxml.html.HtmlElement) -> bytes:
    data: bytes = lxml.html.tostring(tree, encoding="utf-8", doctype="<!DOCTYPE html>")
    return data
