"""Uploaded files waiting between "preview" and "confirm".

They live in the database, not in process memory or a local folder, so the confirming
request may land on any app process on any host.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import ForeignKey, LargeBinary, String, delete, select
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from lawexam.db import UTCDateTime, utcnow
from lawexam.errors import NotFound
from lawexam.extensions import db
from lawexam.i18n import _

KEEP_FOR = timedelta(hours=24)


class StagedUpload(db.Model):
    __tablename__ = "staged_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(
        LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def stage(kind: str, owner_id: int | None, filename: str, data: bytes) -> StagedUpload:
    db.session.execute(delete(StagedUpload).where(StagedUpload.created_at < utcnow() - KEEP_FOR))
    upload = StagedUpload(token=secrets.token_urlsafe(32), kind=kind, owner_id=owner_id,
                          filename=filename[:255], data=data)
    db.session.add(upload)
    db.session.flush()
    return upload


def fetch(kind: str, owner_id: int | None, token: str) -> StagedUpload:
    upload = db.session.scalar(select(StagedUpload).where(
        StagedUpload.token == token, StagedUpload.kind == kind, StagedUpload.owner_id == owner_id))
    if upload is None:
        raise NotFound(_("The uploaded file has expired or was already imported. Upload it again."))
    return upload


def discard(upload: StagedUpload) -> None:
    db.session.delete(upload)
