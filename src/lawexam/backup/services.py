"""Whole-database backup and restore, one file each way.

SQLite uses its online backup API: a consistent copy while the app keeps serving, and back
again page by page into the live file. PostgreSQL uses ``pg_dump --format=custom`` inside an
exported snapshot (the row counts we print are of exactly what was dumped) and ``pg_restore`` in
one transaction. MariaDB/MySQL uses ``mysqldump --single-transaction`` and ``mysql``.

A restore first checks that the file is a LawExam database (it has Alembic's
``alembic_version`` table); a file that is not is refused before anything is touched. A backup
is written beside its target under a temporary name and renamed when complete, so a FILE that
exists is always a whole backup.
"""
from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from lawexam.backup import servers
from lawexam.backup.servers import BackupError

__all__ = ["BackupError", "BackupReport", "backup_database", "check_backup", "restore_database", "backend_of"]

SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class BackupReport:
    """What a backup wrote or a restore loaded: the file, its size, each table's row count."""

    path: Path
    size: int
    row_counts: dict[str, int] = field(default_factory=dict)
    revision: str | None = None

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())


def backend_of(url: str) -> str:
    name = sa.engine.make_url(url).get_backend_name()
    if name in ("sqlite", "postgresql"):
        return name
    if name in ("mysql", "mariadb"):
        return "mysql"
    raise BackupError(f"不支持备份这种数据库：{name}。")


def backup_database(url: str, target: Path, *, force: bool = False) -> BackupReport:
    """Write a consistent copy of the database at ``url`` to ``target``."""
    target = Path(target)
    if target.is_dir():
        raise BackupError(f"{target} 是一个文件夹；请给出备份文件的名字。")
    if target.exists() and not force:
        raise BackupError(f"{target} 已存在；换一个文件名，或加 --force 覆盖它。")
    if not target.parent.is_dir():
        raise BackupError(f"文件夹 {target.parent} 不存在。")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    backend = backend_of(url)
    try:
        if backend == "sqlite":
            counts, revision = _sqlite_backup(_sqlite_path(url), partial)
        elif backend == "postgresql":
            counts, revision = servers.pg_dump(url, partial)
        else:
            counts, revision = servers.mysql_dump(url, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(target, target.stat().st_size, counts, revision)


def check_backup(url: str, source: Path) -> None:
    """BackupError unless ``source`` is a backup this database can be restored from."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"找不到备份文件 {source}。")
    backend = backend_of(url)
    if backend == "sqlite":
        check_sqlite_backup(source)
    elif backend == "postgresql":
        servers.pg_check(url, source)
    else:
        servers.mysql_check(url, source)


def restore_database(url: str, source: Path) -> BackupReport:
    """Replace every row of the database at ``url`` with the backup in ``source``.

    The caller must hold no open transaction on the database (a restore drops and recreates
    tables on the servers, which waits for every lock on them)."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"找不到备份文件 {source}。")
    backend = backend_of(url)
    if backend == "sqlite":
        counts, revision = _sqlite_restore(_sqlite_path(url), source)
    elif backend == "postgresql":
        counts, revision = servers.pg_restore(url, source)
    else:
        counts, revision = servers.mysql_restore(url, source)
    return BackupReport(source, source.stat().st_size, counts, revision)


# ---- SQLite -------------------------------------------------------------------------------

def _sqlite_path(url: str) -> Path:
    database = sa.engine.make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("内存中的 SQLite 数据库无法备份。")
    if database.startswith("file:"):
        database = database[len("file:"):].split("?", 1)[0]
    return Path(database)


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    from lawexam.db import sqlite_busy_timeout_ms

    # Read-only for files we only read: checking a backup must never change it.
    target = f"file:{path}?mode=ro" if read_only else f"file:{path}?mode=rw"
    return sqlite3.connect(target, uri=True, timeout=sqlite_busy_timeout_ms() / 1000)


def _sqlite_tables(connection: sqlite3.Connection) -> list[str]:
    return [name for (name,) in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def _sqlite_summary(connection: sqlite3.Connection) -> tuple[dict[str, int], str | None]:
    tables = _sqlite_tables(connection)
    counts = {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables}
    revision = None
    if "alembic_version" in tables:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    return counts, revision


def _sqlite_backup(database: Path, partial: Path) -> tuple[dict[str, int], str | None]:
    if not database.is_file():
        raise BackupError(f"数据库文件 {database} 不存在。")
    with closing(_connect(database)) as live, closing(sqlite3.connect(partial)) as copy:
        # One step (pages=-1): the copy is of one snapshot, however busy the app is.
        live.backup(copy)
        # A single self-contained file (no -wal beside it) that can be copied anywhere.
        copy.execute("PRAGMA journal_mode=DELETE")
        if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("备份副本未通过完整性检查，未写入备份文件。")
        return _sqlite_summary(copy)


def check_sqlite_backup(source: Path) -> tuple[dict[str, int], str | None]:
    """The backup's row counts and schema revision; BackupError when it is not one of ours."""
    with open(source, "rb") as handle:
        if handle.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise BackupError(f"{source} 不是 SQLite 数据库文件，未恢复任何数据。")
    try:
        with closing(_connect(source, read_only=True)) as backup:
            if backup.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError(f"{source} 已损坏（完整性检查未通过），未恢复任何数据。")
            if "alembic_version" not in _sqlite_tables(backup):
                raise BackupError(f"{source} 是 SQLite 数据库，但不是本系统的备份（没有 alembic_version 表），"
                                  "未恢复任何数据。")
            return _sqlite_summary(backup)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"无法读取 {source}（{error}），未恢复任何数据。") from error


def _sqlite_restore(database: Path, source: Path) -> tuple[dict[str, int], str | None]:
    expected = check_sqlite_backup(source)
    if database.exists() and database.resolve() == source.resolve():
        raise BackupError("备份文件就是当前数据库本身。")
    if not database.parent.is_dir():
        raise BackupError(f"文件夹 {database.parent} 不存在。")
    if not database.exists():
        sqlite3.connect(database).close()
    with closing(_connect(source, read_only=True)) as backup, closing(_connect(database)) as live:
        # Page by page into the live file, as one write transaction: other connections wait
        # for it and then see the restored database whole.
        backup.backup(live)
        live.execute("PRAGMA journal_mode=WAL")
        restored = _sqlite_summary(live)
    if restored != expected:
        raise BackupError("恢复后的数据与备份不一致，请检查磁盘空间后重试。")
    return restored
