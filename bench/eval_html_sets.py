"""HTML body extraction on page sets other than the development pages, against trafilatura.

The sets are the shared development pages rewritten the way real sites and tools
write pages (``bench/html_variants.py``: wrong or missing charset declarations,
control characters with and without a BOM, layout tables, markup without class names,
hidden duplicate copies); the gold bodies are the set's. For every set it scores our
``extract_bytes`` and trafilatura's default call (``trafilatura.extract`` on the same
bytes, comments left out) with the set's ``score.py``, counts our refusals and crashes,
and times both on one core in the same run (CPU seconds of the extraction calls only).

    .venv/bin/python bench/eval_html_sets.py [--data ../shared/eval/extraction]
        [--only VARIANT ...] [--out DIR] [--before CHECKOUT_OF_AN_EARLIER_VERSION]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_extraction import DEFAULT_DATA, score
from html_variants import VARIANTS

from retrieval.errors import InputError
from retrieval.ingest.extract import ExtractedArticle, extract_bytes

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "bench" / "out" / "html_sets"

Method = Callable[[str, bytes, str | None, Counter[str]], str]


def ours(name: str, data: bytes, url: str | None, outcomes: Counter[str]) -> str:
    try:
        records = list(extract_bytes(data, name=f"{name}.html", url=url))
    except InputError as exc:
        outcomes[type(exc).__name__] += 1
        return ""
    except Exception as exc:  # a crash is a finding, counted and shown
        outcomes[f"crash {type(exc).__name__}"] += 1
        return ""
    return "\n\n".join(r.body for r in records if isinstance(r, ExtractedArticle))


def trafilatura_default(name: str, data: bytes, url: str | None, outcomes: Counter[str]) -> str:
    try:
        text = trafilatura.extract(data, url=url, include_comments=False)
    except Exception as exc:
        outcomes[f"crash {type(exc).__name__}"] += 1
        return ""
    if not text:
        outcomes["nothing"] += 1
    return text or ""


METHODS: dict[str, Method] = {"ours": ours, "trafilatura": trafilatura_default}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--only", nargs="*", choices=sorted(VARIANTS))
    parser.add_argument(
        "--before",
        type=Path,
        help="a checkout of an earlier version (e.g. `git worktree add DIR REV`): its "
        "extract_bytes runs as method 'before', in a child process, in the same run",
    )
    parser.add_argument("--methods", nargs="*", choices=sorted(METHODS), help=argparse.SUPPRESS)
    parser.add_argument("--label", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    truth = json.loads((args.data / "ground_truth.json").read_text(encoding="utf-8"))
    pages = {
        path.name[: -len(".html.gz")]: gzip.decompress(path.read_bytes()).decode("utf-8")
        for path in sorted((args.data / "pages").glob("*.html.gz"))
    }
    variants = args.only or list(VARIANTS)
    if args.label is not None:  # the child of --before: predictions and timings only
        return _emit(args, variants, pages, truth)
    before = _run_before(args, variants) if args.before is not None else {}
    header = f"{'set':22} {'method':12} {'F1':>6} {'P':>6} {'R':>6} {'CPU s':>6} {'pages/s':>7}"
    print(f"{header}  outcomes")
    for variant in variants:
        seconds: dict[str, float] = {}
        rows = _predict(args.out, variant, pages, truth, list(METHODS))
        if variant in before:
            rows.insert(0, ("before", *before[variant]))
        for method, spent, outcomes in rows:
            seconds[method] = spent
            f1, p, r = score(args.data, args.out / variant / method)
            shown = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "-"
            rate = len(pages) / spent if spent else 0.0
            print(
                f"{variant:22} {method:12} {f1:6.3f} {p:6.3f} {r:6.3f} {spent:6.1f} "
                f"{rate:7.1f}  {shown}",
                flush=True,
            )
        ratios = ", ".join(
            f"{m} / trafilatura = {seconds[m] / max(seconds['trafilatura'], 1e-9):.2f}x"
            for m in ("before", "ours")
            if m in seconds
        )
        print(f"{variant:22} {'time ratio':12} {ratios}", flush=True)
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    return 0


Row = tuple[str, float, Counter[str]]


def _predict(
    out_dir: Path,
    variant: str,
    pages: dict[str, str],
    truth: dict[str, dict[str, str]],
    methods: list[str],
    label: str | None = None,
) -> list[Row]:
    """Predictions of each method written under OUT/variant/method; CPU time, outcomes."""
    rewrite = VARIANTS[variant]
    inputs = {name: rewrite(page, i) for i, (name, page) in enumerate(pages.items())}
    rows: list[Row] = []
    for method in methods:
        run = METHODS[method]
        out = out_dir / variant / (label or method)
        out.mkdir(parents=True, exist_ok=True)
        outcomes: Counter[str] = Counter()
        spent = 0.0
        for name, data in inputs.items():
            url = truth.get(name, {}).get("url")
            started = time.process_time()
            body = run(name, data, url, outcomes)
            spent += time.process_time() - started
            (out / f"{name}.txt").write_text(body, encoding="utf-8")
        rows.append((label or method, spent, outcomes))
    return rows


def _emit(
    args: argparse.Namespace,
    variants: list[str],
    pages: dict[str, str],
    truth: dict[str, dict[str, str]],
) -> int:
    found = {}
    for variant in variants:
        ((_, spent, outcomes),) = _predict(args.out, variant, pages, truth, ["ours"], args.label)
        found[variant] = [spent, dict(outcomes)]
    print(json.dumps(found))
    return 0


def _run_before(
    args: argparse.Namespace, variants: list[str]
) -> dict[str, tuple[float, Counter[str]]]:
    """Runs this script's ``ours`` in a child process that imports the earlier checkout."""
    env = {**os.environ, "PYTHONPATH": str(args.before.resolve())}
    command = [
        sys.executable, __file__, "--data", str(args.data), "--out", str(args.out),
        "--only", *variants, "--label", "before",
    ]  # fmt: skip
    result = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    found = json.loads(result.stdout.strip().splitlines()[-1])
    return {v: (float(spent), Counter(outcomes)) for v, (spent, outcomes) in found.items()}


if __name__ == "__main__":
    sys.exit(main())
