"""The /trend chart."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from bot.chart import render_trend_png
from retrieval.results import Trend, TrendDay

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _trend(days: int) -> Trend:
    start = date(2024, 1, 1)
    return Trend(
        "seoul",
        tuple(TrendDay((start + timedelta(d)).isoformat(), (d * 7) % 5) for d in range(days)),
    )


def test_charts_render_as_png_for_every_window() -> None:
    for days in (1, 7, 365):
        png = render_trend_png(_trend(days))
        assert png.startswith(PNG_SIGNATURE)
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert (width, height) == (1000, 450)


def test_charts_render_concurrently_in_worker_threads() -> None:
    with ThreadPoolExecutor(4) as pool:
        pngs = list(pool.map(render_trend_png, [_trend(30)] * 8))
    assert all(p.startswith(PNG_SIGNATURE) for p in pngs)
    assert len(set(pngs)) == 1
