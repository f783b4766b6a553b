"""Times are stored in UTC and shown in the town's zone (Asia/Shanghai by default)."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Shanghai"


def local_zone() -> ZoneInfo:
    name = current_app.config.get("LAWEXAM_TIMEZONE", DEFAULT_ZONE) if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)


def to_local(value: datetime) -> datetime:
    return value.astimezone(local_zone())


def format_local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if value is None else to_local(value).strftime(fmt)


def format_local_date(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return value.isoformat()


def local_day_start(day: date) -> datetime:
    """The UTC instant at which a local calendar day begins."""
    return datetime.combine(day, time.min, tzinfo=local_zone()).astimezone(timezone.utc)
