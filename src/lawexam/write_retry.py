"""Re-running an idempotent write when the database was only momentarily unavailable.

SQLite has one writer: a write that waits longer than the busy timeout fails with "database is
locked" (a long import, a backup being restored, a slow disk). A PostgreSQL or MariaDB restart
drops every pooled connection: pre-ping replaces idle ones, but a request that was using one
fails mid-way. Servers also break deadlocks by failing one side. In each case the work is
undone (rolled back) and running it again is the right answer — for views whose writes are
idempotent by design (the exam API: saves are guarded by a sequence number, start and submit
return the existing attempt). Other views let the error reach the 503 page.
"""
from __future__ import annotations

import functools
import random
import sqlite3
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy.exc import DBAPIError, OperationalError

from lawexam.extensions import db

# Pauses before the 2nd and 3rd runs. Each SQLite run may itself wait the busy timeout
# (15 s), so three runs stay inside gunicorn's 60 s worker timeout.
BACKOFF_S = (0.1, 0.4)

_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_SQLITE_LOCK_MESSAGES = ("database is locked", "database is busy", "database table is locked")
_SERVER_TRANSIENT_SQLSTATES = {"40001", "40P01"}  # PostgreSQL: serialization failure, deadlock
_MYSQL_TRANSIENT_CODES = {1205, 1213}  # lock wait timeout, deadlock

F = TypeVar("F", bound=Callable[..., Any])


def is_transient(error: DBAPIError) -> bool:
    """True when running the same transaction again may well succeed."""
    if error.connection_invalidated:
        return True
    original = error.orig
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
        return str(original).startswith(_SQLITE_LOCK_MESSAGES)
    if getattr(original, "sqlstate", None) in _SERVER_TRANSIENT_SQLSTATES:
        return True
    args = getattr(original, "args", ())
    return bool(args) and args[0] in _MYSQL_TRANSIENT_CODES


# PostgreSQL SQLSTATE classes meaning "cannot write now", not "this request is wrong":
# connection exceptions, read-only transaction (a standby, or read-only for maintenance),
# insufficient resources (disk full), operator intervention (shutting down, restarting).
_UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "25006", "53", "57P")


def is_unavailable(error: DBAPIError) -> bool:
    """True when the database cannot take writes right now (locked, read-only, full, gone):
    the person sees 503 "try again in a moment" rather than a crash."""
    if isinstance(error, OperationalError) or error.connection_invalidated:
        return True
    return str(getattr(error.orig, "sqlstate", None) or "").startswith(_UNAVAILABLE_SQLSTATE_PREFIXES)


def _pause(seconds: float) -> None:
    # Jitter: two requests that met the same lock should not come back in step.
    time.sleep(seconds * random.uniform(0.75, 1.25))


def retry_write(view: F) -> F:
    """Run ``view`` again (after a rollback and a short pause) when the database was busy,
    locked, deadlocked or the connection dropped; after the last try the error goes on to the
    503 handler. Only for views whose writes are idempotent."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(len(BACKOFF_S) + 1):
            try:
                return view(*args, **kwargs)
            except DBAPIError as error:
                if attempt == len(BACKOFF_S) or not is_transient(error):
                    raise
                db.session.rollback()
                current_app.logger.warning("database busy or disconnected, running %s again (%d): %s",
                                           view.__name__, attempt + 1, error.orig)
                _pause(BACKOFF_S[attempt])
        raise AssertionError("unreachable")

    return wrapper  # type: ignore[return-value]
