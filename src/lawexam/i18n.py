"""Translation markers usable from any layer.

Services, importers and validators produce messages for people, but must also run in unit
tests without an application. ``_`` translates through Flask-Babel when an application is
active (requests and CLI commands) and falls back to the English source text otherwise.
"""
from __future__ import annotations

from flask import has_app_context
from flask_babel import gettext as _babel_gettext
from flask_babel import lazy_gettext, ngettext as _babel_ngettext


def gettext(message: str, **variables: object) -> str:
    if has_app_context():
        return _babel_gettext(message, **variables)
    return message % variables if variables else message


def ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    if has_app_context():
        return _babel_ngettext(singular, plural, num, **variables)
    variables.setdefault("num", num)
    return (singular if num == 1 else plural) % variables


_ = gettext

__all__ = ["_", "gettext", "ngettext", "lazy_gettext"]
