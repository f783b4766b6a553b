"""Keeping the roster: create, edit, deactivate people and reset their passwords."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, func, or_, select

from lawexam.audit import services as audit
from lawexam.auth import services as auth_services
from lawexam.auth.models import Category, OrgUnit, Role, User, UserCategory, UserRole
from lawexam.auth.passwords import hash_password, temporary_password
from lawexam.errors import InvalidInput, NotFound, PermissionDenied
from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.people.accounts import ROLES_ONLY_ADMIN_GRANTS, account_problem, mobile_of
from lawexam.people.units import descendant_ids, get_unit


@dataclass
class PersonData:
    real_name: str
    account: str
    unit_id: int | None
    categories: set[Category]
    roles: set[Role] = field(default_factory=lambda: {Role.EXAMINEE})
    enforcement_cert_no: str = ""


@dataclass(frozen=True)
class PeopleFilter:
    text: str = ""
    unit_id: int | None = None
    category: Category | None = None
    role: Role | None = None
    active: bool | None = True


def get_person(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such person."))
    return user


def people_query(criteria: PeopleFilter) -> Select[tuple[User]]:
    query = select(User)
    if criteria.text:
        text = criteria.text.strip()  # "%" and "_" are searched for, not wildcards
        query = query.where(or_(User.real_name.contains(text, autoescape=True),
                                User.account.contains(text, autoescape=True)))
    if criteria.unit_id:
        query = query.where(User.unit_id.in_(descendant_ids(criteria.unit_id)))
    if criteria.category:
        query = query.where(User.id.in_(select(UserCategory.user_id).where(
            UserCategory.category == criteria.category)))
    if criteria.role:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == criteria.role)))
    if criteria.active is not None:
        query = query.where(User.active.is_(criteria.active))
    return query.order_by(User.unit_id, User.real_name, User.id)


def _check(data: PersonData, actor: User | None, existing: User | None = None) -> OrgUnit | None:
    name = data.real_name.strip()
    if not name:
        raise InvalidInput(_("Enter the person's name."), field="real_name")
    if len(name) > 64:
        raise InvalidInput(_("A name can have at most 64 characters."), field="real_name")
    problem = account_problem(data.account.strip())
    if problem:
        raise InvalidInput(problem, field="account")
    clash = auth_services.find_user_by_account(data.account)
    if clash is not None and clash is not existing:
        raise InvalidInput(_("The account %(account)s already belongs to %(name)s.",
                             account=data.account, name=clash.real_name), field="account")
    if not data.categories:
        raise InvalidInput(_("Choose at least one category."), field="categories")
    if not data.roles:
        raise InvalidInput(_("Choose at least one role."), field="roles")
    granted = set(data.roles) - (existing.roles if existing else set())
    revoked = (existing.roles if existing else set()) - set(data.roles)
    # actor None is the command line, run by whoever administers the server.
    if (granted | revoked) & ROLES_ONLY_ADMIN_GRANTS and actor is not None and not actor.has_role(Role.ADMIN):
        raise PermissionDenied(_("Only an administrator can grant or remove the training officer and administrator roles."),
                               field="roles")
    if len(data.enforcement_cert_no) > 64:
        raise InvalidInput(_("A certificate number can have at most 64 characters."), field="enforcement_cert_no")
    if data.unit_id is None:
        raise InvalidInput(_("Choose the person's unit."), field="unit_id")
    unit = get_unit(data.unit_id)
    if not unit.active and (existing is None or existing.unit_id != unit.id):
        raise InvalidInput(_("The unit %(name)s is deactivated.", name=unit.name), field="unit_id")
    return unit


def create_person(data: PersonData, actor: User | None) -> tuple[User, str]:
    """Create the person with a temporary password they must change at first sign-in."""
    unit = _check(data, actor)
    password = temporary_password()
    user = User(real_name=data.real_name.strip(), account=data.account.strip(), unit=unit,
                phone=mobile_of(data.account.strip()),
                enforcement_cert_no=data.enforcement_cert_no.strip() or None,
                password_hash=hash_password(password), must_change_password=True, active=True)
    user.set_categories(data.categories)
    user.set_roles(data.roles)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", object_type="user", object_id=user.id, summary=user.real_name,
                 details={"account": user.account, "unit_id": user.unit_id,
                          "roles": sorted(r.value for r in data.roles)}, actor=actor)
    return user, password


def update_person(user: User, data: PersonData, actor: User | None) -> list[str]:
    """Apply the changes and return the names of the fields that changed."""
    unit = _check(data, actor, existing=user)
    before = _snapshot(user)
    user.real_name = data.real_name.strip()
    user.account = data.account.strip()
    user.phone = mobile_of(user.account) or user.phone
    user.unit = unit
    user.enforcement_cert_no = data.enforcement_cert_no.strip() or None
    user.set_categories(data.categories)
    user.set_roles(data.roles)
    db.session.flush()
    after = _snapshot(user)
    changed = [key for key in after if before[key] != after[key]]
    if changed:
        audit.record("user.updated", object_type="user", object_id=user.id, summary=user.real_name,
                     details={"changed": {k: [before[k], after[k]] for k in changed}}, actor=actor)
    return changed


def _snapshot(user: User) -> dict[str, object]:
    return {"real_name": user.real_name, "account": user.account, "unit_id": user.unit_id,
            "enforcement_cert_no": user.enforcement_cert_no,
            "categories": sorted(c.value for c in user.categories),
            "roles": sorted(r.value for r in user.roles)}


def set_person_active(user: User, active: bool, actor: User | None) -> None:
    if actor is not None and user.id == actor.id and not active:
        raise InvalidInput(_("You cannot deactivate your own account."))
    if user.has_role(Role.ADMIN) and not active and not (actor and actor.has_role(Role.ADMIN)):
        raise PermissionDenied(_("Only an administrator can deactivate an administrator."))
    if user.active == active:
        return
    user.active = active
    if not active:
        auth_services.end_all_sessions(user)
    audit.record("user.reactivated" if active else "user.deactivated", object_type="user",
                 object_id=user.id, summary=user.real_name, actor=actor)
    db.session.flush()


def reset_person_password(user: User, actor: User | None) -> str:
    if user.has_role(Role.ADMIN) and not (actor and actor.has_role(Role.ADMIN)):
        raise PermissionDenied(_("Only an administrator can reset an administrator's password."))
    return auth_services.reset_password(user)


def count_people(active: bool = True) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.active.is_(active))) or 0
