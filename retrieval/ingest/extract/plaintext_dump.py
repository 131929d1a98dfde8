"""Text dumps made by other renderers, turned into the one-block-per-line shape we classify.

Each tool that saves a page as text has habits: terminal browsers (w3m, lynx, links)
and html2text hard-wrap paragraphs at a fixed width; html2text writes Markdown (links
``[text](url)``, images ``![alt](url)``, ``#`` headings, ``*`` bullets, backslash
escapes); lynx and elinks number links (``[12]text``) and list them in a "References"
section at the end; BeautifulSoup's ``get_text("\\n")`` puts every inline element
(a link, an emphasis) on a line of its own; lxml's ``text_content()`` keeps the code of
scripts and styles; some tools render link text underlined (``Read_more``).

We undo those habits from the text's own evidence (line widths, markers, spaces at the
edges of lines), never from the name of the tool: the same rules must hold for a
renderer we have not seen. What a renderer tells us about links is kept: a line that is
all link text is navigation or a teaser, whatever its wording.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from retrieval.ingest.extract import linewords as lw
from retrieval.text.normalize import normalize_text


@dataclass(frozen=True)
class DumpLine:
    text: str  # the line without markup, normalised, stripped, never blank
    linked: bool  # all (or nearly all) of it is link text: a menu item or a teaser
    block_start: bool  # a blank line (or the start) precedes it


# C0/C1 control characters other than tab and line ends: terminal escapes, form feeds,
# NULs of a bad conversion. They carry no text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The numbered list of link targets lynx and elinks append ("References", then
# "Visible links:" / "Hidden links:" and "  12. https://...").
_REFERENCES_HEAD = re.compile(r"^\s*(?:references|visible links:?|hidden links:?)\s*$", re.I)
# An entry is a numbered target, maybe with its title, the address then on a line of its
# own (elinks).
_REFERENCE_ITEM = re.compile(r"^\s*\d{1,5}\.\s+\S|^\s*[a-z][\w+.-]*:\S+$")
# Share of the lines after a "References" head that must be numbered targets for it to
# be that list (and not a heading of the article).
REFERENCES_SHARE = 0.8

# Wrap-width detection. A renderer that wraps leaves many lines just short of one
# width and no breakable line beyond it. Widths under this are not a page wrap ...
MIN_WRAP_WIDTH = 40
# ... lines this close below the width count as filled to it (a word of up to this
# many columns did not fit) ...
WRAP_SLACK = 15
# ... and this share of the lines that could be filled (longer than the narrowest wrap
# less the slack) must be (a menu of short items, however many, shows no width).
WRAP_FILLED_SHARE = 0.25
# ... it is no wider than the widest terminal setting in common use (a text whose lines
# are all about this long or longer holds one paragraph per line) ...
MAX_WRAP_WIDTH = 132
# ... and most lines filled to it stop mid-sentence: a break the renderer made, not the
# end of a paragraph of about that length.
WRAP_OPEN_SHARE = 0.3
# Share of the breakable lines that may still run past the width (a table row, a long
# word-joined name, a preformatted block).
WRAP_OVERFLOW_SHARE = 0.02
# Markup a wrapping renderer does not break: link targets, addresses, attribute blocks.
_UNBREAKABLE = re.compile(r"\]\(|://|=\"|[{}]")
# At least this many filled lines: a short text says nothing about its width.
WRAP_MIN_FILLED = 5

# Markdown: images first (they sit inside links), then links, then emphasis.
# A target (with its title, and the spaces of a target wrapped across lines) runs to the
# closing parenthesis and never over the "](" of another link, so a line of unclosed
# "[a](b" is read about once, not once per bracket.
_MD_TARGET = r"\((?:\\.|[^)\\\]]|\](?!\())*+\)"
_LINK_CHUNK = re.compile(r"[^\s\[\]]*\]" + _MD_TARGET + r"\S*")
_MD_IMAGE = re.compile(r"!\[[^\[\]]*+\]" + _MD_TARGET)
_MD_LINK = re.compile(r"\[([^\[\]]*+)\]" + _MD_TARGET)
# CommonMark lets any ASCII punctuation be escaped; writers escape "$", "*", "#" etc.
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# Pandoc's Markdown: fenced divs (":::" lines), attribute blocks after links and spans
# ("{.class target=...}"), empty anchors ("[]{#id}"); reference-style link definitions.
_MD_FENCE = re.compile(r"^:{3,}")
_MD_SPAN = re.compile(r"\[([^\[\]]*)\]\{[#.][^{}]*\}")
_MD_ATTRIBUTES = re.compile(r"\{[#.][^{}]*(?:\}|$)|\{[\w-]+=[^{}]*\}")
_MD_DEFINITION = re.compile(r"^\[[^\[\]]+\]:\s+\S+")
_MD_REF_LINK = re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]")
# Markdown and e-mail style quotation marks opening a line.
_QUOTE_MARK = re.compile(r"^(?:>\s?)+")
# Raw HTML tags left in a Markdown dump.
_HTML_TAG = re.compile(r"</?[a-zA-Z][\w:-]*(?:\s[^<>]*)?/?>")
# Strong emphasis markers go wherever they are (html2text leaves empty "** **" pairs);
# single "_" or "*" only around a run of words, since they also occur inside them.
_MD_STRONG = re.compile(r"\*\*+|__+")
_MD_EMPHASIS = re.compile(r"(?<![\w*])([_*])(?=[^\s_*])([^_*]+?)(?<=[^\s_*])\1(?![\w*])")
# Autolinks: the address is the text shown.
_MD_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^\s<>]+|www\.[^\s<>]+)>")
# The closing marks' branch and the pipes start nowhere inside a run of white space
# (``linewords.NOT_INSIDE_SPACE_RUN``).
_MD_HEADING = re.compile(r"^#{1,6}\s+|" + lw.NOT_INSIDE_SPACE_RUN + r"\s+#{1,6}\s*$")
# A Markdown table's rule row ("---|:---:") and the pipes between cells.
# Matched against one stripped line (no line break in it), written as "only rule
# characters" (a lookahead with a possessive quantifier: one pass, no backtracking)
# then "three dashes or equals signs somewhere": the direct form, with the same class
# before and after the run, tried every split of a long run of dashes that ends in a
# word, cubic in its length (seconds for a line of a thousand dashes and " x").
_TABLE_RULE = re.compile(r"^(?=[\s|:+\-=]*+$).*?[-=]{3}")
_TABLE_PIPE = re.compile(lw.NOT_INSIDE_SPACE_RUN + r"\s*\|\s*")
# Numbered link references of lynx/elinks ("[12]"), and their image and form stand-ins.
_LINK_REF = re.compile(r"\[\d{1,5}\]")
_BRACKETED_LINE = re.compile(r"^\[[^\[\]]{0,120}\]$")
# List markers of text renderers: bullets, dashes, lynx's "+" and "o" for nested levels,
# numbers. "o" is only a marker when indented (lynx indents every list), since it is a
# word in several languages.
_BULLET = re.compile(r"^(?:[*+\-•·◦▪●■□‣○–]|\d{1,3}[.)])\s+(?=\S)")
_INDENTED_O = re.compile(r"^\s{2,}o\s+(?=\S)")
# Link text rendered underlined: words joined by "_" ("Terms_of_Service").
_UNDERLINED = re.compile(r"(?<=[^\W_])_+(?=[^\W_])")
# What such a dump shows as link text: a run between underscores ("_Title of story_")
# or a word with joins in it.
_UNDERLINED_SPAN = re.compile(r"(?<!\w)_[^_\s](?:[^_]*[^_\s])?_(?!\w)|(?<!\S)\S*?[^\W_]_+[^\W_]\S*")
# Text in brackets left after link references are gone: image alternatives and form
# controls of text browsers ("[photo]", "[Submit]"); it counts with the link text.
_BRACKET_SPAN = re.compile(r"\[[^\[\]]{1,200}\]")
# Share of a dump's words that carry such joins for it to be read as underlined links.
UNDERLINED_SHARE = 0.02
# A line is a link line when this share of its words are link text.
LINKED_SHARE = 0.8
# A lynx-style line opening with a link reference counts as a link line up to this many
# words, or at any length when it does not end like a sentence (the reference marks
# where a link starts, not where it ends).
REF_LINE_MAX_WORDS = 12

# Blocks run together (lxml's ``text_content`` of minified markup puts no break between
# paragraphs or menu items): a sentence end touching the next capital ("years.How"),
# or a lower-case letter touching a capital ("BanksHedge Funds") ...
_GLUED_SENTENCE = re.compile(r"(?<=[a-z\d%)][.!?])(?=[\"“‘]?[A-Z][a-z])|(?<=[.!?][\"”’])(?=[A-Z])")
_GLUED_WORD = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
# ... looked for only in lines this long (a real paragraph break would have split them) ...
GLUED_MIN_CHARS = 300
# ... and lower-to-upper joins split a piece only this often per word: in prose they are
# names (McDonald, YouTube), in a glued menu every item makes one.
GLUED_WORD_SHARE = 0.1

# A line longer than any paragraph is a page run together (lxml on a page whose blocks
# are separated by a space at most): it is cut into its sentences as well.
RUN_TOGETHER_CHARS = 4000
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[\"“‘]?[A-Z])")

# Inline elements put on lines of their own: a line ending mid-sentence in a space (the
# space before the next element) or a line starting with exactly one space (the space
# after it). A sentence end and a space is how many writers end any line: no sign.
_OPEN_END = re.compile(r"[^\s.!?…。！？][ \t]$")
_ONE_SPACE_START = re.compile(r"^ \S")
# ... or a line opening with the punctuation that closes the sentence around the element.
_CLOSING_START = re.compile(r"^[,.;:!?)\]](?:\s|$)")
# Share of non-blank lines showing that habit for a dump to be read that way.
INLINE_SPLIT_SHARE = 0.05


def dump_lines(text: str) -> list[DumpLine]:
    """The lines of a text dump, unwrapped and without markup, with their link flags."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    raw = _drop_references(text.split("\n"))
    width = wrap_width(raw)
    if width is not None:
        raw = _rejoin_wrapped(raw, width)
    else:  # a renderer that wraps lays blocks out on lines of their own
        if _splits_inline(raw):
            raw = _rejoin_inline(raw)
        raw = [piece for line in raw for piece in _split_glued(line)]
    underlined = _is_underlined(raw)
    lines: list[DumpLine] = []
    after_blank = True
    for line in raw:
        cleaned = _clean(line, underlined=underlined)
        if cleaned is None:
            after_blank = after_blank or not line.strip()
            continue
        text_, linked = cleaned
        lines.append(DumpLine(text_, linked, after_blank))
        after_blank = False
    return lines


