"""How the command line ends when something fails: one line, and an exit status by class.

Every failure becomes ``newsbot: <problem and fix>`` on stderr; the traceback is printed
only with ``-v``, for whoever debugs. Domain errors carry their own status
(``NewsbotError.exit_code``); the few library errors that can still escape a command
(a file the OS refuses, a database error no unit of work wrapped) are classified here,
and anything else is a bug, reported as one.
"""

from __future__ import annotations

import sys
import traceback

from retrieval.errors import EXIT_BUG, NewsbotError, StorageRefused

# Where a file that is neither the database nor the snapshot lives: the fix is the path.
OTHER_FILE = "the path given"


def as_domain_error(exc: BaseException) -> NewsbotError | None:
    """The domain error ``exc`` stands for, or ``None`` for a bug."""
    if isinstance(exc, NewsbotError):
        return exc
    # SQLAlchemy is loaded only by the commands that use the database: when it is not
    # loaded, no database error can have been raised.
    database = sys.modules.get("sqlalchemy.exc")
    if database is not None and isinstance(exc, database.OperationalError):
        from retrieval.store.failures import database_error  # noqa: PLC0415

        return database_error(exc, "in use")
    if isinstance(exc, OSError):
        from retrieval.store.failures import file_error  # noqa: PLC0415

        refused: StorageRefused | None = file_error(exc, "the file", OTHER_FILE)
        if refused is not None:
            return refused
        what = f": {exc.filename}" if exc.filename else ""
        return NewsbotError(f"{exc.strerror or exc}{what}")
    return None


def report_failure(exc: BaseException, *, verbose: bool) -> int:
    """Print the one line for ``exc`` (after its traceback, with ``-v``); its exit status."""
    if verbose:
        traceback.print_exception(exc, file=sys.stderr)
    error = as_domain_error(exc)
    if error is None:
        name = type(exc).__name__
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        hint = "" if verbose else "; run again with -v to see where"
        sys.stderr.write(
            f"newsbot: unexpected error ({name}{': ' if detail else ''}{detail}); "
            f"this is a bug, please report it{hint}\n"
        )
        return EXIT_BUG
    sys.stderr.write(f"newsbot: {error.reason}\n")
    return error.exit_code
