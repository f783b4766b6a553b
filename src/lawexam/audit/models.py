"""The audit log: who did what to which object, from where, when."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lawexam.auth.models import User
from lawexam.db import UTCDateTime, utcnow
from lawexam.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    # Kept as written so the entry still reads right after the person is renamed.
    actor_name: Mapped[str] = mapped_column(String(96), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(32), default="", index=True)
    object_id: Mapped[Optional[str]] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(255), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    client_address: Mapped[str] = mapped_column(String(64), default="")

    actor: Mapped[Optional[User]] = relationship()
