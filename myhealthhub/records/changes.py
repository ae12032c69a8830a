"""What saving or removing entries tells the apps above records (search, through its ready())."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from myhealthhub.lib.hooks import Hook
from myhealthhub.records.models import Entry

# Entries of one kind (by slug) written, deleted ones included: they leave what they were in.
saved: Hook[[str, Iterable[Entry]]] = Hook("records.saved")
# An entry removed for good: (its profile's id, its UUID).
removed: Hook[[int, uuid.UUID]] = Hook("records.removed")
