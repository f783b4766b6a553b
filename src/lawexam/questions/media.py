"""Images in question stems: checked by content, stored once under ``instance/media`` by hash."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import current_app

from lawexam.auth.models import User
from lawexam.errors import InvalidInput
from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.questions.models import MediaFile

MAX_IMAGE_BYTES = 2 * 1024 * 1024

# What the first bytes of each allowed format look like; the file name is not trusted.
_SIGNATURES: tuple[tuple[str, str, bytes, int], ...] = (
    ("png", "image/png", b"\x89PNG\r\n\x1a\n", 0),
    ("jpg", "image/jpeg", b"\xff\xd8\xff", 0),
    ("gif", "image/gif", b"GIF87a", 0),
    ("gif", "image/gif", b"GIF89a", 0),
    ("webp", "image/webp", b"WEBP", 8),
)


def sniff_image(data: bytes) -> tuple[str, str] | None:
    for extension, mime, signature, offset in _SIGNATURES:
        if data[offset:offset + len(signature)] == signature:
            if extension == "webp" and not data.startswith(b"RIFF"):
                continue
            return extension, mime
    return None


def media_root() -> Path:
    return Path(current_app.instance_path) / "media"


def media_path(item: MediaFile) -> Path:
    return media_root() / item.sha256[:2] / item.filename


def store_image(data: bytes, actor: User | None) -> MediaFile:
    if not data:
        raise InvalidInput(_("The image file is empty."), field="image")
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidInput(_("An image can be at most 2 MB."), field="image")
    kind = sniff_image(data)
    if kind is None:
        raise InvalidInput(_("Only PNG, JPEG, GIF and WebP images can be used."), field="image")
    extension, mime = kind
    digest = hashlib.sha256(data).hexdigest()
    item = db.session.get(MediaFile, digest)
    if item is None:
        item = MediaFile(sha256=digest, extension=extension, mime_type=mime, size=len(data),
                         uploaded_by=actor.id if actor else None)
        db.session.add(item)
    path = media_path(item)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(data)
        os.replace(temporary, path)  # readers never see a half-written file
    db.session.flush()
    return item


def find_media(filename: str) -> MediaFile | None:
    digest, _dot, extension = filename.partition(".")
    if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
        return None
    item = db.session.get(MediaFile, digest)
    return item if item is not None and item.extension == extension else None


def media_url(item: MediaFile) -> str:
    return f"/media/{item.filename}"
