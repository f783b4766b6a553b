"""LawExam — 无纸化学法用法及考试平台."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from lawexam.config import DEFAULT_INSTANCE, PROJECT_ROOT, build_config

__version__ = "0.1.0"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    instance_path = Path((config or {}).get("INSTANCE_PATH")
                         or os.environ.get("LAWEXAM_INSTANCE_PATH") or DEFAULT_INSTANCE)
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    instance_path.mkdir(parents=True, exist_ok=True)
    app.config.update(build_config(instance_path, config))

    from lawexam.web import init_web

    init_web(app)
    return app
