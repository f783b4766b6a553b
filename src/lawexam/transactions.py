"""Taking the write lock up front on SQLite, for code that reads a row and then writes it.

SQLite has no row locks. A transaction that starts as a reader and later writes fails with
"database is locked" when another writer got in between; beginning it as a writer
(BEGIN IMMEDIATE) makes it wait its turn instead. PostgreSQL and MariaDB use row locks
(``SELECT … FOR UPDATE``) and need nothing here.
"""
from __future__ import annotations

from lawexam.extensions import db


def begin_immediate_on_sqlite() -> None:
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
