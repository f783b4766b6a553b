"""Who sees which people's figures, and the filters a report is narrowed by.

Every report query takes a ``ReportScope`` and adds ``people_conditions`` to its WHERE clause,
so a unit head's pages *and* exports can only ever count, list or export the people of their
own unit and the units under it. Reviewers, training officers and administrators see all.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from sqlalchemy import ColumnElement, false, select

from lawexam.auth.models import Category, OrgUnit, Role, User, UserCategory
from lawexam.errors import InvalidInput, PermissionDenied
from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.people.units import descendant_ids

REPORT_ROLES = (Role.REVIEWER, Role.UNIT_HEAD, Role.OFFICER, Role.ADMIN)
TOWN_WIDE_ROLES = (Role.REVIEWER, Role.OFFICER, Role.ADMIN)


@dataclass(frozen=True)
class ReportScope:
    """``unit_ids`` None: every unit (and people without one); otherwise only these units."""

    unit_ids: frozenset[int] | None
    root_unit_id: int | None = None
    name: str = ""

    @property
    def everything(self) -> bool:
        return self.unit_ids is None

    def allows_unit(self, unit_id: int | None) -> bool:
        return self.unit_ids is None or (unit_id is not None and unit_id in self.unit_ids)


EVERYTHING = ReportScope(unit_ids=None)


def scope_for(user: User) -> ReportScope:
    """The reporting scope of ``user``; PermissionDenied for anyone without a report role."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("You do not have permission to see reports."))
    if user.has_role(*TOWN_WIDE_ROLES):
        return EVERYTHING
    if user.has_role(Role.UNIT_HEAD) and user.unit_id is not None:
        unit = db.session.get(OrgUnit, user.unit_id)
        return ReportScope(unit_ids=frozenset(descendant_ids(user.unit_id)), root_unit_id=user.unit_id,
                           name=unit.name if unit else "")
    raise PermissionDenied(_("You do not have permission to see reports."))


@dataclass(frozen=True)
class ReportFilter:
    """What the person narrowed the report to; every field travels in the URL."""

    unit_id: int | None = None
    category: Category | None = None
    year: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    exam_id: int | None = None

    def args(self, **override: Any) -> dict[str, Any]:
        """Query arguments that reproduce this filter (for links and export URLs)."""
        values: dict[str, Any] = {}
        if self.unit_id:
            values["unit"] = self.unit_id
        if self.category:
            values["category"] = self.category.value
        if self.year:
            values["year"] = self.year
        if self.date_from:
            values["from"] = self.date_from.isoformat()
        if self.date_to:
            values["to"] = self.date_to.isoformat()
        if self.exam_id:
            values["exam"] = self.exam_id
        for key, value in override.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = value
        return values

    @property
    def people_narrowed(self) -> bool:
        return bool(self.unit_id or self.category)


def _int(args: Mapping[str, str], name: str) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput(_("The filter %(name)s is not a number.", name=name), field=name)
    return int(raw)


def _date(args: Mapping[str, str], name: str) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(_("The date %(value)s is not a date like 2025-03-01.", value=raw[:20]),
                           field=name) from None


def parse_filter(args: Mapping[str, str]) -> ReportFilter:
    """Read the filter from query arguments; InvalidInput for anything malformed."""
    category = None
    if args.get("category"):
        try:
            category = Category(args["category"])
        except ValueError:
            raise InvalidInput(_("There is no such category."), field="category") from None
    year = _int(args, "year")
    if year is not None and not 2000 <= year <= 2100:
        raise InvalidInput(_("Choose a year between 2000 and 2100."), field="year")
    date_from, date_to = _date(args, "from"), _date(args, "to")
    if date_from and date_to and date_to < date_from:
        raise InvalidInput(_("The period ends before it begins."), field="to")
    return ReportFilter(unit_id=_int(args, "unit"), category=category, year=year,
                        date_from=date_from, date_to=date_to, exam_id=_int(args, "exam"))


def check_filter(scope: ReportScope, criteria: ReportFilter) -> None:
    """A unit head may narrow to their own units only; anything else is refused (403)."""
    if criteria.unit_id is None:
        return
    if db.session.get(OrgUnit, criteria.unit_id) is None:
        raise InvalidInput(_("There is no such unit."), field="unit")
    if not scope.allows_unit(criteria.unit_id):
        raise PermissionDenied(_("This unit is outside the units you may see reports for."))


def unit_ids_in(scope: ReportScope, criteria: ReportFilter) -> frozenset[int] | None:
    """The units whose people count: the scope, narrowed to the filtered unit's subtree."""
    check_filter(scope, criteria)
    if criteria.unit_id is None:
        return scope.unit_ids
    narrowed = frozenset(descendant_ids(criteria.unit_id))
    return narrowed if scope.unit_ids is None else narrowed & scope.unit_ids


def people_conditions(scope: ReportScope, criteria: ReportFilter, user_id: Any = None,
                      unit_id: Any = None) -> list[ColumnElement[bool]]:
    """WHERE conditions restricting people (by ``users.id`` / ``users.unit_id`` columns, or the
    given equivalents) to the scope and the filter."""
    user_id = User.id if user_id is None else user_id
    unit_id = User.unit_id if unit_id is None else unit_id
    conditions: list[ColumnElement[bool]] = []
    units = unit_ids_in(scope, criteria)
    if units is not None:
        conditions.append(unit_id.in_(sorted(units)) if units else false())
    if criteria.category is not None:
        conditions.append(user_id.in_(select(UserCategory.user_id).where(UserCategory.category == criteria.category)))
    return conditions
