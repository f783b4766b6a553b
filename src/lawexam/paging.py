"""One page of a list, shaped like Flask-SQLAlchemy's pagination for the ``pager`` macro."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Sequence, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def first_number(self) -> int:
        return (self.page - 1) * self.per_page + 1


def clamp_page(page: int, total: int, per_page: int) -> int:
    """The asked-for page, moved into 1…last (a stale link past the end shows the last page)."""
    return max(1, min(page, max(1, -(-total // per_page))))


def page_of(rows: Sequence[T], page: int, per_page: int) -> Page[T]:
    """A page of a list already in memory."""
    page = clamp_page(page, len(rows), per_page)
    return Page(list(rows[(page - 1) * per_page: page * per_page]), page, per_page, len(rows))