def _drop_references(lines: list[str]) -> list[str]:
    """The dump without the trailing list of link targets (lynx, elinks)."""
    for i, line in enumerate(lines):
        if not _REFERENCES_HEAD.match(line):
            continue
        rest = [ln for ln in lines[i + 1 :] if ln.strip() and not _REFERENCES_HEAD.match(ln)]
        if rest and sum(1 for ln in rest if _REFERENCE_ITEM.match(ln)) >= REFERENCES_SHARE * len(
            rest
        ):
            return lines[:i]
    return lines


def columns(text: str) -> int:
    """Terminal columns of a line: wide (CJK) characters take two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap_width(lines: list[str]) -> int | None:
    """The width a renderer wrapped the dump at, or None when it was not wrapped.

    It is the narrowest width that almost no line the renderer could have broken runs
    past (list items, link markup and long addresses may be left unwrapped), provided
    most long lines come close to it.
    """
    nonblank = [line.rstrip() for line in lines if line.strip()]
    widths = [columns(line) for line in nonblank]
    long_lines = [w for w in widths if w > MIN_WRAP_WIDTH - WRAP_SLACK]
    if len(long_lines) < WRAP_MIN_FILLED:
        return None
    breakable = sorted(
        w for w, line in zip(widths, nonblank, strict=True) if _could_wrap(line.strip())
    )
    allowed = int(WRAP_OVERFLOW_SHARE * len(breakable))
    width = breakable[-1 - allowed] if len(breakable) > allowed else max(long_lines)
    width = max(width, MIN_WRAP_WIDTH)
    if width > MAX_WRAP_WIDTH:
        return None
    # Markup lines and list items say nothing about the width; lines of text do.
    text_lines = [
        (w, line)
        for w, line in zip(widths, nonblank, strict=True)
        if w > MIN_WRAP_WIDTH - WRAP_SLACK and _could_wrap(line.strip())
    ]
    filled = [line for w, line in text_lines if width - WRAP_SLACK < w <= width]
    if len(filled) < WRAP_MIN_FILLED or len(filled) < WRAP_FILLED_SHARE * len(text_lines):
        return None
    open_ended = sum(1 for line in filled if not lw.ends_sentence(line))
    return width if open_ended >= WRAP_OPEN_SHARE * len(filled) else None


def _could_wrap(line: str) -> bool:
    """A line a wrapping renderer would have broken had it been too long.

    Markup is kept whole: link targets, addresses and attribute values may run past
    the width, and so may list items (html2text does not wrap them).
    """
    return " " in line and not _UNBREAKABLE.search(line) and not _starts_item(line)


def _starts_item(line: str) -> bool:
    stripped = line.lstrip()
    return bool(
        _BULLET.match(stripped) or _INDENTED_O.match(line) or stripped.startswith(("#", "|", ":::"))
    )


def _rejoin_wrapped(lines: list[str], width: int) -> list[str]:
    """Join each line to the next when the next one's first word would not have fit."""
    out: list[list[str]] = []  # the pieces of each joined line (joined once, at the end)
    previous = ""  # the last physical line: its width decides, not the joined paragraph's
    for line in lines:
        if (
            out
            and line.strip()
            and previous.strip()
            and not _starts_item(line)
            and columns(previous.rstrip()) + 1 + columns(_first_chunk(line)) > width
        ):
            right = line.strip()
            if right.startswith(">") and previous.lstrip().startswith(">"):
                right = right.lstrip("> ")  # a quoted paragraph marks every line
            _append(out[-1], right)
            previous = line
            continue
        out.append([line])
        previous = line
    return ["".join(pieces) for pieces in out]


