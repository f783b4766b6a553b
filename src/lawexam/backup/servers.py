"""Backups of server databases through their own tools (found on PATH): ``pg_dump`` /
``pg_restore`` for PostgreSQL, ``mysqldump`` / ``mysql`` for MariaDB and MySQL.

Passwords go to the tools through the environment (PGPASSWORD, MYSQL_PWD), never on the
command line where ``ps`` would show them.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from lawexam.errors import DomainError

_PACKAGES = {"pg_dump": "postgresql-client", "pg_restore": "postgresql-client",
             "mysqldump": "mariadb-client", "mysql": "mariadb-client"}
_ALTERNATIVES = {"mysqldump": ("mysqldump", "mariadb-dump"), "mysql": ("mysql", "mariadb")}


class BackupError(DomainError):
    """The backup or restore did not happen; ``message`` says why."""


def _tool(name: str) -> str:
    for candidate in _ALTERNATIVES.get(name, (name,)):
        found = shutil.which(candidate)
        if found:
            return found
    package = _PACKAGES[name]
    raise BackupError(f"找不到 {name} 命令；请安装 Debian 软件包 {package}（apt-get install {package}）。")


def _run(args: list[str], env: dict[str, str], *, stdin_path: Path | None = None) -> str:
    program = _tool(args[0])
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        done = subprocess.run([program, *args[1:]], env=env, stdin=stdin, capture_output=True)
    finally:
        if stdin_path:
            stdin.close()  # type: ignore[union-attr]
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BackupError(f"{args[0]} 失败：{lines[-1] if lines else f'退出码 {done.returncode}'}")
    return done.stdout.decode("utf-8", "replace")


def _engine(url: str) -> sa.Engine:
    parsed = sa.engine.make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.drivername in ("mysql", "mariadb"):
        parsed = parsed.set(drivername="mysql+pymysql")
    return sa.create_engine(parsed, poolclass=NullPool)


def summary(connection: sa.Connection) -> tuple[dict[str, int], str | None]:
    """Row counts of every table, and the schema revision."""
    tables = sorted(sa.inspect(connection).get_table_names())
    counts = {name: connection.scalar(sa.select(sa.func.count()).select_from(sa.table(name))) or 0
              for name in tables}
    revision = None
    if "alembic_version" in tables:
        revision = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    return counts, revision


def _summary_of(url: str) -> tuple[dict[str, int], str | None]:
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            return summary(connection)
    finally:
        engine.dispose()


# ---- PostgreSQL ---------------------------------------------------------------------------

def _pg_env(url: str) -> dict[str, str]:
    parsed = sa.engine.make_url(url)
    env = dict(os.environ)
    host = parsed.host or parsed.query.get("host")
    for key, value in (("PGHOST", host), ("PGPORT", parsed.port), ("PGUSER", parsed.username),
                       ("PGPASSWORD", parsed.password), ("PGDATABASE", parsed.database)):
        if value:
            env[key] = str(value)
    return env


def pg_dump(url: str, partial: Path) -> tuple[dict[str, int], str | None]:
    env = _pg_env(url)
    _tool("pg_dump")
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                # pg_dump reads the snapshot this transaction holds: the counts printed are
                # of exactly what went into the file.
                snapshot = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
                counts, revision = summary(connection)
                _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={partial}"], env)
    finally:
        engine.dispose()
    return counts, revision


def pg_check(url: str, source: Path) -> None:
    """BackupError unless ``source`` is a pg_dump archive of a LawExam database."""
    env = _pg_env(url)
    _tool("pg_restore")
    try:
        listing = _run(["pg_restore", "--list", str(source)], env)
    except BackupError as error:
        raise BackupError(f"{source} 不是 pg_dump（--format=custom）备份文件，未恢复任何数据。") from error
    if "alembic_version" not in listing:
        raise BackupError(f"{source} 不是本系统的备份（没有 alembic_version 表），未恢复任何数据。")


def pg_restore(url: str, source: Path) -> tuple[dict[str, int], str | None]:
    pg_check(url, source)
    env = _pg_env(url)
    # One transaction: a restore that fails half-way leaves the database as it was.
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
          f"--dbname={env['PGDATABASE']}", str(source)], env)
    return _summary_of(url)


# ---- MariaDB / MySQL ----------------------------------------------------------------------

def _mysql_args(url: str) -> tuple[list[str], dict[str, str], str]:
    parsed = sa.engine.make_url(url)
    if not parsed.database:
        raise BackupError("数据库地址里没有数据库名。")
    args = [f"--host={parsed.host or 'localhost'}", "--default-character-set=utf8mb4"]
    if parsed.port:
        args.append(f"--port={parsed.port}")
    if parsed.username:
        args.append(f"--user={parsed.username}")
    env = dict(os.environ)
    if parsed.password:
        env["MYSQL_PWD"] = str(parsed.password)
    return args, env, parsed.database


def mysql_dump(url: str, partial: Path) -> tuple[dict[str, int], str | None]:
    args, env, database = _mysql_args(url)
    _run(["mysqldump", *args, "--single-transaction", "--routines", "--triggers", "--hex-blob",
          f"--result-file={partial}", database], env)
    return _summary_of(url)


def _is_our_mysql_dump(source: Path) -> bool:
    with open(source, "rb") as handle:
        head = handle.read(4096)
        if b"dump" not in head.lower():
            return False
        handle.seek(0)
        return any(b"CREATE TABLE `alembic_version`" in line for line in handle)


def mysql_check(url: str, source: Path) -> None:
    _mysql_args(url)
    _tool("mysql")
    if not _is_our_mysql_dump(source):
        raise BackupError(f"{source} 不是本系统的 mysqldump 备份（没有 alembic_version 表），未恢复任何数据。")


def mysql_restore(url: str, source: Path) -> tuple[dict[str, int], str | None]:
    mysql_check(url, source)
    args, env, database = _mysql_args(url)
    # Not one transaction: MariaDB commits each DROP/CREATE TABLE by itself.
    _run(["mysql", *args, database], env, stdin_path=source)
    return _summary_of(url)
