"""Importing existing certificates from a spreadsheet: validate every row first, then write all
or nothing (or only the valid rows, when the officer asks to skip the invalid ones), as the
roster import does. Certificates are matched by (type, number), so re-importing updates them."""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

from sqlalchemy import func, select

from lawexam.audit import services as audit
from lawexam.auth.models import User
from lawexam.certification.compliance import CertificateStatus
from lawexam.certification.models import ApplicationStatus, Certificate, CertificateType, EventKind
from lawexam.certification.records import local_today
from lawexam.certification.services import all_types, open_application, record_event, snapshot
from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.spreadsheets import SpreadsheetError, header_index, read_table, write_xlsx

COLUMNS: dict[str, tuple[str, ...]] = {
    "account": ("账号/手机号", "账号", "手机号", "手机号码", "account"),
    "type": ("证件类型", "证件种类", "证件名称", "type"),
    "number": ("证件编号", "证号", "执法证号", "number"),
    "issued_on": ("发证日期", "issued on"),
    "valid_until": ("有效期至", "有效期", "valid until"),
}
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "持证人", "name"),
    "authority": ("发证机关", "authority"),
    "enforcement_field": ("执法领域", "field"),
    "status": ("状态", "status"),
}
TEMPLATE_HEADERS = ["姓名", "账号/手机号", "证件类型", "证件编号", "发证机关", "执法领域", "发证日期", "有效期至", "状态"]

# How the file writes a status. 待换证 and 已过期 follow from the dates, so they are stored as 有效.
STATUS_NAMES = {
    "有效": CertificateStatus.VALID, "待换证": CertificateStatus.VALID, "已过期": CertificateStatus.VALID,
    "暂扣": CertificateStatus.SUSPENDED, "注销": CertificateStatus.REVOKED,
    "valid": CertificateStatus.VALID, "renewal due": CertificateStatus.VALID, "expired": CertificateStatus.VALID,
    "suspended": CertificateStatus.SUSPENDED, "revoked": CertificateStatus.REVOKED,
}
STATUS_DISPLAY = {
    CertificateStatus.VALID: "有效", CertificateStatus.RENEWAL_DUE: "待换证", CertificateStatus.EXPIRED: "已过期",
    CertificateStatus.SUSPENDED: "暂扣", CertificateStatus.REVOKED: "注销",
}

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(text: str) -> date | None:
    """2025-03-01, 2025/3/1, 2025.03.01, 2025年3月1日, 20250301 or Excel's "2025-03-01 00:00:00"."""
    value = text.strip()
    match = _DATE.match(value) or _COMPACT_DATE.match(value)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


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
class ImportRow:
    row: int
    name: str
    account: str
    type_text: str
    number: str
    authority: str
    enforcement_field: str
    issued_text: str
    valid_text: str
    status_text: str
    holder: User | None = None
    type: CertificateType | None = None
    issued_on: date | None = None
    valid_until: date | None = None
    status: CertificateStatus = CertificateStatus.VALID
    existing: Certificate | None = None
    outcome: RowStatus = RowStatus.NEW
    problems: list[RowProblem] = field(default_factory=list)


@dataclass
class ImportPlan:
    filename: str
    rows: list[ImportRow] = field(default_factory=list)
    file_problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[RowProblem]:
        return [p for row in self.rows for p in row.problems]

    @property
    def valid_rows(self) -> list[ImportRow]:
        return [r for r in self.rows if r.outcome != RowStatus.INVALID]

    @property
    def invalid_count(self) -> int:
        return sum(1 for r in self.rows if r.outcome == RowStatus.INVALID)

    def count(self, status: RowStatus) -> int:
        return sum(1 for r in self.rows if r.outcome == status)

    @property
    def can_import(self) -> bool:
        return not self.file_problems and bool(self.valid_rows)


@dataclass
class ImportOutcome:
    created: int
    updated: int
    unchanged: int
    skipped: int


class ImportInvalid(Exception):
    pass


def plan_import(filename: str, data: bytes, now: datetime) -> ImportPlan:
    plan = ImportPlan(filename=filename)
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
    types = {t.name: t for t in all_types(include_inactive=True)}
    today = local_today(now)
    for number, cells in sheet.rows:
        def cell(name: str) -> str:
            index = positions.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""
        plan.rows.append(_read_row(number, cell, types, today))
    _resolve(plan)
    return plan