def _first_chunk(line: str) -> str:
    """What a wrapper could not break at the start of a line: its first word, or up to
    the end of a link target that word opens (a title inside is not broken either)."""
    stripped = line.lstrip()
    linked = _LINK_CHUNK.match(stripped)
    return linked.group() if linked else stripped.split(maxsplit=1)[0]


def _append(pieces: list[str], right: str) -> None:
    """Add a part to a paragraph: after a word broken at its hyphen, or after a space."""
    left = pieces[-1] = pieces[-1].rstrip()
    hyphenated = left.endswith("-") and left[-2:-1].isalpha() and right[:1].isalpha()
    unspaced = _is_unspaced(left[-1:]) and _is_unspaced(right[:1])
    pieces.append(right if hyphenated or unspaced else " " + right)


def _is_unspaced(char: str) -> bool:
    return bool(char) and unicodedata.east_asian_width(char) in "WF"


def _splits_inline(lines: list[str]) -> bool:
    nonblank = [line for line in lines if line.strip()]
    hits = sum(1 for line in nonblank if _open_end(line) or _ONE_SPACE_START.match(line))
    return bool(nonblank) and hits >= INLINE_SPLIT_SHARE * len(nonblank)


def _open_end(line: str) -> bool:
    return bool(_OPEN_END.search(line[-2:]))  # only the end: joined lines grow long


