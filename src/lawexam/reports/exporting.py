"""Writing a report table to .xlsx or .csv (through ``lawexam.spreadsheets``: frozen header row,
formula escaping, UTF-8 with BOM), and the audit entry for tables with personal information."""
from __future__ import annotations

import re
from typing import Any

from lawexam.audit import services as audit
from lawexam.auth.models import User
from lawexam.errors import NotFound
from lawexam.i18n import _
from lawexam.reports.tables import Table
from lawexam.spreadsheets import write_csv, write_xlsx

FORMATS = ("xlsx", "csv")
_UNSAFE = re.compile(r'[\\/:*?"<>|\r\n\t]+')


def safe_filename(*parts: str) -> str:
    name = "-".join(p.strip() for p in parts if p and p.strip())
    return _UNSAFE.sub("_", name)[:120] or "report"


def export_table(table: Table, fmt: str, *, name: str, actor: User | None, context: dict[str, Any]) -> tuple[bytes, str]:
    """The file's bytes and its download name; tables with personal data are audit-logged."""
    if fmt not in FORMATS:
        raise NotFound(_("Reports are exported as .xlsx or .csv."))
    headers = [c.file_header for c in table.columns]
    rows = table.file_rows()
    if fmt == "xlsx":
        data = write_xlsx(headers, rows, title=table.file_title, widths=table.widths())
    else:
        data = write_csv(headers, rows)
    if table.personal:
        audit.record("report.exported", object_type="report", object_id=table.key,
                     summary=f"{name} · {table.file_title}",
                     details={"table": table.key, "format": fmt, "rows": len(table.rows), **context}, actor=actor)
    return data, f"{safe_filename(name, table.file_title)}.{fmt}"
