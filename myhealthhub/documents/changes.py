"""What saving or removing documents tells the apps above them (search, through its ready())."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from myhealthhub.documents.models import Document
from myhealthhub.lib.hooks import Hook

# Documents written or read, deleted ones included: they leave what they were in.
saved: Hook[[Iterable[Document]]] = Hook("documents.saved")
# A document removed for good: (its profile's id, its UUID).
removed: Hook[[int, uuid.UUID]] = Hook("documents.removed")
