"""Storage failures as domain errors that name the problem and the fix.

A user meets these by pointing newsbot at the wrong place (an unknown URL scheme, a
driver that is not installed, a folder they may not write) or by running out of disk.
Each becomes one sentence saying what failed, where, and what to change, with an exit
status by class (``retrieval.errors``): a configuration to fix, storage that refuses,
or a server to wait for.
"""

from __future__ import annotations

import errno
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from retrieval.errors import DatabaseUrlError, StorageRefused, StorageUnavailable

# Where a user changes the database's location, named in every message about it.
DATABASE_SETTING = "[database] url in the config, or $NEWSBOT_DATABASE_URL"
SNAPSHOT_SETTING = "[index] snapshot_path in the config"
# Installing a missing driver, by the module SQLAlchemy failed to import: the project's
# extra for the tested database; for others the package's name (often not the module's).
DRIVER_INSTALL = {
    "psycopg": "pip install -e '.[postgres]' (or pip install 'psycopg[binary]')",
    "psycopg2": "pip install -e '.[postgres]' and use a postgresql+psycopg:// URL",
    "MySQLdb": "pip install mysqlclient",
    "pymysql": "pip install PyMySQL",
}
# SQLite primary result codes (sqlite3.h), read from ``sqlite_errorcode``: the message
# text is not stable across SQLite versions, the codes are.
SQLITE_PERM = 3
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
# PostgreSQL SQLSTATEs: class 53 is "insufficient resources" (53100 disk full),
# 42501 insufficient privilege, class 28 a rejected login.
PG_DISK_FULL = "53100"
PG_RESOURCES_CLASS = "53"
PG_PRIVILEGE = "42501"
PG_AUTH_CLASS = "28"
# errno values meaning "storage refuses" rather than "this input is wrong".
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
DENIED_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


def shown_url(url: str) -> str:
    """The URL fit for a message: the password hidden, when the URL parses at all."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def url_error(url: str, exc: Exception) -> DatabaseUrlError:
    """Why SQLAlchemy cannot even build an engine for ``url``."""
    shown = shown_url(url)
    if isinstance(exc, ImportError):
        module = (exc.name or str(exc)).split(".")[0]
        install = DRIVER_INSTALL.get(
            module, f"install the package that provides {module!r} in this environment"
        )
        return DatabaseUrlError(
            f"the database driver for {shown} is not installed (no module {module!r}): {install}"
        )
    if isinstance(exc, ArgumentError) and "parse" in str(exc):
        return DatabaseUrlError(
            f"{shown!r} is not a database URL: use sqlite:///PATH or "
            f"postgresql+psycopg://USER@HOST/DB ({DATABASE_SETTING})"
        )
    scheme = shown.partition("://")[0] or shown
    return DatabaseUrlError(
        f"no database type {scheme!r} (in {shown}): use sqlite:///PATH or "
        f"postgresql+psycopg://USER@HOST/DB ({DATABASE_SETTING})"
    )


def database_error(exc: DBAPIError, location: str) -> StorageUnavailable:
    """A driver's operational error on the database at ``location``, classified."""
    orig = exc.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        primary = code & 0xFF
        if primary == SQLITE_FULL:
            return _full(f"the database {location}", DATABASE_SETTING, location)
        if primary in (SQLITE_PERM, SQLITE_READONLY):
            return StorageRefused(
                f"the database {location} is read-only for this user: give this user write "
                f"permission on it and its folder, or set another location ({DATABASE_SETTING})",
                path=location,
            )
        if primary == SQLITE_CANTOPEN:
            return StorageRefused(
                f"cannot open the database {location}: its folder is missing or this user "
                f"may not read and write there; fix the permissions or set another "
                f"location ({DATABASE_SETTING})",
                path=location,
            )
        if primary == SQLITE_IOERR:
            return StorageRefused(
                f"the disk failed reading or writing the database {location} ({orig}): "
                "check the disk, or restore from a backup",
                path=location,
            )
    state = str(getattr(orig, "sqlstate", None) or "")
    if state == PG_DISK_FULL or state.startswith(PG_RESOURCES_CLASS):
        return _full(f"the database server at {location}", "its data directory", location)
    if state == PG_PRIVILEGE:
        return StorageRefused(
            f"the database user may not use {location} ({_first_line(orig)}): grant it "
            f"the privileges, or connect as another user ({DATABASE_SETTING})",
            path=location,
        )
    if state.startswith(PG_AUTH_CLASS):
        return StorageRefused(
            f"the database server at {location} refused the login ({_first_line(orig)}): "
            f"fix the user or password in {DATABASE_SETTING}",
            path=location,
        )
    return StorageUnavailable(
        f"cannot reach the database {location} ({_first_line(orig)}); "
        f"try again in a moment, or check {DATABASE_SETTING}"
    )


def file_error(exc: OSError, what: str, setting: str) -> StorageRefused | None:
    """An OS error writing ``what`` (the index snapshot, the data folder), classified;
    ``None`` when it is not a storage refusal."""
    where = f"{what} {exc.filename}" if exc.filename else what
    if exc.errno in FULL_ERRNOS:
        return _full(where, setting, str(exc.filename or ""))
    if exc.errno in DENIED_ERRNOS:
        return StorageRefused(
            f"{exc.strerror.lower() if exc.strerror else 'permission denied'} on {where}: "
            f"give this user write permission there, or choose another place ({setting})",
            path=str(exc.filename or ""),
        )
    return None


def _full(where: str, setting: str, path: str) -> StorageRefused:
    return StorageRefused(
        f"no space left for {where}: free some disk space, or move it ({setting})", path=path
    )


def _first_line(orig: BaseException | None) -> str:
    text = str(orig or "unknown error").strip()
    return text.splitlines()[0] if text else "unknown error"


def location_of(url: str) -> str:
    """How a message names the database: its file for SQLite, else its URL."""
    shown = shown_url(url)
    prefix = "sqlite:///"
    if shown.startswith(prefix) and shown != f"{prefix}:memory:":
        return str(Path(shown[len(prefix) :].partition("?")[0].removeprefix("file:")))
    return shown
