from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from myhealthhub.records.kinds import KINDS

# "No known allergies" is reached from the allergies page, not the record's menu.
MENU = tuple(kind for slug, kind in KINDS.items() if slug != "no-known-allergies")


def record_kinds(request: HttpRequest) -> dict[str, Any]:
    return {"record_kinds": MENU}