def _rejoin_inline(lines: list[str]) -> list[str]:
    """Put inline elements split onto lines of their own back into their sentence."""
    out: list[list[str]] = []  # the pieces of each joined line (joined once, at the end)
    for line in lines:
        if out and line.strip() and out[-1][-1].strip():
            pieces = out[-1]
            # The appended line keeps its own end: a space there joins the next one too.
            if _open_end(pieces[-1]) or _ONE_SPACE_START.match(line):
                pieces[-1] = pieces[-1].rstrip()
                pieces.append(" " + line.lstrip())
                continue
            if _CLOSING_START.match(line):
                pieces[-1] = pieces[-1].rstrip()
                pieces.append(line.lstrip())
                continue
        out.append([line])
    return ["".join(pieces) for pieces in out]


def _split_glued(line: str) -> list[str]:
    """A long line cut where blocks were run together without a break."""
    if len(line) < GLUED_MIN_CHARS:
        return [line]
    pieces = []
    splitter = _SENTENCE_BREAK if len(line) >= RUN_TOGETHER_CHARS else None
    sentences = _GLUED_SENTENCE.split(line)
    if splitter is not None:
        sentences = [part for sentence in sentences for part in splitter.split(sentence)]
    for piece in sentences:
        joins = len(_GLUED_WORD.findall(piece))
        if joins and joins >= GLUED_WORD_SHARE * len(piece.split()):
            pieces.extend(_GLUED_WORD.split(piece))
        else:
            pieces.append(piece)
    return pieces


