"""Partial dates: "2015", "March 2015" or "14 March 2015".

Health records are full of dates known only to the year or the month
(DESIGN.md principle 4). A partial date is stored as the first day it could
be, plus its precision, so it sorts and filters like a date and still
displays only what is known.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import total_ordering

from django.utils import formats
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _


class Precision(StrEnum):
    YEAR = "year"
    MONTH = "month"
    DAY = "day"


_ISO = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*$")


@total_ordering
@dataclass(frozen=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if self.day is not None and self.month is None:
            raise ValueError("a day needs a month")
        # Raises ValueError for 2015-02-30 and years outside 1..9999.
        dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        if self.month is not None:
            return Precision.MONTH
        return Precision.YEAR

    def __lt__(self, other: object) -> bool:
        # "2015" sorts before "March 2015", which sorts before "14 March 2015".
        if not isinstance(other, PartialDate):
            return NotImplemented
        return self._sort_key() < other._sort_key()

    def _sort_key(self) -> tuple[dt.date, int]:
        return self.earliest, list(Precision).index(self.precision)

    def common_precision(self, other: PartialDate) -> tuple[PartialDate, PartialDate]:
        """Both dates cut to what both know: "2015" and "22 June 2015" compare as 2015."""
        order = list(Precision)
        coarsest = min(order.index(self.precision), order.index(other.precision))
        return self._cut(order[coarsest]), other._cut(order[coarsest])

    def _cut(self, precision: Precision) -> PartialDate:
        if precision == Precision.YEAR:
            return PartialDate(self.year)
        if precision == Precision.MONTH:
            return PartialDate(self.year, self.month)
        return self

    @property
    def earliest(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    @classmethod
    def from_stored(cls, value: dt.date, precision: str) -> PartialDate:
        if precision == Precision.YEAR:
            return cls(value.year)
        if precision == Precision.MONTH:
            return cls(value.year, value.month)
        return cls(value.year, value.month, value.day)

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Read ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (as FHIR and forms give them)."""
        match = _ISO.match(text)
        if not match:
            raise ValueError(f"not a date: {text!r}")
        year, month, day = (int(part) if part else None for part in match.groups())
        assert year is not None
        return cls(year, month, day)

    def isoformat(self) -> str:
        if self.day is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    def localized(self) -> str:
        """The date in the active language, showing only what is known."""
        if self.precision == Precision.DAY:
            return formats.date_format(self.earliest, "DATE_FORMAT")
        if self.precision == Precision.MONTH:
            assert self.month is not None
            # Translators: a month and a year, such as "March 2015".
            return _("%(month)s %(year)d") % {"month": MONTHS[self.month], "year": self.year}
        return str(self.year)

    def __str__(self) -> str:
        return self.localized()


def age_on(birth: PartialDate, today: dt.date) -> int | None:
    """Whole years of age on ``today``, or None when the birth date is too vague to say."""
    if birth.precision == Precision.YEAR:
        return None
    assert birth.month is not None
    day = birth.day or 1
    if (
        birth.precision == Precision.MONTH
        and today.year > birth.year
        and today.month == birth.month
    ):
        return None  # the birthday month: can't tell whether it has passed
    had_birthday = (today.month, today.day) >= (birth.month, day)
    return today.year - birth.year - (0 if had_birthday else 1)


def validate_time_zone(name: str) -> None:
    """An IANA time zone name ("Europe/Madrid"), or ValidationError."""
    from zoneinfo import available_timezones

    from django.core.exceptions import ValidationError

    if name and name not in available_timezones():
        raise ValidationError(_("“%(name)s” is not a time zone."), params={"name": name})
