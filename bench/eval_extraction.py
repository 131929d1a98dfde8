"""Body-extraction benchmark on the shared development pages (HTML and text scrapes).

For every page in ``../shared/eval/extraction/pages`` it writes one predicted body per
method into ``OUT/<variant>/<method>/NAME.txt`` and scores each directory with the
set's own ``score.py`` (token 4-shingle precision/recall, averaged over pages).

Methods: ``ours`` (retrieval.ingest.extract), ``trafilatura`` (alone, default settings),
``readability`` (readability-lxml, skipped when not installed) and ``keep-all`` (the
whole visible text). On the text variant the baselines read the scrape wrapped as HTML,
one ``<p>`` per line, since they only take HTML.

    .venv/bin/python bench/eval_extraction.py [--data ../shared/eval/extraction] [--out DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import html
import json
import logging
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura

from retrieval.errors import InputError
from retrieval.ingest.extract import ExtractedArticle, extract_bytes
from retrieval.ingest.extract.html import parse_html
from retrieval.ingest.extract.html_text import visible_text

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO / ".." / "shared" / "eval" / "extraction"
DEFAULT_OUT = REPO / "bench" / "out" / "extraction"
_LAST_LINE = re.compile(r"F1 ([\d.]+) P ([\d.]+) R ([\d.]+) n (\d+)")

Method = Callable[[str, bytes, str | None], str]


def ours(name: str, data: bytes, url: str | None) -> str:
    try:
        records = list(extract_bytes(data, name=name, url=url))
    except InputError:
        return ""
    return "\n\n".join(r.body for r in records if isinstance(r, ExtractedArticle))


def as_html(name: str, data: bytes) -> str:
    """The page's HTML, or a text scrape wrapped one paragraph per line."""
    text = data.decode("utf-8", errors="replace")
    if name.endswith(".html"):
        return text
    lines = (html.escape(line.strip()) for line in text.splitlines() if line.strip())
    return "<html><body>" + "".join(f"<p>{line}</p>" for line in lines) + "</body></html>"


def traf(name: str, data: bytes, url: str | None) -> str:
    return trafilatura.extract(as_html(name, data), url=url, include_comments=False) or ""


def keep_all(name: str, data: bytes, url: str | None) -> str:
    if not name.endswith(".html"):
        return data.decode("utf-8", errors="replace")
    tree = parse_html(data.decode("utf-8", errors="replace"))
    return visible_text(tree) if tree is not None else ""


def readability_method() -> Method | None:
    try:
        from readability import Document  # type: ignore[import-untyped]
    except ImportError:
        return None

    def run(name: str, data: bytes, url: str | None) -> str:
        try:
            summary = Document(as_html(name, data), url=url).summary(html_partial=True)
        except Exception:  # readability raises bare exceptions on odd pages
            return ""
        tree = parse_html(summary)
        return visible_text(tree) if tree is not None else ""

    return run


def pages(data_dir: Path) -> list[tuple[str, str, bytes]]:
    """(page name, variant file name, bytes) for both variants of every page."""
    found = []
    for path in sorted((data_dir / "pages").glob("*.txt")):
        name = path.name[: -len(".txt")]
        found.append((name, f"{name}.txt", path.read_bytes()))
        page = path.with_name(f"{name}.html.gz")
        if page.exists():
            found.append((name, f"{name}.html", gzip.decompress(page.read_bytes())))
    return found


def score(data_dir: Path, pred_dir: Path) -> tuple[float, float, float]:
    result = subprocess.run(
        [sys.executable, str(data_dir / "score.py"), str(pred_dir)],
        check=True,
        capture_output=True,
        text=True,
    )
    match = _LAST_LINE.search(result.stdout.strip().splitlines()[-1])
    if match is None:
        raise RuntimeError(f"unexpected score.py output: {result.stdout!r}")
    return float(match.group(1)), float(match.group(2)), float(match.group(3))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # trafilatura logs every discarded page
    urls = _urls(args.data)
    methods: dict[str, Method] = {"ours": ours, "trafilatura": traf, "keep-all": keep_all}
    readability = readability_method()
    if readability is not None:
        methods["readability"] = readability
    else:
        print("readability-lxml is not installed: that baseline is skipped")
    items = pages(args.data)
    rows = []
    for variant in ("html", "txt"):
        for method, run in methods.items():
            out = args.out / variant / method
            out.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            for name, file_name, data in items:
                if file_name.endswith(f".{variant}"):
                    body = run(file_name, data, urls.get(name))
                    (out / f"{name}.txt").write_text(body, encoding="utf-8")
            seconds = time.perf_counter() - started
            rows.append((variant, method, *score(args.data, out), seconds))
    print(f"{'variant':8} {'method':12} {'F1':>6} {'P':>6} {'R':>6} {'secs':>6}")
    for variant, method, f1, p, r, seconds in rows:
        print(f"{variant:8} {method:12} {f1:6.3f} {p:6.3f} {r:6.3f} {seconds:6.1f}")
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    print("predictions in", args.out)
    return 0


def _urls(data_dir: Path) -> dict[str, str]:
    with contextlib.suppress(OSError, ValueError):
        truth = json.loads((data_dir / "ground_truth.json").read_text(encoding="utf-8"))
        return {name: entry.get("url") for name, entry in truth.items() if entry.get("url")}
    return {}


if __name__ == "__main__":
    sys.exit(main())