def _is_underlined(lines: list[str]) -> bool:
    words = sum(len(line.split()) for line in lines)
    joins = sum(len(_UNDERLINED.findall(line)) for line in lines)
    return words > 0 and joins >= UNDERLINED_SHARE * words


def _list_mark(match: re.Match[str]) -> str:
    """One bullet for every renderer's markers, so list items stay recognisable; numbers kept."""
    return match.group(0) if match.group(0)[0].isdigit() else "• "


def _words(text: str) -> int:
    return lw.word_count(text.replace("_", " "))


def _clean(line: str, *, underlined: bool) -> tuple[str, bool] | None:
    """The line's text without markup and whether it is link text; None when nothing is left."""
    stripped = line.strip()
    if not stripped or _TABLE_RULE.match(stripped) or _MD_FENCE.match(stripped):
        return None
    if _MD_DEFINITION.match(stripped):
        return None
    if "{" in stripped:
        stripped = _MD_ATTRIBUTES.sub("", _MD_SPAN.sub(r"\1", stripped))
    if "<" in stripped:
        stripped = _HTML_TAG.sub(" ", stripped)
    if stripped.startswith(">"):
        stripped = _QUOTE_MARK.sub("", stripped)
        if not stripped:
            return None
    mark = ""
    if _INDENTED_O.match(line):
        mark, stripped = "• ", stripped[1:].lstrip()
    elif bullet := _BULLET.match(stripped):
        mark, stripped = _list_mark(bullet), stripped[bullet.end() :]
    ref_start = bool(_LINK_REF.match(stripped))
    stripped = mark + _MD_HEADING.sub("", stripped)
    stripped = _MD_IMAGE.sub(" ", stripped)
    link_words = 0
    if "](" in stripped:
        link_words = sum(lw.word_count(m.group(1)) for m in _MD_LINK.finditer(stripped))
        stripped = _MD_LINK.sub(lambda m: f" {m.group(1)} ", stripped)
    if "][" in stripped:
        link_words += sum(lw.word_count(m.group(1)) for m in _MD_REF_LINK.finditer(stripped))
        stripped = _MD_REF_LINK.sub(lambda m: f" {m.group(1)} ", stripped)
    if "[" in stripped:
        stripped = _LINK_REF.sub("", stripped)
        if _BRACKETED_LINE.match(stripped.strip()):
            return None
        link_words += sum(_words(m.group(0)) for m in _BRACKET_SPAN.finditer(stripped))
    if underlined and "_" in stripped:
        link_words += sum(_words(m.group(0)) for m in _UNDERLINED_SPAN.finditer(stripped))
    if "\\" in stripped:
        stripped = _MD_ESCAPE.sub(r"\1", stripped)
    if "**" in stripped or "__" in stripped:
        stripped = _MD_STRONG.sub("", stripped)
    if "_" in stripped or "*" in stripped:
        stripped = _MD_EMPHASIS.sub(r"\2", stripped)
    if "<" in stripped:
        stripped = _MD_AUTOLINK.sub(r"\1", stripped)
    if underlined and "_" in stripped:
        stripped = _UNDERLINED.sub(" ", stripped)
    if stripped.count("|") >= 2 and stripped.strip().startswith("|"):
        stripped = _TABLE_PIPE.sub(" ", stripped)
    text = normalize_text(stripped).strip()
    if not text:
        return None
    words = lw.word_count(text)
    linked = (words > 0 and link_words >= LINKED_SHARE * words) or (
        ref_start and (words <= REF_LINE_MAX_WORDS or not lw.ends_sentence(text))
    )
    return text, linked
