"""The registry and the due list as workbooks. They carry personal data (certificate numbers,
accounts), so every export is written to the audit log."""
from __future__ import annotations

from datetime import date

from lawexam.audit import services as audit
from lawexam.auth.models import User
from lawexam.certification.importing import STATUS_DISPLAY, TEMPLATE_HEADERS
from lawexam.certification.services import DueList, Row
from lawexam.people.units import unit_path
from lawexam.spreadsheets import write_xlsx


def _unit(user: User) -> str:
    return unit_path(user.unit) if user.unit else ""


def _days_left(row: Row) -> int | None:
    return row.evaluation.days_left if row.evaluation.status.value in ("valid", "renewal_due", "expired") else None


def registry_xlsx(rows: list[Row], today: date, actor: User | None, filters: dict[str, object]) -> bytes:
    """The registry in the import template's columns (so it can be edited and imported again),
    then the unit, the days left and what is missing."""
    audit.record("certificates.exported", object_type="certificate", summary=f"registry ({len(rows)})",
                 details={"kind": "registry", "rows": len(rows), "as_of": today.isoformat(), "filter": filters},
                 actor=actor)
    data = ([c.holder.real_name, c.holder.account, c.type.name, c.number, c.authority, c.enforcement_field,
             c.issued_on, c.valid_until, STATUS_DISPLAY[r.evaluation.status], _unit(c.holder), _days_left(r),
             "；".join(r.missing)]
            for r in rows for c in (r.certificate,))
    return write_xlsx(TEMPLATE_HEADERS + ["所属单位", "剩余天数", "尚缺"], data, title="执法证件登记",
                      widths=[10, 16, 16, 16, 22, 18, 12, 12, 8, 26, 10, 50])


def due_xlsx(due: DueList, actor: User | None) -> bytes:
    rows = due.due + due.expired
    audit.record("certificates.exported", object_type="certificate", summary=f"due list ({len(rows)})",
                 details={"kind": "due", "rows": len(rows), "as_of": due.today.isoformat(),
                          "within_days": due.within}, actor=actor)
    data = ([c.holder.real_name, c.holder.account, _unit(c.holder), c.type.name, c.number, c.valid_until,
             r.evaluation.days_left, STATUS_DISPLAY[r.evaluation.status], "；".join(r.missing) or "已满足"]
            for r in rows for c in (r.certificate,))
    return write_xlsx(["姓名", "账号/手机号", "所属单位", "证件类型", "证件编号", "有效期至", "剩余天数", "状态", "尚缺"],
                      data, title="到期提醒", widths=[10, 16, 26, 16, 16, 12, 10, 8, 50])
