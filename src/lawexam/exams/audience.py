"""Who may sit an exam: people matching any audience row (a unit includes everything under it)."""
from __future__ import annotations

from sqlalchemy import Select, or_, select

from lawexam.auth.models import User, UserCategory, UserRole
from lawexam.exams.models import AudienceKind, Exam
from lawexam.people.units import descendant_ids


def _values(exam: Exam, kind: AudienceKind) -> list[str]:
    return [row.value for row in exam.audience if row.kind == kind]


def enrolled_query(exam: Exam) -> Select[tuple[User]]:
    units: set[int] = set()
    for value in _values(exam, AudienceKind.UNIT):
        units |= descendant_ids(int(value))
    categories = _values(exam, AudienceKind.CATEGORY)
    roles = _values(exam, AudienceKind.ROLE)
    people = [int(v) for v in _values(exam, AudienceKind.PERSON)]
    conditions = []
    if units:
        conditions.append(User.unit_id.in_(units))
    if categories:
        conditions.append(User.id.in_(select(UserCategory.user_id).where(UserCategory.category.in_(categories))))
    if roles:
        conditions.append(User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(roles))))
    if people:
        conditions.append(User.id.in_(people))
    query = select(User).where(User.active.is_(True))
    if not conditions:
        return query.where(False)  # an exam with no audience has nobody enrolled
    return query.where(or_(*conditions)).order_by(User.unit_id, User.real_name)


def is_enrolled(exam: Exam, user: User) -> bool:
    if not user.active:
        return False
    if str(user.id) in _values(exam, AudienceKind.PERSON):
        return True
    audience_units = set(_values(exam, AudienceKind.UNIT))
    unit = user.unit if audience_units else None
    while unit is not None:
        if str(unit.id) in audience_units:
            return True
        unit = unit.parent
    # Categories and roles are read only when the audience names some (each is a query).
    categories = set(_values(exam, AudienceKind.CATEGORY))
    if categories and {c.value for c in user.categories} & categories:
        return True
    roles = set(_values(exam, AudienceKind.ROLE))
    return bool(roles and {r.value for r in user.roles} & roles)
