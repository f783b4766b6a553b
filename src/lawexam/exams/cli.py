"""``lawexam exams …``."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from lawexam.db import utcnow


@click.group("exams")
def exams_group() -> None:
    """Timed exams."""


@exams_group.command("sweep")
@with_appcontext
def sweep_command() -> None:
    """Finish and grade attempts whose time ran out (run every minute from cron or a systemd timer)."""
    from lawexam.exams.attempts import sweep_overdue

    total = 0
    while True:
        finished = sweep_overdue(utcnow())
        total += finished
        if finished < 500:
            break
    click.echo(f"已结束并评分超时的答卷 {total} 份。")
