"""Many rows in one statement, handed to the database driver's ``executemany`` directly.

SQLAlchemy's executemany builds and type-processes a parameter set per row in Python,
about 10 µs a row; the driver binds plain ints and strings in C. Bulk ingest writes
some twenty story-band rows and a few passages per article, so for those statements
that per-row work cost more than the inserts themselves. Only for values that need no
type processing (ints, strings, bytes): the statement is compiled for the session's
database once per call and its parameters are passed as that driver expects them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Insert, Update
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler


def execute_rows(
    session: Session, statement: Insert | Update, rows: Sequence[Mapping[str, Any]]
) -> None:
    """``session.execute(statement, rows)`` for bind parameters named by the rows' keys,
    in the session's transaction; nothing runs for no rows."""
    if not rows:
        return
    connection = session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    assert isinstance(compiled, SQLCompiler)
    order = compiled.positiontup
    if compiled.positional and order is not None:
        connection.exec_driver_sql(compiled.string, [tuple(row[n] for n in order) for row in rows])
    else:
        connection.exec_driver_sql(compiled.string, [dict(row) for row in rows])
