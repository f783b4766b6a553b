"""Domain errors: services raise them, views turn them into form errors or HTTP answers."""
from __future__ import annotations


class DomainError(Exception):
    """A rule was broken; ``message`` is ready to show to the person."""

    http_status = 409

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    http_status = 404


class PermissionDenied(DomainError):
    http_status = 403


class InvalidInput(DomainError):
    http_status = 422
