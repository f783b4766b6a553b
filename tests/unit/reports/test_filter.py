"""Reading report filters from the URL and writing them back (pure: no app, no database)."""
from __future__ import annotations

from datetime import date

import pytest

from lawexam.auth.models import Category
from lawexam.errors import InvalidInput
from lawexam.reports.scope import EVERYTHING, ReportFilter, ReportScope, parse_filter


def test_a_filter_round_trips_through_its_url_arguments() -> None:
    args = {"unit": "7", "category": "grid", "year": "2025", "from": "2025-03-01", "to": "2025-03-31", "exam": "4"}
    criteria = parse_filter(args)
    assert criteria == ReportFilter(unit_id=7, category=Category.GRID, year=2025, date_from=date(2025, 3, 1),
                                    date_to=date(2025, 3, 31), exam_id=4)
    assert {k: str(v) for k, v in criteria.args().items()} == args
    assert parse_filter({}) == ReportFilter() and ReportFilter().args() == {}


def test_overrides_replace_or_drop_arguments() -> None:
    criteria = ReportFilter(unit_id=7, category=Category.GRID)
    assert criteria.args(unit=9) == {"unit": 9, "category": "grid"}
    assert criteria.args(category=None, page=2) == {"unit": 7, "page": 2}
    assert criteria.people_narrowed and not ReportFilter(year=2025).people_narrowed


@pytest.mark.parametrize("args", [
    {"unit": "abc"}, {"unit": "-1"}, {"exam": "1e3"}, {"category": "mayor"}, {"year": "1999"},
    {"from": "2025-02-30"}, {"from": "2025-03-02", "to": "2025-03-01"}, {"unit": "9" * 12},
])
def test_bad_filters_are_refused(args) -> None:
    with pytest.raises(InvalidInput):
        parse_filter(args)


def test_empty_values_mean_no_filter() -> None:
    assert parse_filter({"unit": "", "category": "", "from": " "}) == ReportFilter()


def test_scopes() -> None:
    assert EVERYTHING.everything and EVERYTHING.allows_unit(None) and EVERYTHING.allows_unit(5)
    village = ReportScope(unit_ids=frozenset({3, 4}), root_unit_id=3, name="东风村")
    assert not village.everything and village.allows_unit(4)
    assert not village.allows_unit(5) and not village.allows_unit(None)
