"""Turning a service's domain error into an error on the right form field."""
from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from lawexam.errors import DomainError


def apply_domain_error(form: FlaskForm, error: DomainError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.append(error.message)
    else:
        flash(error.message, "error")
