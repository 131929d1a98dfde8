"""Page metadata by trafilatura's own readers, without the fields we never use.

trafilatura's metadata pass also reads categories, tags and the licence and looks up
the site's registered domain (a public-suffix lookup); none of them reaches an article
here, and they cost about 40% of the pass. The fields we keep (title, author, site
name, date, address, description) are read by the same functions, in the same order
and with the same clean-up as trafilatura's ``extract_metadata``, so their values are
the same. Run apart from the text extraction, the metadata also survives a page whose
text trafilatura discards.
"""

from __future__ import annotations

import logging

import lxml.html
from htmldate import find_date
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document, set_date_params

LOGGER = logging.getLogger(__name__)


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
    metadata.author = metadata.author or extract_author(tree)
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
