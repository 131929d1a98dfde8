"""Long fuzz run (hand-run, not CI): the reliability fuzz targets with many more inputs.

Two engines:

* ``hypothesis`` (default): the fuzz tests of ``tests/reliability`` with ``--scale``
  times their CI example count, memory traced on slower inputs too;
* ``atheris`` (coverage-guided libFuzzer; ``pip install atheris``): each target for
  ``--seconds`` in a process of its own, seeded with the shared extraction pages (or
  the fixtures), with a libFuzzer timeout and a 2 GiB memory limit. libFuzzer times
  wall-clock and instrumented code runs several times slower, so its timeout is looser
  than the 2-second CPU budget of the hypothesis run; each input it reports as a
  timeout is re-run here uninstrumented, warm, against that budget.

Prints per target the inputs tried, the documented errors met, and the crashes: inputs
that raised anything else, ran over the time budget or exceeded the memory bound (each
failing input is printed, or saved by libFuzzer as ``crash-*``/``timeout-*``).

    .venv/bin/python bench/fuzz_long.py [--scale 50] [--only feeds]
    .venv/bin/python bench/fuzz_long.py --engine atheris --seconds 120 [--target extract]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FUZZ_TESTS = sorted(str(p) for p in (ROOT / "tests" / "reliability").glob("test_fuzz_*.py"))
FUZZ_FILES = tuple(Path(t).stem.removeprefix("test_fuzz_") for t in FUZZ_TESTS)
WORKDIR = ROOT / "bench" / "out" / "fuzz"
ATHERIS_TARGETS = ("extract", "text", "since", "argv", "feed", "jsonl")
# libFuzzer limits: the per-input wall-clock time (instrumented, on a shared machine),
# memory, and the longest input it makes; and the CPU budget a timeout is re-run against.
TIMEOUT_SECONDS = 10
CPU_BUDGET_SECONDS = 2.0
RSS_LIMIT_MB = 2048
MAX_LEN = 100_000
# Names an extraction input is offered under (its first byte picks one).
NAMES = ("page.html", "scrape.txt", "wire.jsonl", "upload", "page.html.gz")


# ------------------------------------------------------------------ hypothesis
class _Failures:
    """A pytest plugin keeping each failed test and the start of its report."""

    def __init__(self) -> None:
        self.failed: list[tuple[str, str]] = []

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.failed:
            self.failed.append((report.nodeid, report.longreprtext[-1500:]))


def run_hypothesis(scale: int, only: list[str] | None = None) -> int:
    import pytest

    from tests.reliability import guard

    os.environ[guard.SCALE_ENV] = str(scale)
    os.environ["NEWSBOT_FUZZ_TRACE_SECONDS"] = "2.0"
    failures = _Failures()
    tests = [t for t in FUZZ_TESTS if not only or Path(t).stem.removeprefix("test_fuzz_") in only]
    pytest.main(["-q", "-p", "no:cacheprovider", "-W", "ignore", *tests], plugins=[failures])
    print(f"\nhypothesis, {scale}x the CI examples:")
    print(f"{'target':22s} {'inputs':>7s} {'largest':>8s} {'slowest':>8s} {'peak MiB':>8s}  errors")
    total = 0
    for name, tally in guard.summary():
        total += tally.inputs
        errors = ", ".join(f"{k} {v}" for k, v in sorted(tally.errors.items())) or "-"
        print(
            f"{name:22s} {tally.inputs:7d} {tally.biggest_input:8d} {tally.slowest:7.2f}s "
            f"{tally.peak_bytes / 2**20:8.1f}  {errors}"
        )
    print(f"inputs tried: {total}; crashes: {len(failures.failed)}")
    for nodeid, text in failures.failed:
        print(f"\nFAILED {nodeid}\n{text}")
    return 1 if failures.failed else 0


# ------------------------------------------------------------------ atheris
def _seeds(target: str, directory: Path) -> Path:
    """Write the target's seed inputs into ``directory`` (libFuzzer's corpus)."""
    from tests.reliability.inputs import FIXTURES, seed, seed_paths

    directory.mkdir(parents=True, exist_ok=True)
    if target in ("extract", "text"):
        for n, path in enumerate(seed_paths()):
            name, data = seed(path)
            if target == "text":
                data = data.decode("utf-8", "replace").encode()
            else:
                data = bytes([NAMES.index(name) if name in NAMES else 0]) + data
            (directory / f"seed{n}").write_bytes(data[:MAX_LEN])
    elif target == "feed":
        for n, path in enumerate(sorted(FIXTURES.glob("feed_*.xml"))):
            (directory / f"seed{n}").write_bytes(path.read_bytes())
    elif target == "jsonl":
        (directory / "seed0").write_bytes((FIXTURES / "wire.jsonl").read_bytes())
    elif target == "since":
        for n, value in enumerate(["7d", "24 hours", "2024-09-01", "2024-09-01T10:00:00+05:30"]):
            (directory / f"seed{n}").write_text(value)
    else:
        (directory / "seed0").write_text("ask\0harbour\0--since\07d")
    return directory


def _adapter(target: str) -> Callable[[bytes], object]:
    """Bytes in, the target run on them: how libFuzzer's inputs reach each component."""
    from tests.reliability import targets

    if target == "extract":
        return lambda data: targets.extract(data[1:], NAMES[data[0] % len(NAMES)] if data else "x")
    if target == "text":
        return lambda data: targets.text_pipeline(data.decode("utf-8", "replace"))
    if target == "since":
        return lambda data: targets.since(data.decode("utf-8", "replace"))
    if target == "feed":
        return targets.feed
    if target == "argv":
        return lambda data: targets.cli_args(data.decode("utf-8", "replace").split("\0"))
    from retrieval.config import settings_from_mapping
    from retrieval.service import NewsService

    directory = Path(tempfile.mkdtemp(prefix="fuzz-jsonl-"))
    service = NewsService.open(
        settings_from_mapping(
            {
                "database": {"url": f"sqlite:///{directory / 'fuzz.db'}"},
                "index": {"snapshot_path": str(directory / "fuzz.index")},
            }
        )
    )
    return lambda data: targets.ingest_jsonl(service, data)


