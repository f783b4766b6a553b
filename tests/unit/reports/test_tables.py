"""How report cells are written to files and shown on pages (numbers stay numbers)."""
from __future__ import annotations

from datetime import datetime, timezone

from lawexam.reports.tables import Column, Row, Table, file_value, page_value


def col(kind: str, header: str = "数") -> Column:
    return Column("k", "label", header, kind)


def test_file_values_are_numbers_rounded_sensibly() -> None:
    assert file_value(col("int"), 5.0) == 5 and isinstance(file_value(col("int"), 5.0), int)
    assert file_value(col("pct"), 200 / 3) == 66.67
    assert file_value(col("pct"), 50.0) == 50 and isinstance(file_value(col("pct"), 50.0), int)
    assert file_value(col("score"), 63.3333) == 63.33
    assert file_value(col("ratio"), 1 / 6) == 0.167
    assert file_value(col("duration"), 37 * 60 + 5) == 37.1  # minutes
    assert file_value(col("text"), None) is None
    assert file_value(col("text"), "=1+1") == "=1+1"  # escaping is lawexam.spreadsheets' job
    assert file_value(col("time"), datetime(2025, 3, 10, 2, 0, tzinfo=timezone.utc)) == "2025-03-10 10:00"


def test_file_headers_say_the_unit() -> None:
    assert col("pct", "合格率").file_header == "合格率（%）"
    assert col("duration", "用时").file_header == "用时（分钟）"
    assert col("int", "人数").file_header == "人数"


def test_page_values() -> None:
    assert page_value("pct", 200 / 3) == "66.7%"
    assert page_value("pct", 0) == "0.0%"
    assert page_value("score", 56.0) == "56"
    assert page_value("score", 63.333) == "63.3"
    assert page_value("ratio", 1 / 6) == "0.17"
    assert page_value("duration", 2225) == "37:05"
    assert page_value("int", None) == "—" and page_value("text", "") == "—"


def test_a_table_writes_its_footer_last() -> None:
    table = Table("t", "T", "表", [Column("a", "A", "甲"), Column("n", "N", "数", "pct")],
                  [Row(["x", 12.345])], footer=Row(["合计", 100.0]))
    assert table.file_rows() == [["x", 12.35], ["合计", 100]]
    assert table.widths() == [12, 12]
