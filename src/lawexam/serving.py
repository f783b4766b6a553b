"""Running the app under gunicorn from ``lawexam serve``."""
from __future__ import annotations

import multiprocessing
from typing import Any

from gunicorn.app.base import BaseApplication


class LawExamServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Each worker builds its own app (and database pool) after the fork.
        from lawexam import create_app

        return create_app()


def default_workers() -> int:
    return multiprocessing.cpu_count() * 2 + 1


def gunicorn_options(host: str, port: int, workers: int | None = None) -> dict[str, Any]:
    """The production settings; the load benchmark runs its baseline under the same ones."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers or default_workers(),
        "worker_class": "gthread",
        "threads": 4,
        "timeout": 60,
        "graceful_timeout": 20,
        "accesslog": "-",
        "errorlog": "-",
        "forwarded_allow_ips": "127.0.0.1",
    }


def run_gunicorn(host: str, port: int, workers: int | None = None) -> None:
    LawExamServer(gunicorn_options(host, port, workers)).run()
