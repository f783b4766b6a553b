"""People, their org units, categories and roles."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lawexam.db import UTCDateTime, utcnow
from lawexam.extensions import db
from lawexam.i18n import lazy_gettext as _l


class UnitKind(enum.StrEnum):
    TOWN = "town"
    VILLAGE = "village"
    COMMUNITY = "community"
    OFFICE = "office"
    STATION = "station"

    @property
    def label(self) -> str:
        return str(UNIT_KIND_LABELS[self])


UNIT_KIND_LABELS = {
    UnitKind.TOWN: _l("Town"),
    UnitKind.VILLAGE: _l("Village"),
    UnitKind.COMMUNITY: _l("Community"),
    UnitKind.OFFICE: _l("Office"),
    UnitKind.STATION: _l("Station"),
}


class Category(enum.StrEnum):
    CADRE = "cadre"
    COMMITTEE = "committee"
    GRID = "grid"
    ENFORCEMENT = "enforcement"
    LEGAL_LITERATE = "legal_literate"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS[self])


CATEGORY_LABELS = {
    Category.CADRE: _l("Cadre"),
    Category.COMMITTEE: _l("Village (community) committee member"),
    Category.GRID: _l("Grid worker"),
    Category.ENFORCEMENT: _l("Enforcement officer"),
    Category.LEGAL_LITERATE: _l("Legal-literate person"),
    Category.OTHER: _l("Other"),
}


class Role(enum.StrEnum):
    EXAMINEE = "examinee"
    UNIT_HEAD = "unit_head"
    REVIEWER = "reviewer"
    OFFICER = "officer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.EXAMINEE: _l("Examinee"),
    Role.UNIT_HEAD: _l("Unit head"),
    Role.REVIEWER: _l("Reviewer"),
    Role.OFFICER: _l("Training officer"),
    Role.ADMIN: _l("Administrator"),
}

# Officers and admins keep the roster and the bank; reviewers and unit heads only read.
MANAGER_ROLES = frozenset({Role.OFFICER, Role.ADMIN})


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=24,
                values_callable=lambda members: [m.value for m in members],
                validate_strings=True)


class OrgUnit(db.Model):
    __tablename__ = "org_units"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[UnitKind] = mapped_column(_enum(UnitKind, "unit_kind"))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("org_units.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Optional["OrgUnit"]] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["OrgUnit"]] = relationship(
        back_populates="parent", order_by="(OrgUnit.sort_order, OrgUnit.id)"
    )
    members: Mapped[list["User"]] = relationship(back_populates="unit")

    def __repr__(self) -> str:
        return f"<OrgUnit {self.id} {self.name}>"


class UserCategory(db.Model):
    __tablename__ = "user_categories"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[Category] = mapped_column(_enum(Category, "category"), primary_key=True)


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), primary_key=True)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(32), unique=True)
    real_name: Mapped[str] = mapped_column(String(64), index=True)
    phone: Mapped[Optional[str]] = mapped_column(String(20))
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("org_units.id"), index=True)
    enforcement_cert_no: Mapped[Optional[str]] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    unit: Mapped[Optional[OrgUnit]] = relationship(back_populates="members")
    category_rows: Mapped[list[UserCategory]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    # Flask-Login protocol
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    # The server-side session this object was loaded for (see LoginSession); not a column.
    login_key: str = ""

    def get_id(self) -> str:
        return f"{self.id}:{self.login_key}"

    @property
    def categories(self) -> set[Category]:
        return {row.category for row in self.category_rows}

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_manager(self) -> bool:
        return self.has_role(*MANAGER_ROLES)

    def set_categories(self, categories: set[Category]) -> None:
        keep = [row for row in self.category_rows if row.category in categories]
        have = {row.category for row in keep}
        self.category_rows = keep + [UserCategory(category=c) for c in sorted(categories - have)]

    def set_roles(self, roles: set[Role]) -> None:
        keep = [row for row in self.role_rows if row.role in roles]
        have = {row.role for row in keep}
        self.role_rows = keep + [UserRole(role=r) for r in sorted(roles - have)]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.account}>"


class LoginThrottle(db.Model):
    """Failed sign-ins per account or per client address, shared by every app process."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(96), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class LoginSession(db.Model):
    """One signed-in browser. The cookie names a row here, so signing out, a password change or
    deactivation ends the session on the server, and a replayed cookie is worthless."""

    __tablename__ = "login_sessions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    client_address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")

    user: Mapped[User] = relationship()
