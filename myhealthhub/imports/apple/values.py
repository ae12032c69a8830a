"""The values an Apple Health export writes: numbers in the locale's way, moments with an offset."""

from __future__ import annotations

import datetime as dt
import math


def number(text: str) -> float | None:
    """ "72", "72.5", or "72,5" as some locales write it; None when it is not a finite number."""
    try:
        value = float(text.replace(",", ".", 1) if "," in text and "." not in text else text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def moment(text: str) -> dt.datetime | None:
    """ "2024-05-01 08:00:00 +0200" as an aware datetime; None when it cannot be read."""
    if len(text) > 19 and text[19] == " ":
        text = text[:19] + text[20:]
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None
