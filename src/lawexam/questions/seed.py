"""The reviewed seed bank in ``question_bank/`` that every new installation starts with."""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from lawexam.config import PROJECT_ROOT
from lawexam.questions.importing import ImportOutcome, apply_import, plan_import


def seed_bank_path() -> Path:
    return Path(current_app.config.get("LAWEXAM_SEED_BANK") or PROJECT_ROOT / "question_bank")


def seed_files() -> list[Path]:
    return sorted(seed_bank_path().glob("*/questions.yaml"))


def load_seed_bank() -> ImportOutcome:
    """Import every module of the seed bank; questions already in the bank are skipped."""
    files = [(str(path.relative_to(seed_bank_path().parent)), path.read_bytes()) for path in seed_files()]
    plan = plan_import(files)
    if plan.errors:
        first = plan.errors[0]
        raise RuntimeError(f"seed bank problem: {first.file} {first.location}: {first.message}")
    if not plan.items:
        return ImportOutcome(created=0, updated=0, duplicates=plan.counts["duplicate"], invalid=0, unsupported=0)
    return apply_import(plan, skip_invalid=False, actor=None)
