"""Every report table as plain data: the page renders it and the exports write it, so what is
on the screen and what is in the spreadsheet are the same numbers.

A column has a page label (translated) and a file header (Chinese: the files go into the
town's annual report and to the county); a cell holds the raw value (a number stays a number)
and the column's ``kind`` says how to show and how to write it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from lawexam.i18n import _
from lawexam.localtime import format_local_time
from lawexam.reports.figures import duration_text, round_half_up

# kinds: text, int, score (points), pct (0..100), ratio (-1..1 statistic), duration (seconds), time (datetime)
NUMERIC_KINDS = frozenset({"int", "score", "pct", "ratio", "duration"})


@dataclass(frozen=True)
class Column:
    key: str
    label: str       # on the page (translated)
    header: str      # in the file (Chinese)
    kind: str = "text"
    width: int = 12  # in the .xlsx, characters

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    @property
    def file_header(self) -> str:
        if self.kind == "pct":
            return f"{self.header}（%）"
        if self.kind == "duration":
            return f"{self.header}（分钟）"
        return self.header


@dataclass(frozen=True)
class Row:
    cells: Sequence[Any]
    depth: int = 0
    link: str | None = None    # the first cell links here on the page
    css: str = ""


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    file_title: str  # sheet and file name part (Chinese)
    columns: Sequence[Column]
    rows: Sequence[Row]
    personal: bool = False  # holds personal information: its export is audit-logged
    footer: Row | None = None
    note: str = ""

    def file_rows(self) -> list[list[Any]]:
        rows = [*self.rows, *([self.footer] if self.footer else [])]
        return [[file_value(c, v) for c, v in zip(self.columns, row.cells)] for row in rows]

    def widths(self) -> list[int]:
        return [c.width for c in self.columns]

    def display(self, row: Row) -> list[tuple[Column, str]]:
        """The row's cells as shown on the page, each with its column (formatted here once,
        rather than cell by cell in the template)."""
        return [(c, page_value(c.kind, v)) for c, v in zip(self.columns, row.cells)]


def file_value(column: Column, value: Any) -> Any:
    """The value as written to .xlsx/.csv: numbers as numbers, rounded sensibly."""
    if value is None:
        return None
    kind = column.kind
    if kind == "int":
        return int(value)
    if kind in ("score", "pct", "ratio", "duration"):
        places = {"score": 2, "pct": 2, "ratio": 3, "duration": 1}[kind]
        number = round_half_up(float(value) / (60 if kind == "duration" else 1), places)
        return int(number) if number is not None and number.is_integer() else number
    if kind == "time":
        return format_local_time(value) if isinstance(value, datetime) else str(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def page_value(kind: str, value: Any) -> str:
    """The value as shown on the page."""
    if value is None or value == "":
        return "—"
    if kind == "int":
        return str(int(value))
    if kind == "score":
        return f"{round_half_up(float(value), 1):g}"
    if kind == "pct":
        return f"{round_half_up(float(value), 1):.1f}%"
    if kind == "ratio":
        return f"{float(value):.2f}"
    if kind == "duration":
        return duration_text(value)
    if kind == "time":
        return format_local_time(value) if isinstance(value, datetime) else str(value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


# ---- shared column sets --------------------------------------------------------------------

def counts_columns(first: Column, *, roll_label: str | None = None, roll_header: str = "应考人数",
                   scores: bool = True) -> list[Column]:
    columns = [
        first,
        Column("enrolled", roll_label or _("People enrolled"), roll_header, "int", 10),
        Column("took_part", _("People who took part"), "参考人数", "int", 10),
        Column("participation", _("Participation rate"), "参考率", "pct", 12),
        Column("passed", _("People who passed"), "合格人数", "int", 10),
        Column("pass_rate", _("Pass rate"), "合格率", "pct", 12),
    ]
    if scores:
        columns.append(Column("mean", _("Mean score"), "平均分", "score", 10))
    return columns


def counts_cells(label: Any, counts: Any, scores: bool = True) -> list[Any]:
    cells = [label, counts.enrolled, counts.took_part, counts.participation_rate, counts.passed, counts.pass_rate]
    if scores:
        cells.append(counts.mean)
    return cells
