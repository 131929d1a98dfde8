"""The ingest progress bar: what it shows, and that it stays silent until it should speak."""

from __future__ import annotations

import io
from pathlib import Path

from retrieval.cli.progress import DELAY_S, ProgressBar
from retrieval.ingest.bulk import walk_files


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_bar_shows_share_rate_and_time_left_after_the_delay() -> None:
    clock = _Clock()
    out = io.StringIO()
    bar = ProgressBar(out, enabled=True, total_bytes=1000, clock=clock)
    bar.read(100)
    bar.record()
    assert out.getvalue() == ""  # within the delay: nothing drawn
    clock.now += DELAY_S + 9.5
    for _ in range(99):
        bar.record()
    bar.read(150)
    clock.now += 1.0  # 11 s for 250 of 1,000 bytes: 33 s left
    bar.read(25)
    line = out.getvalue().rsplit("\r", 1)[-1]
    assert line.startswith("[#######.................]  28%  100 records  9/s  ETA 0:00:29")
    bar.clear()
    assert out.getvalue().endswith("\r")
    bar.close()
    assert out.getvalue().endswith("ETA 0:00:29\n")


def test_disabled_bar_writes_nothing() -> None:
    clock = _Clock()
    out = io.StringIO()
    bar = ProgressBar(out, enabled=False, total_bytes=10, clock=clock)
    clock.now += 60
    bar.read(5)
    bar.record()
    bar.clear()
    bar.close()
    assert out.getvalue() == ""


def test_walk_order_is_the_sorted_order_of_every_path(tmp_path: Path) -> None:
    for name in ["b/z.txt", "b/a/y.txt", "a.txt", "a-b/c.txt", "b.txt", ".hidden", "c/.h/d.txt"]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    expected = sorted(p for p in tmp_path.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert list(walk_files(tmp_path)) == expected
    assert tmp_path / "c" / ".h" / "d.txt" in expected