def _read_row(number: int, cell: Callable[[str], str], types: dict[str, CertificateType], today: date) -> ImportRow:
    row = ImportRow(row=number, name=cell("name"), account=cell("account"), type_text=cell("type"),
                    number=cell("number"), authority=cell("authority"), enforcement_field=cell("enforcement_field"),
                    issued_text=cell("issued_on"), valid_text=cell("valid_until"), status_text=cell("status"))

    def problem(column: str, message: str) -> None:
        row.problems.append(RowProblem(number, column, message))

    if not row.account:
        problem("账号/手机号", _("The account is empty."))
    if not row.type_text:
        problem("证件类型", _("The certificate type is empty."))
    else:
        row.type = types.get(row.type_text)
        if row.type is None:
            problem("证件类型", _("There is no certificate type called %(name)s. Add it under certificate types first.",
                                name=row.type_text))
    if not row.number:
        problem("证件编号", _("The certificate number is empty."))
    elif len(row.number) > 64:
        problem("证件编号", _("A certificate number can have at most 64 characters."))
    if len(row.authority) > 120:
        problem("发证机关", _("At most 120 characters."))
    if len(row.enforcement_field) > 120:
        problem("执法领域", _("At most 120 characters."))
    for column, text, attribute in (("发证日期", row.issued_text, "issued_on"), ("有效期至", row.valid_text, "valid_until")):
        if not text:
            problem(column, _("The date is empty."))
            continue
        parsed = parse_date(text)
        if parsed is None:
            problem(column, _("%(text)s is not a date; write it as 2025-03-01.", text=text))
        setattr(row, attribute, parsed)
    if row.issued_on and row.issued_on > today:
        problem("发证日期", _("The date of issue cannot be in the future."))
    if row.issued_on and row.valid_until and row.valid_until < row.issued_on:
        problem("有效期至", _("A certificate cannot expire before it is issued."))
    if row.status_text:
        status = STATUS_NAMES.get(row.status_text.strip().lower())
        if status is None:
            problem("状态", _("Unknown status: %(name)s. Use 有效, 暂扣 or 注销.", name=row.status_text))
        else:
            row.status = status
    return row


def _resolve(plan: ImportPlan) -> None:
    """Find holders and existing certificates, check what depends on the database or on other
    rows, and mark each row new, to update, unchanged or invalid."""
    accounts = sorted({r.account.lower() for r in plan.rows if r.account})
    holders: dict[str, User] = {}
    for start in range(0, len(accounts), 500):
        for user in db.session.scalars(select(User).where(func.lower(User.account).in_(accounts[start:start + 500]))):
            holders[user.account.lower()] = user
    seen_numbers: dict[tuple[int, str], int] = {}
    seen_holders: dict[tuple[int, int], int] = {}
    # Certificates this file revokes: a holder may get a new one of the same type in the same file.
    revoked_here = {(r.type.id, r.number) for r in plan.rows if r.type and r.status == CertificateStatus.REVOKED}
    for row in plan.rows:
        def problem(column: str, message: str, row: ImportRow = row) -> None:
            row.problems.append(RowProblem(row.row, column, message))

        if row.account:
            row.holder = holders.get(row.account.lower())
            if row.holder is None:
                problem("账号/手机号", _("There is nobody with the account %(account)s.", account=row.account))
            elif row.name and row.name != row.holder.real_name:
                problem("姓名", _("The account %(account)s belongs to %(holder)s, not %(name)s.",
                                account=row.account, holder=row.holder.real_name, name=row.name))
        if row.type is None or not row.number:
            continue
        key = (row.type.id, row.number)
        if key in seen_numbers:
            problem("证件编号", _("The certificate %(number)s already appears in row %(row)d.",
                                number=row.number, row=seen_numbers[key]))
        else:
            seen_numbers[key] = row.row
        row.existing = db.session.scalar(select(Certificate).where(Certificate.type_id == row.type.id,
                                                                   Certificate.number == row.number))
        if row.holder is None:
            continue
        if row.existing is not None and row.existing.holder_id != row.holder.id:
            problem("证件编号", _("%(type)s number %(number)s already belongs to %(name)s.", type=row.type.name,
                                number=row.number, name=row.existing.holder.real_name))
        if row.status != CertificateStatus.REVOKED:
            person = (row.type.id, row.holder.id)
            if person in seen_holders:
                problem("账号/手机号", _("%(name)s already has a %(type)s in row %(row)d.", name=row.holder.real_name,
                                       type=row.type.name, row=seen_holders[person]))
            else:
                seen_holders[person] = row.row
            other = db.session.scalar(select(Certificate).where(
                Certificate.holder_id == row.holder.id, Certificate.type_id == row.type.id,
                Certificate.status != CertificateStatus.REVOKED,
                Certificate.number != row.number))
            if other is not None and (row.type.id, other.number) not in revoked_here:
                problem("证件编号", _("%(name)s already holds %(type)s number %(number)s. Renew that certificate "
                                    "(a renewal can carry a new number) or revoke it first.",
                                    name=row.holder.real_name, type=row.type.name, number=other.number))
    for row in plan.rows:
        if row.problems:
            row.outcome = RowStatus.INVALID
        elif row.existing is None:
            row.outcome = RowStatus.NEW
        else:
            row.outcome = RowStatus.UNCHANGED if _same(row.existing, row) else RowStatus.UPDATE


