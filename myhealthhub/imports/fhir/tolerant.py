"""Values a vendor may get wrong, read anyway, with a warning that says where.

An enum in the wrong case is read as FHIR spells it; an unknown enum value or
an unreadable date is left out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection

from django.utils.translation import gettext as _

from myhealthhub.imports.fhir.fields import is_number, number, obj, objs, string
from myhealthhub.imports.fhir.parse import Found
from myhealthhub.imports.warnings import CappedWarnings
from myhealthhub.lib.dates import PartialDate

_DATE = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})"
    r"(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?"
)


def _zone(written: str | None) -> dt.timezone | None:
    """``Z``, ``-04:00`` or nothing; a FHIR offset is never over 14 hours."""
    if not written:
        return None
    if written == "Z":
        return dt.UTC
    hours, minutes = int(written[1:3]), int(written[4:6])
    if hours > 14 or minutes > 59:
        raise ValueError(written)
    sign = -1 if written[0] == "-" else 1
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


class TolerantReader(CappedWarnings):
    """Reads values tolerantly into ``warnings``, saying what it tolerated."""

    # Values -------------------------------------------------------------------

    def display(self, found: Found, *candidates: str) -> str:
        for candidate in candidates:
            if candidate:
                return candidate
        self.warn("name", _("This record has no name; it was read as “(no name)”."), found.where())
        return _("(no name)")

    def enum(self, found: Found, path: str, value: object, allowed: Collection[str]) -> str:
        text = string(value)
        if not text or text in allowed:
            return text
        lowered = text.lower()
        if lowered in allowed:
            self.warn(
                "case",
                _("“%(value)s” is not written as FHIR spells it (“%(expected)s”); read as that.")
                % {"value": text, "expected": lowered},
                found.where(path),
            )
            return lowered
        self.warn(
            "enum",
            _("“%(value)s” is not a value MyHealthHub knows here; it was left out.")
            % {"value": text},
            found.where(path),
        )
        return ""

    def amount(self, found: Found, path: str, value: object) -> float | None:
        """A number; one past what a float holds (1 and 400 zeros) is left out with a warning."""
        read = number(value)
        if read is None and is_number(value):
            self.warn(
                "number",
                _("This number is too large to be read; it was left out."),
                found.where(path),
            )
        return read

    def coded(self, found: Found, path: str, value: object, allowed: Collection[str]) -> str:
        """The code of a coded status: an exact one if any coding has it, else read tolerantly."""
        concept = obj(value)
        codings = [(i, string(c.get("code"))) for i, c in enumerate(objs(concept.get("coding")))]
        codings = [(index, code) for index, code in codings if code]
        exact = next((code for _index, code in codings if code in allowed), "")
        if exact or not codings:
            text = string(concept.get("text")).lower()
            return exact or (text if text in allowed else "")
        index, code = next(((i, c) for i, c in codings if c.lower() in allowed), codings[0])
        return self.enum(found, f"{path}/coding/{index}/code", code, allowed)

    def when(
        self, found: Found, path: str, value: object, time_too: bool = False
    ) -> tuple[PartialDate | None, dt.time | None]:
        """A date as written (no time-zone conversion), and its time of day if asked.

        The time carries the offset written beside it ("09:30-04:00"), if any.
        """
        text = string(value)
        if not text:
            return None, None
        match = _DATE.fullmatch(text)
        try:
            if match is None:
                raise ValueError(text)
            year, month, day, hour, minute, second, fraction, zone = match.groups()[:8]
            date = PartialDate(int(year), int(month) if month else None, int(day) if day else None)
            moment = None
            if time_too and hour is not None:
                micro = int((fraction or "0")[:6].ljust(6, "0"))
                moment = dt.time(
                    int(hour), int(minute), int(second or 0), micro, tzinfo=_zone(zone)
                )
        except ValueError:
            self.warn(
                "date",
                _("The date “%(value)s” could not be read; it was left empty.")
                % {"value": text[:40]},
                found.where(path),
            )
            return None, None
        return date, moment

    def date_of(self, found: Found, prefix: str, end: bool = False) -> PartialDate | None:
        """``onsetDateTime``, ``onsetPeriod`` (its start, or end), or a dated ``onsetString``."""
        resource = found.resource
        for suffix in ("DateTime", "Instant"):
            if f"{prefix}{suffix}" in resource and not isinstance(
                resource[f"{prefix}{suffix}"], dict
            ):
                return self.when(found, f"/{prefix}{suffix}", resource[f"{prefix}{suffix}"])[0]
        period = obj(resource.get(f"{prefix}Period"))
        edge = ("end", "start") if end else ("start", "end")
        for name in edge:
            if name in period:
                return self.when(found, f"/{prefix}Period/{name}", period[name])[0]
        text = string(resource.get(f"{prefix}String"))
        if text and _DATE.fullmatch(text):
            return self.when(found, f"/{prefix}String", text)[0]
        return None
