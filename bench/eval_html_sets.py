"""HTML body extraction on page sets other than the development pages, against trafilatura.

The sets are the shared development pages rewritten the way real sites and tools
write pages (``bench/html_variants.py``: wrong or missing charset declarations,
control characters with and without a BOM, layout tables, markup without class names,
hidden duplicate copies); the gold bodies are the set's. For every set it scores our
``extract_bytes`` and trafilatura's default call (``trafilatura.extract`` on the same
bytes, comments left out) with the set's ``score.py``, counts our refusals and crashes,
and times both on one core in the same run (CPU seconds of the extraction calls only).

    .venv/bin/python bench/eval_html_sets.py [--data ../shared/eval/extraction]
        [--only VARIANT ...] [--out DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
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
from retrieval.extract import ExtractedArticle, extract_bytes

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
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    truth = json.loads((args.data / "ground_truth.json").read_text(encoding="utf-8"))
    pages = {
        path.name[: -len(".html.gz")]: gzip.decompress(path.read_bytes()).decode("utf-8")
        for path in sorted((args.data / "pages").glob("*.html.gz"))
    }
    header = f"{'set':22} {'method':12} {'F1':>6} {'P':>6} {'R':>6} {'CPU s':>6} {'pages/s':>7}"
    print(f"{header}  outcomes")
    for variant in args.only or list(VARIANTS):
        rewrite = VARIANTS[variant]
        inputs = {name: rewrite(page, i) for i, (name, page) in enumerate(pages.items())}
        seconds: dict[str, float] = {}
        for method, run in METHODS.items():
            out = args.out / variant / method
            out.mkdir(parents=True, exist_ok=True)
            outcomes: Counter[str] = Counter()
            spent = 0.0
            for name, data in inputs.items():
                url = truth.get(name, {}).get("url")
                started = time.process_time()
                body = run(name, data, url, outcomes)
                spent += time.process_time() - started
                (out / f"{name}.txt").write_text(body, encoding="utf-8")
            seconds[method] = spent
            f1, p, r = score(args.data, out)
            shown = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "-"
            rate = len(inputs) / spent if spent else 0.0
            print(
                f"{variant:22} {method:12} {f1:6.3f} {p:6.3f} {r:6.3f} {spent:6.1f} "
                f"{rate:7.1f}  {shown}",
                flush=True,
            )
        ratio = seconds["ours"] / max(seconds["trafilatura"], 1e-9)
        print(f"{variant:22} {'time ratio':12} ours / trafilatura = {ratio:.2f}x", flush=True)
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
