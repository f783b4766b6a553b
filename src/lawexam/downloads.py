"""Sending generated files (exports, templates) with names that survive every browser."""
from __future__ import annotations

import io
import mimetypes

from flask import send_file
from werkzeug.wrappers import Response

_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv; charset=utf-8",
    ".xml": "application/xml",
    ".yaml": "application/yaml",
    ".txt": "text/plain; charset=utf-8",
}


def send_bytes(data: bytes, filename: str) -> Response:
    suffix = "." + filename.rsplit(".", 1)[-1].lower()
    mimetype = _TYPES.get(suffix) or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=filename, max_age=0)
