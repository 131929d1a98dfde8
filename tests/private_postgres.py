"""A throwaway PostgreSQL server of the test's own, for tests that stop and start it.

Never the machine's shared server: a fresh cluster (``initdb``) in a temporary
directory, listening on a free port of 127.0.0.1 and a socket in that directory. The
server binaries refuse to run as root, so as root they run as the ``postgres`` user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Seconds allowed for initdb, and for the server to start or stop.
INITDB_TIMEOUT = 120
PG_CTL_TIMEOUT = 60
SERVER_USER = "postgres"


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def unavailable_reason() -> str | None:
    """Why a private server cannot be started here, or None when it can."""
    if _bin_dir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and there is no {SERVER_USER!r} user to run the server"
        if shutil.which("runuser") is None:
            return "running as root without runuser to drop privileges"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivatePostgres:
    """One private cluster: ``start``, ``stop``, ``url``; removed by ``private_postgres``."""

    def __init__(self, directory: Path) -> None:
        bin_dir = _bin_dir()
        assert bin_dir is not None
        self.bin_dir = bin_dir
        self.directory = directory
        self.data = directory / "data"
        self.port = _free_port()

    def _run(self, *command: str, timeout: int) -> None:
        prefix = ["runuser", "-u", SERVER_USER, "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=timeout)

    def initdb(self) -> None:
        self._run(
            str(self.bin_dir / "initdb"),
            "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync",
            timeout=INITDB_TIMEOUT,
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D", str(self.data), "-o", options, "-l", str(self.directory / "server.log"),
            "-w", "start",
            timeout=PG_CTL_TIMEOUT,
        )  # fmt: skip

    def stop(self) -> None:
        """Fast shutdown: open connections are cut, as in a real restart."""
        self._run(
            str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop",
            timeout=PG_CTL_TIMEOUT,
        )  # fmt: skip

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A started private server, stopped and deleted afterwards."""
    # Not under pytest's tmp_path: the server user must be able to enter the directory.
    directory = Path(tempfile.mkdtemp(prefix="newsbot-pg-"))
    try:
        if os.geteuid() == 0:
            record = pwd.getpwnam(SERVER_USER)
            os.chown(directory, record.pw_uid, record.pw_gid)
        server = PrivatePostgres(directory)
        server.initdb()
        server.start()
        try:
            yield server
        finally:
            if server.running():
                server.stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
