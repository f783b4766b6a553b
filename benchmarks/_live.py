"""Processes the load benchmark starts: the app under gunicorn and throw-away databases.

Everything binds to 127.0.0.1 and every process started here is stopped by ``stop()``.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server process in its own process group, ready once ``health`` answers."""

    def __init__(self, args: list[str], env: dict[str, str], port: int, health: str) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = Path(env["LAWEXAM_INSTANCE_PATH"]) / f"server-{port}.log"
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(args, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + health, timeout=2):
                    return
            except OSError as error:
                if getattr(error, "code", None):  # an HTTP error status: the server is up
                    return
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"server did not start; see {self.log_path}:\n" + self.log_path.read_text()[-2000:])

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


def gunicorn_app(env: dict[str, str], workers: int) -> Server:
    """The app exactly as ``lawexam serve`` runs it in production."""
    port = free_port()
    return Server([str(BIN / "lawexam"), "serve", "--host", "127.0.0.1", "--port", str(port),
                   "--workers", str(workers)], env, port, "/healthz")


def gunicorn_baseline(env: dict[str, str], workers: int) -> Server:
    """The bare upsert under the same gunicorn settings as ``lawexam serve``."""
    from lawexam.serving import gunicorn_options

    port = free_port()
    options = gunicorn_options("127.0.0.1", port, workers)
    args = [str(BIN / "gunicorn"), "-b", options["bind"], "-w", str(options["workers"]),
            "-k", options["worker_class"], "--threads", str(options["threads"]),
            "--timeout", str(options["timeout"]), "--access-logfile", options["accesslog"],
            "benchmarks.baseline_app:app"]
    return Server(args, env, port, "/healthz")


class ThrowAwayDatabase:
    """A fresh SQLite file or PostgreSQL database, removed by ``drop()``."""

    def __init__(self, backend: str, workdir: Path, pg_admin: str) -> None:
        self.backend = backend
        self._admin = None
        if backend == "sqlite":
            self.url = f"sqlite:///{workdir / 'load.db'}"
            return
        self._admin = sa.create_engine(pg_admin, isolation_level="AUTOCOMMIT")
        self.name = f"lawexam_load_{uuid.uuid4().hex[:8]}"
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        self.url = sa.engine.make_url(pg_admin).set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        if self._admin is None:
            return
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin.dispose()
