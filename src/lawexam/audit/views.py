from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, render_template, request

from lawexam.audit.services import AuditFilter, filtered_query, known_actions
from lawexam.auth.access import manager_required
from lawexam.extensions import db
from lawexam.localtime import local_day_start

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@bp.route("/")
@manager_required
def entry_list() -> str:
    args = request.args
    since, until = _day(args.get("since")), _day(args.get("until"))
    criteria = AuditFilter(
        action=args.get("action", "")[:64], object_type=args.get("object_type", "")[:32],
        actor=args.get("actor", "")[:64],
        since=local_day_start(since) if since else None,
        until=local_day_start(until + timedelta(days=1)) if until else None,
    )
    page = db.paginate(filtered_query(criteria), per_page=50, error_out=False)
    return render_template("audit/list.html", page=page, args=args, actions=known_actions())
