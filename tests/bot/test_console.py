"""The console script's process-wide set-up."""

from __future__ import annotations

import pytest

from bot import console


def _run_help() -> None:
    with pytest.raises(SystemExit):
        console.main(["--help"])


def test_one_blas_thread_per_process_unless_the_user_says(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(console.BLAS_THREADS_VARIABLE, raising=False)
    _run_help()
    assert console.os.environ[console.BLAS_THREADS_VARIABLE] == "1"

    monkeypatch.setenv(console.BLAS_THREADS_VARIABLE, "4")
    _run_help()
    assert console.os.environ[console.BLAS_THREADS_VARIABLE] == "4"
    capsys.readouterr()