def atheris_worker(target: str, seconds: int, corpus: Path) -> None:
    """Fuzz one target until libFuzzer stops (it exits the process)."""
    import atheris  # type: ignore[import-untyped]  # an optional tool without type hints

    with atheris.instrument_imports(include=["retrieval", "bot"]):
        from tests.reliability import guard

        run = _adapter(target)
        # One-off costs (imports, dateparser compiling its locales' patterns on the first
        # date it meets) are paid before libFuzzer's clock starts.
        for seed_file in sorted(corpus.iterdir()):
            with contextlib.suppress(Exception, SystemExit):
                run(seed_file.read_bytes())

    def one_input(data: bytes) -> None:
        try:
            run(data)
        except (Exception, SystemExit) as error:
            help_asked = isinstance(error, SystemExit) and error.code == 0
            if not (guard.documented(error) or (target == "argv" and help_asked)):
                raise

    flags = [
        f"-max_total_time={seconds}",
        f"-timeout={TIMEOUT_SECONDS}",
        f"-rss_limit_mb={RSS_LIMIT_MB}",
        f"-max_len={MAX_LEN}",
        f"-artifact_prefix={corpus.parent}/{target}-",
    ]
    atheris.Setup([sys.argv[0], *flags, str(corpus)], one_input)
    atheris.Fuzz()


def run_atheris(targets: list[str], seconds: int) -> int:
    crashes = 0
    print(f"atheris, {seconds} s per target:")
    for target in targets:
        corpus = _seeds(target, WORKDIR / f"corpus-{target}")
        result = subprocess.run(
            [sys.executable, __file__, "--atheris-worker", target, "--seconds", str(seconds)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        output = result.stdout + result.stderr
        runs = re.findall(r"Done (\d+) runs in (\d+) second", output) or [
            (n, "") for n in re.findall(r"^#(\d+)\s", output, re.MULTILINE)
        ]
        rss = re.findall(r"rss: (\d+)Mb", output)
        crashed = result.returncode != 0
        crashes += crashed
        inputs = runs[-1][0] if runs else "?"
        peak = max(map(int, rss)) if rss else 0
        size = len(list(corpus.iterdir()))
        verdict = "CRASH" if crashed else "ok"
        print(
            f"  {target:8s} inputs {inputs:>9s}  peak RSS {peak:5d} MB  corpus {size:5d}  {verdict}"
        )
        if crashed:
            print("\n".join(output.splitlines()[-40:]))
        for artifact in sorted(WORKDIR.glob(f"{target}-timeout-*")):
            print(f"    {artifact.name}: {_retime(target, artifact.read_bytes())}")
    return 1 if crashes else 0


def _retime(target: str, data: bytes) -> str:
    """A timeout input re-run uninstrumented, after a warm-up run: its CPU seconds."""
    run = _adapter(target)
    outcome = "returned"
    for _ in range(2):
        start = time.process_time()
        try:
            run(data)
        except (Exception, SystemExit) as error:
            outcome = type(error).__name__
        took = time.process_time() - start
    verdict = "within" if took <= CPU_BUDGET_SECONDS else "OVER"
    return f"{took:.2f} s CPU warm ({outcome}), {verdict} the {CPU_BUDGET_SECONDS:.0f} s budget"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("hypothesis", "atheris"), default="hypothesis")
    parser.add_argument("--scale", type=int, default=50, help="hypothesis: examples x this")
    parser.add_argument("--seconds", type=int, default=120, help="atheris: seconds per target")
    parser.add_argument("--target", choices=ATHERIS_TARGETS, action="append")
    parser.add_argument(
        "--only", choices=FUZZ_FILES, action="append", help="hypothesis: these test files"
    )
    parser.add_argument("--atheris-worker", choices=ATHERIS_TARGETS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.atheris_worker:
        atheris_worker(args.atheris_worker, args.seconds, WORKDIR / f"corpus-{args.atheris_worker}")
        return 0
    if args.engine == "atheris":
        return run_atheris(args.target or list(ATHERIS_TARGETS), args.seconds)
    return run_hypothesis(args.scale, args.only)


if __name__ == "__main__":
    sys.exit(main())
