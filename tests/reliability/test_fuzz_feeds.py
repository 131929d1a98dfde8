"""Fuzzed feeds: any document gives entries we can store, or ``NotAFeed``, within budget.

Inputs are our RSS and Atom fixtures mutated at the byte and line level, documents
built from feed elements in random nesting (with entity references, CDATA, odd
characters and declared encodings that lie), and arbitrary bytes. Each entry's own
text is then made into an article, as a poll does when the linked page cannot be had.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from hypothesis import given
from hypothesis import strategies as st

from tests.reliability.guard import fuzz_settings, guarded
from tests.reliability.inputs import (
    FIXTURES,
    byte_mutations,
    hostile_lines,
    line_mutations,
    mutate_bytes,
    mutate_lines,
    odd_texts,
)
from tests.reliability.targets import feed

FEEDS = tuple(sorted(FIXTURES.glob("feed_*.xml")))
TAGS = (
    "rss", "channel", "item", "feed", "entry", "title", "link", "guid", "id", "description",
    "summary", "content", "content:encoded", "pubDate", "published", "updated", "author",
    "rdf:RDF", "dc:date", "category", "enclosure", "source",
)  # fmt: skip
ATTRIBUTES = st.sampled_from(
    [
        "",
        ' href="https://a.example/x"',
        ' href="http://[x"',
        ' href="javascript:alert(1)"',
        ' rel="alternate"',
        ' type="html"',
        ' type="xhtml"',
        ' isPermaLink="false"',
        ' xmlns="http://www.w3.org/2005/Atom"',
        ' version="2.0"',
        ' xml:base="http://a:99999/"',
    ]
)
CHUNKS = st.one_of(
    odd_texts.map(lambda t: escape(t.replace("\x00", ""))),
    hostile_lines.map(lambda t: escape(t[:5_000])),
    st.sampled_from(
        [
            "&amp;",
            "&#xD800;",
            "&#0;",
            "&#x110000;",
            "&bogus;",
            "<![CDATA[<p>Text in <b>CDATA</b></p>]]>",
            "&lt;p&gt;Escaped markup&lt;/p&gt;",
            "Tue, 30 Feb 2025 25:61:00 +9999",
            "2025-13-45T99:99:99Z",
            "The council met on Tuesday and voted to approve the new harbour plan.",
        ]
    ),
)


@st.composite
def elements(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(TAGS))
    parts = draw(
        st.lists(
            CHUNKS if depth >= 4 else st.one_of(CHUNKS, elements(depth + 1)),
            max_size=4,
        )
    )
    return f"<{tag}{draw(ATTRIBUTES)}>{''.join(parts)}</{tag}>"


PROLOGS = st.sampled_from(
    [
        "",
        '<?xml version="1.0" encoding="utf-8"?>',
        '<?xml version="1.0" encoding="utf-16"?>',
        '<?xml version="1.0" encoding="x-bogus"?>',
        '<?xml version="1.0" encoding="iso-8859-1"?>',
        "\ufeff",
        '<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">]>',
    ]
)
documents = st.builds(lambda prolog, body: prolog + body, PROLOGS, elements())


@fuzz_settings(40)
@given(st.sampled_from(FEEDS), st.lists(byte_mutations, max_size=6))
def test_byte_mutated_feeds(path: Path, mutations: list[object]) -> None:
    data = mutate_bytes(path.read_bytes(), mutations)  # type: ignore[arg-type]
    guarded("feed.bytes", lambda: feed(data), size=len(data))


@fuzz_settings(40)
@given(st.sampled_from(FEEDS), st.lists(line_mutations, max_size=6))
def test_line_mutated_feeds(path: Path, mutations: list[object]) -> None:
    text = mutate_lines(path.read_text("utf-8"), mutations)  # type: ignore[arg-type]
    data = text.encode("utf-8", "surrogatepass")
    guarded("feed.lines", lambda: feed(data), size=len(data))


@fuzz_settings(60)
@given(documents, st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_generated_feed_documents(document: str, encoding: str) -> None:
    data = document.encode(encoding, "replace")
    guarded("feed.generated", lambda: feed(data), size=len(data))


@fuzz_settings(30)
@given(st.binary(max_size=2_000))
def test_arbitrary_bytes(data: bytes) -> None:
    guarded("feed.arbitrary", lambda: feed(data), size=len(data))


def test_deep_nesting_and_entity_expansion_are_refused() -> None:
    deep = ("<rss><channel><item>" + "<title>" * 50_000 + "x").encode()
    guarded("feed.deep", lambda: feed(deep), size=len(deep))
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + "a" * 1_000 + '">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><rss><channel><item><title>&b;'
        "</title></item></channel></rss>"
    ).encode()
    outcome = guarded("feed.entities", lambda: feed(laughs), size=len(laughs))
    assert isinstance(outcome, BaseException), "a feed declaring entities was read"
