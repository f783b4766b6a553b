"""Roster import and export: validate every row first, then write all or nothing."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from sqlalchemy import func, select

from lawexam.audit import services as audit
from lawexam.auth.models import Category, OrgUnit, Role, User
from lawexam.auth.passwords import hash_password, temporary_password
from lawexam.extensions import db
from lawexam.i18n import _, ngettext
from lawexam.people.accounts import (
    CATEGORY_DISPLAY,
    CATEGORY_NAMES,
    ROLE_DISPLAY,
    ROLE_NAMES,
    ROLES_ONLY_ADMIN_GRANTS,
    account_problem,
    mobile_of,
    parse_names,
)
from lawexam.people.units import all_units, find_unit_by_name, unit_path
from lawexam.spreadsheets import SpreadsheetError, header_index, read_table, write_csv, write_xlsx

COLUMNS: dict[str, tuple[str, ...]] = {
    "real_name": ("姓名", "名字", "name"),
    "account": ("账号/手机号", "账号", "手机号", "手机号码", "手机", "account"),
    "unit": ("所属单位", "单位", "unit"),
    "categories": ("人员类别", "类别", "category"),
}
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "roles": ("角色", "role"),
    "cert_no": ("执法证号", "执法证件号", "certificate"),
}
TEMPLATE_HEADERS = ["姓名", "账号/手机号", "所属单位", "人员类别", "角色", "执法证号"]


class RowStatus(enum.StrEnum):
    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    INVALID = "invalid"


@dataclass
class RowProblem:
    row: int
    column: str
    message: str


@dataclass
class RosterRow:
    row: int
    real_name: str
    account: str
    unit: OrgUnit | None
    unit_text: str
    categories: set[Category]
    roles: set[Role]
    cert_no: str
    status: RowStatus = RowStatus.NEW
    problems: list[RowProblem] = field(default_factory=list)


@dataclass
class RosterPlan:
    filename: str
    rows: list[RosterRow] = field(default_factory=list)
    file_problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[RowProblem]:
        return [p for row in self.rows for p in row.problems]

    @property
    def valid_rows(self) -> list[RosterRow]:
        return [r for r in self.rows if r.status != RowStatus.INVALID]

    @property
    def invalid_count(self) -> int:
        return sum(1 for r in self.rows if r.status == RowStatus.INVALID)

    def count(self, status: RowStatus) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def can_import(self) -> bool:
        return not self.file_problems and bool(self.valid_rows)


@dataclass
class RosterOutcome:
    created: list[tuple[User, str]]  # new people with their temporary passwords, shown once
    updated: int
    unchanged: int
    skipped: int


def plan_import(filename: str, data: bytes, actor: User | None) -> RosterPlan:
    plan = RosterPlan(filename=filename)
    try:
        sheet = read_table(filename, data)
    except SpreadsheetError as error:
        plan.file_problems.append(str(error))
        return plan
    plan.warnings.extend(sheet.warnings)
    positions, missing = header_index(sheet.headers, COLUMNS)
    if missing:
        plan.file_problems.append(_("Missing column(s): %(columns)s. Download the template to see the expected headers.",
                                    columns="、".join(missing)))
        return plan
    optional, _missing = header_index(sheet.headers, OPTIONAL_COLUMNS)
    positions.update(optional)
    units = [u for u in all_units() if u.active]
    seen: dict[str, int] = {}
    for number, cells in sheet.rows:
        def cell(name: str) -> str:
            index = positions.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""
        plan.rows.append(_check_row(number, cell, units, seen, actor))
    _mark_updates(plan)
    return plan


def _check_row(number: int, cell, units: list[OrgUnit], seen: dict[str, int], actor: User | None) -> RosterRow:
    row = RosterRow(row=number, real_name=cell("real_name"), account=cell("account"), unit=None,
                    unit_text=cell("unit"), categories=set(), roles={Role.EXAMINEE}, cert_no=cell("cert_no"))

    def problem(column: str, message: str) -> None:
        row.problems.append(RowProblem(number, column, message))

    if not row.real_name:
        problem("姓名", _("The name is empty."))
    elif len(row.real_name) > 64:
        problem("姓名", _("A name can have at most 64 characters."))
    account_error = account_problem(row.account)
    if account_error:
        problem("账号/手机号", account_error)
    else:
        key = row.account.lower()
        if key in seen:
            problem("账号/手机号", _("The account %(account)s already appears in row %(row)d.",
                                   account=row.account, row=seen[key]))
        else:
            seen[key] = number
    if not row.unit_text:
        problem("所属单位", _("The unit is empty."))
    else:
        matches = find_unit_by_name(row.unit_text, units)
        if not matches:
            problem("所属单位", _("There is no active unit called %(name)s.", name=row.unit_text))
        elif len(matches) > 1:
            problem("所属单位", _("%(name)s matches several units; write it as “parent/unit”.", name=row.unit_text))
        else:
            row.unit = matches[0]
    categories, unknown = parse_names(cell("categories"), CATEGORY_NAMES)
    row.categories = categories
    if unknown:
        problem("人员类别", _("Unknown category: %(names)s.", names="、".join(unknown)))
    elif not categories:
        problem("人员类别", _("The category is empty."))
    if cell("roles"):
        roles, unknown_roles = parse_names(cell("roles"), ROLE_NAMES)
        if unknown_roles:
            problem("角色", _("Unknown role: %(names)s.", names="、".join(unknown_roles)))
        elif roles & ROLES_ONLY_ADMIN_GRANTS and actor is not None and not actor.has_role(Role.ADMIN):
            problem("角色", _("Only an administrator can grant or remove the training officer and administrator roles."))
        else:
            row.roles = roles
    if len(row.cert_no) > 64:
        problem("执法证号", _("A certificate number can have at most 64 characters."))
    if row.problems:
        row.status = RowStatus.INVALID
    return row


def _mark_updates(plan: RosterPlan) -> None:
    accounts = [r.account.lower() for r in plan.rows if r.status != RowStatus.INVALID]
    existing: dict[str, User] = {}
    for start in range(0, len(accounts), 500):
        chunk = accounts[start:start + 500]
        for user in db.session.scalars(select(User).where(func.lower(User.account).in_(chunk))):
            existing[user.account.lower()] = user
    for row in plan.rows:
        user = existing.get(row.account.lower())
        if row.status == RowStatus.INVALID or user is None:
            continue
        same = (user.real_name == row.real_name and user.unit_id == row.unit.id
                and user.categories == row.categories and user.roles == row.roles
                and (user.enforcement_cert_no or "") == row.cert_no and user.active)
        row.status = RowStatus.UNCHANGED if same else RowStatus.UPDATE


class RosterInvalid(Exception):
    pass


def apply_import(plan: RosterPlan, *, skip_invalid: bool, actor: User | None) -> RosterOutcome:
    """Write the plan in the caller's transaction. Nothing is written while a row is invalid
    unless the officer chose to skip the invalid rows."""
    if plan.file_problems or (plan.invalid_count and not skip_invalid) or not plan.valid_rows:
        raise RosterInvalid(_("The file has problems; nothing was imported."))
    created: list[tuple[User, str]] = []
    updated = unchanged = 0
    for row in plan.valid_rows:
        user = db.session.scalar(select(User).where(func.lower(User.account) == row.account.lower()))
        if user is None:
            password = temporary_password()
            user = User(account=row.account, real_name=row.real_name, unit=row.unit,
                        phone=mobile_of(row.account), enforcement_cert_no=row.cert_no or None,
                        password_hash=hash_password(password), must_change_password=True, active=True)
            user.set_categories(row.categories)
            user.set_roles(row.roles)
            db.session.add(user)
            created.append((user, password))
        elif row.status == RowStatus.UPDATE:
            user.real_name, user.unit = row.real_name, row.unit
            user.enforcement_cert_no = row.cert_no or None
            user.set_categories(row.categories)
            user.set_roles(row.roles)
            user.active = True
            updated += 1
        else:
            unchanged += 1
    db.session.flush()
    outcome = RosterOutcome(created=created, updated=updated, unchanged=unchanged,
                            skipped=plan.invalid_count)
    audit.record("roster.imported", object_type="roster", summary=plan.filename[:255],
                 details={"file": plan.filename, "created": len(created), "updated": updated,
                          "unchanged": unchanged, "skipped": outcome.skipped}, actor=actor)
    return outcome


def template_xlsx() -> bytes:
    example = [
        ["张三", "13800138000", "综合执法中队", "执法人员", "考生", "NX-0001"],
        ["李四", "13900139000", "东风村", "村（社区）两委成员、法律明白人", "考生", ""],
        ["王五", "staff-017", "党政办公室", "干部", "考生、审阅人", ""],
    ]
    return write_xlsx(TEMPLATE_HEADERS, example, title="人员名单", widths=[12, 16, 18, 28, 14, 16])


def template_csv() -> bytes:
    return write_csv(TEMPLATE_HEADERS, [["张三", "13800138000", "综合执法中队", "执法人员", "考生", ""]])


def export_rows(users: list[User]) -> list[list[object]]:
    return [[u.real_name, u.account, unit_path(u.unit) if u.unit else "",
             "、".join(CATEGORY_DISPLAY[c] for c in sorted(u.categories)),
             "、".join(ROLE_DISPLAY[r] for r in sorted(u.roles)),
             u.enforcement_cert_no or "", "在用" if u.active else "已停用"] for u in users]


def export_xlsx(users: list[User], actor: User | None) -> bytes:
    audit.record("roster.exported", object_type="roster", summary=ngettext("%(num)d person", "%(num)d people", len(users)),
                 details={"count": len(users)}, actor=actor)
    return write_xlsx(TEMPLATE_HEADERS + ["状态"], export_rows(users), title="人员名单",
                      widths=[12, 16, 30, 28, 18, 16, 8])
