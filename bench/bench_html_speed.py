"""Speed of HTML extraction against trafilatura's default call, and where its time goes.

On the 60 development pages, each page is extracted by ``extract_bytes`` and then by
``trafilatura.extract`` (its default call, comments left out) in turn, and the CPU
time of each call is summed: both meet the same machine load page by page, so their
ratio holds on a busy machine where absolute rates do not. With ``--before CHECKOUT``
the same measure of an earlier checkout (same package layout) runs in a child process,
alternating with this one, ``--pairs`` times. ``--stages`` adds the CPU time of each
step of the HTML cascade (decoding, parsing, metadata, each trafilatura reading, the
plain-text cleaner, the chooser's tests), with call counts.

CPU time moves with the machine's load by a third from one minute to the next.
``--once ours|trafilatura|none`` makes one pass of one extractor (after the same
warm-up on a few pages; ``none`` is the warm-up alone) for ``valgrind --tool=callgrind``,
whose instruction counts are the same from run to run whatever else the machine does:
a pass costs its count minus the count of ``none``.

    .venv/bin/python bench/bench_html_speed.py [--rounds 2] [--pairs 3]
        [--before CHECKOUT_OF_AN_EARLIER_VERSION] [--stages]
    PYTHONPATH=CHECKOUT .venv/bin/python bench/bench_html_speed.py --stages  # its steps
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        .venv/bin/python bench/bench_html_speed.py --once ours   # and trafilatura, none
"""

from __future__ import annotations

import argparse
import contextlib
import functools
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
from types import ModuleType
from typing import Any

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_extraction import DEFAULT_DATA

from retrieval.errors import InputError
from retrieval.ingest import extract as extract_package
from retrieval.ingest.extract import extract_bytes

Pages = list[tuple[str, bytes, str | None]]


def load_pages(data: Path) -> Pages:
    truth = json.loads((data / "ground_truth.json").read_text(encoding="utf-8"))
    pages = []
    for path in sorted((data / "pages").glob("*.html.gz")):
        name = path.name[: -len(".html.gz")]
        pages.append((name, gzip.decompress(path.read_bytes()), truth.get(name, {}).get("url")))
    return pages


def ours(name: str, page: bytes, url: str | None) -> None:
    with contextlib.suppress(InputError):  # a refused page costs what it costs
        list(extract_bytes(page, name=f"{name}.html", url=url))


def theirs(_name: str, page: bytes, url: str | None) -> None:
    trafilatura.extract(page, url=url, include_comments=False)


def measure(pages: Pages, rounds: int) -> dict[str, float]:
    """CPU seconds per pass over the pages: ours and trafilatura's, page by page in turn."""
    spent = {"ours": 0.0, "trafilatura": 0.0}
    for round_ in range(rounds + 1):  # the first pass warms caches and imports
        for name, page, url in pages:
            for label, run in (("ours", ours), ("trafilatura", theirs)):
                started = time.process_time()
                run(name, page, url)
                if round_:
                    spent[label] += time.process_time() - started
    return {label: seconds / rounds for label, seconds in spent.items()}


def line(label: str, spent: dict[str, float], pages: int) -> str:
    ratio = spent["ours"] / spent["trafilatura"]
    return (
        f"{label:8} ours {spent['ours']:5.2f} s ({pages / spent['ours']:5.1f} pages/s)  "
        f"trafilatura {spent['trafilatura']:5.2f} s ({pages / spent['trafilatura']:5.1f} "
        f"pages/s)  ours / trafilatura = {ratio:.2f}x"
    )


# The steps of the cascade, by module and function name (absent ones are skipped, so
# an earlier checkout is measured the same way).
STAGES = {
    "charset": ["decode_bytes"],
    "html": [
        "extract_html", "parse_html", "drop_hidden", "page_metadata", "_trafilatura",
        "visible_text", "raw_lines", "_second_opinion", "_link_texts", "_prose_words",
        "is_clean", "settled", "most_agreed", "without_disputed_furniture", "_published",
        "_dateline",
    ],
    "html_meta": ["markup_author", "extract_author", "find_date", "extract_meta_json"],
}  # fmt: skip


def stages(pages: Pages, rounds: int) -> list[str]:
    """CPU seconds and calls per step of the cascade, per pass over the pages."""
    spent: Counter[str] = Counter()
    calls: Counter[str] = Counter()

    def timed(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.process_time() - started
                calls[label] += 1

        return wrapper

    modules: dict[str, ModuleType] = {
        "charset": __import__(f"{extract_package.__name__}.charset", fromlist=["_"]),
        "html": __import__(f"{extract_package.__name__}.html", fromlist=["_"]),
        "html_meta": __import__(f"{extract_package.__name__}.html_meta", fromlist=["_"]),
    }
    for key, names in STAGES.items():
        for name in names:
            if hasattr(modules[key], name):
                setattr(modules[key], name, timed(name, getattr(modules[key], name)))
    # The package calls decode_bytes by the name it imported: that reference is wrapped.
    extract_package.decode_bytes = modules["charset"].decode_bytes  # type: ignore[attr-defined]
    for round_ in range(rounds + 1):
        if round_ == 1:
            spent.clear()
            calls.clear()
        for name, page, url in pages:
            ours(name, page, url)
    return [
        f"  {label:28} {seconds / rounds:6.3f} s  {calls[label] // rounds:4d} calls"
        for label, seconds in spent.most_common()
    ]


# Pages each extractor reads before the pass that ``--once`` counts (imports, caches).
WARM_UP_PAGES = 3


def once(pages: Pages, which: str) -> None:
    """One pass of one extractor after a warm-up of both, for an instruction count."""
    for name, page, url in pages[:WARM_UP_PAGES]:
        ours(name, page, url)
        theirs(name, page, url)
    run = {"ours": ours, "trafilatura": theirs}.get(which)
    if run is not None:
        for name, page, url in pages:
            run(name, page, url)


def child(checkout: Path, args: argparse.Namespace) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(checkout.resolve())}
    command = [sys.executable, __file__, "--data", str(args.data), "--rounds", str(args.rounds)]
    result = subprocess.run(
        [*command, "--json"], env=env, check=True, capture_output=True, text=True
    )
    found: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rounds", type=int, default=2, help="passes over the pages")
    parser.add_argument("--pairs", type=int, default=3, help="before/after alternations")
    parser.add_argument("--before", type=Path, help="a checkout of an earlier version")
    parser.add_argument("--stages", action="store_true", help="CPU time per cascade step")
    parser.add_argument(
        "--once",
        choices=("ours", "trafilatura", "none"),
        help="one pass of one extractor after a warm-up, for an instruction counter",
    )
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    pages = load_pages(args.data)
    if args.once:
        once(pages, args.once)
        return 0
    if args.json:
        print(json.dumps(measure(pages, args.rounds)))
        return 0
    for _ in range(args.pairs if args.before else 1):
        if args.before:
            print(line("before", child(args.before, args), len(pages)), flush=True)
        print(line("now", measure(pages, args.rounds), len(pages)), flush=True)
    if args.stages:
        print(f"where the time goes ({len(pages)} pages, CPU per pass):")
        print("\n".join(stages(pages, args.rounds)))
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
