"""Find the article body among the lines of a scrape.

The body is the densest run of prose: each line scores its word count when it is
prose and a penalty otherwise, and the best-scoring contiguous run (maximum
subarray) is the core. Date and byline lines carry a heavy penalty because they sit
between a page's header (title, standfirst) and its text, so the core does not
swallow the standfirst. Inside the core, furniture and runs of headline-like lines
(related links dropped into the text) are removed; a lone short line between
paragraphs is kept as a subheading.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.ingest.extract.plaintext_lines import Kind, Line
from retrieval.ingest.extract.prose import is_list_item

# Line scores for the core search. Prose scores its word count.
SHORT_COST = 4.0
BOILER_COST = 4.0
META_COST = 30.0
# Extra cost of each further line in a run of non-prose lines: paragraphs of an
# article sit close together, teasers in a "more stories" list do not.
GAP_GROWTH = 3.0
# ... up to this much per line, so that a widget inside an article is still bridged.
GAP_GROWTH_CAP = 12.0
# A page-end line (copyright, comments heading) is a wall the core never crosses.
END_COST = 1e9
# Words of prose that must precede a copyright or comments line for it to end the page.
MIN_PROSE_BEFORE_END = 100
# Lines from this many words on are paragraphs, which an article never repeats.
REPEAT_MIN_WORDS = 8
# Link lines in a row that make a navigation block.
NAV_BLOCK_LINES = 4
# Items a colon-introduced list must have for the core to be carried over it.
MIN_LIST_ITEMS = 2
# Share of a run of short lines that must be list items for the run to stay.
LIST_SHARE = 0.5


@dataclass(frozen=True)
class Body:
    start: int  # index of the first core line
    end: int  # index after the last core line
    kept: tuple[Line, ...]  # the lines that make the body


def find_body(lines: list[Line], *, exclude: frozenset[int] = frozenset()) -> Body | None:
    """The article body, or None when the page has no prose at all."""
    lines = lines[: _page_end(lines)]
    span = densest_run(_scores(lines, exclude))
    if span is None:
        return None
    start, end = span
    end = _nav_block(lines, start, end)
    list_end = _extend_list(lines, end)
    kept = _filter(lines[start:end], exclude)
    kept += [line for line in lines[end:list_end] if line.index not in exclude]
    kept = _drop_repeats(kept)
    return Body(start, list_end, tuple(kept)) if kept else None


def _drop_repeats(kept: list[Line]) -> list[Line]:
    """The body without second copies of its paragraphs.

    A renderer that ignores style sheets keeps hidden copies of the text (a second
    layout, a print version), and the core may span both; an article does not repeat a
    paragraph word for word. Short lines (subheadings, list items) may repeat.
    """
    seen: set[str] = set()
    out = []
    for line in kept:
        if line.words >= REPEAT_MIN_WORDS:
            if line.text in seen:
                continue
            seen.add(line.text)
        out.append(line)
    return out


def _page_end(lines: list[Line]) -> int:
    """Index of the first page-end line that follows some prose (else the line count)."""
    prose = 0
    for line in lines:
        if line.kind is Kind.END and prose >= MIN_PROSE_BEFORE_END:
            return line.index
        if line.kind is Kind.GOOD:
            prose += line.words
    return len(lines)


def _nav_block(lines: list[Line], start: int, end: int) -> int:
    """Where the first navigation block after some of the article cuts the core (else end).

    A navigation block is a run of link lines (a dump that marks links shows them): once
    the article has begun, the first one is a "related" list, a section menu or the
    footer, and what follows it is other pages' text.
    """
    prose = 0
    run = 0
    for line in lines[start:end]:
        run = run + 1 if line.linked else 0
        if run >= NAV_BLOCK_LINES and prose >= MIN_PROSE_BEFORE_END:
            return line.index - run + 1
        if line.kind is Kind.GOOD:
            prose += line.words
    return end


def _extend_list(lines: list[Line], end: int) -> int:
    """Carry the core over a list it introduces (with a colon) or a numbered list after it."""
    first = end
    introduced = end > 0 and lines[end - 1].text.endswith(":")
    heading = end < len(lines) and lines[end].kind is Kind.SHORT
    if not introduced and heading and lines[end].text.endswith(":"):
        first, introduced = end + 1, True
    stop = first
    # Link lines the text does not introduce are ways elsewhere (related stories).
    while (
        stop < len(lines)
        and lines[stop].kind is Kind.SHORT
        and (introduced or not lines[stop].linked)
    ):
        stop += 1
    items = lines[first:stop]
    if len(items) < MIN_LIST_ITEMS:
        return end
    numbered = sum(1 for line in items if is_list_item(line.text))
    return stop if introduced or numbered >= LIST_SHARE * len(items) else end


def _scores(lines: list[Line], exclude: frozenset[int]) -> list[float]:
    """Prose scores its words; other lines cost more the longer the gap they extend."""
    scores = []
    gap = 0
    for line in lines:
        if line.kind is Kind.GOOD and line.index not in exclude:
            scores.append(float(line.words))
            gap = 0
            continue
        growth = min(GAP_GROWTH * gap, GAP_GROWTH_CAP)
        scores.append(-_cost(line, line.index in exclude) - growth)
        gap += 1
    return scores


def _cost(line: Line, excluded: bool) -> float:
    if excluded or line.kind is Kind.META:
        return META_COST
    if line.kind is Kind.SHORT:
        return SHORT_COST
    if line.kind is Kind.END:
        return END_COST
    return BOILER_COST


def densest_run(scores: list[float]) -> tuple[int, int] | None:
    """Maximum-sum contiguous run (Kadane); None when no score is positive."""
    best, best_span = 0.0, None
    total, start = 0.0, 0
    for i, score in enumerate(scores):
        if total <= 0:
            total, start = 0.0, i
        total += score
        if total > best:
            best, best_span = total, (start, i + 1)
    return best_span


def _filter(core: list[Line], exclude: frozenset[int]) -> list[Line]:
    kept: list[Line] = []
    i = 0
    while i < len(core):
        line = core[i]
        if line.kind is Kind.GOOD and line.index not in exclude:
            kept.append(line)
            i += 1
            continue
        j = i
        while j < len(core) and (core[j].kind is not Kind.GOOD or core[j].index in exclude):
            j += 1
        kept.extend(_keep_from_gap(core[i:j], exclude))
        i = j
    return kept


def _keep_from_gap(gap: list[Line], exclude: frozenset[int]) -> list[Line]:
    """Lines worth keeping from a run of non-prose lines inside the core."""
    short = [ln for ln in gap if ln.kind is Kind.SHORT and ln.index not in exclude]
    if not short:
        return []
    if len(short) == 1:
        return short  # a subheading
    if sum(1 for ln in short if is_list_item(ln.text)) >= LIST_SHARE * len(short):
        return short
    return [ln for ln in short if ln.clause]
