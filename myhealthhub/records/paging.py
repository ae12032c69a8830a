"""Pages of a long list that count its rows only a little past the page asked for.

Django's paginator counts every row to say "page 3 of 2,000": on a record of
100,000 results that count alone reads the whole list each time a page is
shown. Here rows are counted up to ``PAGES_AHEAD`` pages past the one asked
for (a COUNT over a LIMITed subquery, along the list's index); past that the
page says "page 3 of more than 23", and each next page counts a little further.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

PAGES_AHEAD = 20
# A page asked for past this is past the end: the bound stays a number the database takes.
MOST_PAGES = 10_000_000


if TYPE_CHECKING:
    PaginatorBase = Paginator[Any]
    PageOfRows = Page[Any]
else:  # not subscriptable at run time
    PaginatorBase = Paginator
    PageOfRows = Page


class BoundedPaginator(PaginatorBase):
    """A paginator whose ``count`` stops ``pages_ahead`` pages past the page asked for.

    ``more`` tells whether rows lie past what was counted; ``known_pages`` is
    then how many full pages were counted, and ``num_pages`` one more, so the
    last counted page still has a next one.
    """

    def __init__(
        self, object_list: QuerySet[Any], per_page: int, *, pages_ahead: int = PAGES_AHEAD
    ) -> None:
        super().__init__(object_list, per_page)
        self.rows = object_list
        self.pages_ahead = pages_ahead
        self.asked = 1

    def get_page(self, number: Any) -> PageOfRows:
        try:
            asked = int(number)
        except (TypeError, ValueError):
            asked = 1
        # Below the first page is the first page, not the last one counted.
        self.asked = min(max(asked, 1), MOST_PAGES)
        return super().get_page(self.asked)

    @property
    def bound(self) -> int:
        """The rows counted at most: through ``pages_ahead`` pages past the one asked for."""
        return (self.asked + self.pages_ahead) * self.per_page

    @cached_property
    def count(self) -> int:
        """Rows counted, one past the bound at most (that one says there are more)."""
        return self.rows[: self.bound + 1].count()

    @property
    def more(self) -> bool:
        return self.count > self.bound

    @property
    def known_pages(self) -> int:
        """Pages counted in full: when ``more``, the page count reads "more than" this."""
        return math.ceil(min(self.count, self.bound) / self.per_page)