def _same(cert: Certificate, row: ImportRow) -> bool:
    return (cert.authority == row.authority and cert.enforcement_field == row.enforcement_field
            and cert.issued_on == row.issued_on and cert.valid_until == row.valid_until
            and cert.status == row.status)


def apply_import(plan: ImportPlan, *, skip_invalid: bool, actor: User | None, now: datetime) -> ImportOutcome:
    """Write the plan in the caller's transaction; nothing is written while a row is invalid
    unless the officer chose to skip the invalid rows."""
    if plan.file_problems or (plan.invalid_count and not skip_invalid) or not plan.valid_rows:
        raise ImportInvalid(_("The file has problems; nothing was imported."))
    reason = _("Imported from %(file)s", file=plan.filename)
    created = updated = unchanged = 0
    # Revocations first, so a row replacing a revoked certificate finds its holder free.
    for row in sorted(plan.valid_rows, key=lambda r: r.status != CertificateStatus.REVOKED):
        assert row.type is not None and row.holder is not None and row.issued_on and row.valid_until
        cert = row.existing
        if cert is None:
            cert = Certificate(type=row.type, holder=row.holder, number=row.number, authority=row.authority,
                               enforcement_field=row.enforcement_field, issued_on=row.issued_on,
                               valid_from=row.issued_on, valid_until=row.valid_until, status=row.status,
                               created_at=now, updated_at=now)
            db.session.add(cert)
            record_event(cert, EventKind.IMPORTED, actor, now, reason=reason, new=snapshot(cert))
            db.session.flush()
            application = open_application(row.holder.id, row.type.id)
            if application is not None and row.status != CertificateStatus.REVOKED:
                application.status = ApplicationStatus.ISSUED
                application.issued_on = cert.issued_on
                application.certificate_id = cert.id
                application.updated_at = now
            created += 1
        elif row.outcome == RowStatus.UPDATE:
            before = snapshot(cert)
            never_renewed = cert.valid_from == cert.issued_on
            cert.authority, cert.enforcement_field = row.authority, row.enforcement_field
            cert.issued_on, cert.valid_until, cert.status = row.issued_on, row.valid_until, row.status
            if never_renewed or not cert.issued_on <= cert.valid_from <= cert.valid_until:
                cert.valid_from = cert.issued_on
            cert.updated_at = now
            record_event(cert, EventKind.IMPORTED, actor, now, reason=reason, old=before, new=snapshot(cert))
            updated += 1
        else:
            unchanged += 1
    db.session.flush()
    outcome = ImportOutcome(created=created, updated=updated, unchanged=unchanged, skipped=plan.invalid_count)
    audit.record("certificates.imported", object_type="certificate", summary=plan.filename[:255],
                 details={"file": plan.filename, "created": created, "updated": updated, "unchanged": unchanged,
                          "skipped": outcome.skipped}, actor=actor)
    return outcome


def template_xlsx() -> bytes:
    example = [
        ["张三", "13800138000", "行政执法证", "QS-ZF-0001", "某某县人民政府", "综合行政执法", "2023-03-01", "2026-02-28", "有效"],
        ["李四", "13900139000", "行政执法监督证", "QS-JD-0001", "某某县人民政府", "行政执法监督", "2024-06-15", "2027-06-14", "有效"],
    ]
    return write_xlsx(TEMPLATE_HEADERS, example, title="执法证件", widths=[10, 16, 16, 16, 22, 18, 12, 12, 8])
