"""The one place every feature writes its audit entries through."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import Select, func, select

from lawexam.audit.models import AuditEntry
from lawexam.auth.models import User
from lawexam.extensions import db


def _current_actor() -> User | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user._get_current_object()  # type: ignore[attr-defined]
    return None


def record(
    action: str,
    *,
    object_type: str = "",
    object_id: object = None,
    summary: str = "",
    details: dict[str, Any] | None = None,
    actor: User | None = None,
) -> AuditEntry:
    """Add an audit entry to the current transaction; it commits with the change it describes."""
    actor = actor or _current_actor()
    if actor is not None:
        actor_name = f"{actor.real_name}（{actor.account}）"
    else:
        actor_name = "CLI" if not has_request_context() else ""
    entry = AuditEntry(
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        summary=summary[:255],
        details=details or {},
        actor_id=actor.id if actor is not None else None,
        actor_name=actor_name,
        client_address=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    object_type: str = ""
    actor: str = ""
    since: datetime | None = None
    until: datetime | None = None


def filtered_query(criteria: AuditFilter) -> Select[tuple[AuditEntry]]:
    query = select(AuditEntry)
    if criteria.action:
        query = query.where(AuditEntry.action == criteria.action)
    if criteria.object_type:
        query = query.where(AuditEntry.object_type == criteria.object_type)
    if criteria.actor:
        query = query.where(AuditEntry.actor_name.contains(criteria.actor, autoescape=True))
    if criteria.since:
        query = query.where(AuditEntry.at >= criteria.since)
    if criteria.until:
        query = query.where(AuditEntry.at < criteria.until)
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def known_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).group_by(AuditEntry.action)
                                   .order_by(func.min(AuditEntry.action))))
