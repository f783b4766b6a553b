"""Shared set-up for the benchmarks: a throw-away app on SQLite or PostgreSQL."""
from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from flask import Flask

from lawexam import create_app
from lawexam.extensions import db

PG_ADMIN = os.environ.get("LAWEXAM_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def postgres_answers(url: str = PG_ADMIN) -> bool:
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return True
    except Exception:  # no server: the benchmark reports SQLite only
        return False
    finally:
        engine.dispose()


@contextmanager
def benchmark_app(backend: str) -> Iterator[Flask]:
    """A migrated empty database on ``backend`` ("sqlite" or "postgresql"), dropped afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="lawexam-bench-"))
    admin = None
    name = f"lawexam_bench_{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
    else:
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(workdir),
                      "WTF_CSRF_ENABLED": False, "LAWEXAM_FAST_PASSWORD_HASH": True})
    try:
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
