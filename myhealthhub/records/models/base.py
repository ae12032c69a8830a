"""What every clinical entry has: its profile, its source, codes, dates, history.

DESIGN.md principles 3 and 4: each entry points to the Source it came from and
keeps the identifiers that source gave it; dates may be partial; codes are
optional, a display text is not.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from myhealthhub.lib.dates import PartialDate, Precision
from myhealthhub.profiles.models import Profile

PRECISION_CHOICES = [(p.value, p.value) for p in Precision]
RESTORE_DAYS = 30


class SourceKind(models.TextChoices):
    MANUAL = "manual", _("Typed by hand")
    DOCUMENT = "document", _("Document")
    IMPORT = "import", _("Import")
    DEVICE = "device", _("Device")


class Source(models.Model):
    """Where entries came from: typed by hand, a document, an import, a device."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=SourceKind.choices)
    label = models.CharField(_("label"), max_length=200)
    facility = models.CharField(_("facility"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    # For an import: the day the document says it was written (C-CDA effectiveTime,
    # a Composition's date), which may be known only to the month or the year.
    written = models.DateField(_("written"), null=True, blank=True)
    written_precision = models.CharField(
        max_length=5, choices=PRECISION_CHOICES, default=Precision.DAY
    )
    # For hand-typed entries: whose hand.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-received_at", "id")
        constraints = (
            models.UniqueConstraint(
                fields=("profile", "author"),
                condition=models.Q(kind="manual"),
                name="one_manual_source_per_author",
            ),
        )

    def __str__(self) -> str:
        return self.label

    @property
    def written_on(self) -> PartialDate | None:
        """``written`` as a PartialDate, showing only what the document said."""
        if self.written is None:
            return None
        return PartialDate.from_stored(self.written, self.written_precision)


class PartialDateAttribute:
    """``entry.onset`` as a PartialDate, over the ``onset`` and ``onset_precision`` columns."""

    def __init__(self, column: str) -> None:
        self.column = column

    def __get__(self, instance: Any, owner: type | None = None) -> PartialDate | None:
        if instance is None:
            return self  # type: ignore[return-value]
        value: dt.date | None = getattr(instance, self.column)
        if value is None:
            return None
        return PartialDate.from_stored(value, getattr(instance, f"{self.column}_precision"))

    def __set__(self, instance: Any, value: PartialDate | None) -> None:
        setattr(instance, self.column, value.earliest if value else None)
        setattr(
            instance, f"{self.column}_precision", value.precision.value if value else Precision.DAY
        )


def precision_field() -> models.CharField[str, str]:
    return models.CharField(max_length=5, choices=PRECISION_CHOICES, default=Precision.DAY)


# Undated entries last either way: PostgreSQL would otherwise put NULLs first
# when sorting newest first, and SQLite does the opposite.
NEWEST_FIRST = (models.F("date").desc(nulls_last=True), models.F("id").desc())
OLDEST_FIRST = (models.F("date").asc(nulls_last=True), models.F("id").asc())


class NewestFirstIndex(models.Index):
    """(profile, date newest first and undated last, id newest first): the lists' own order.

    Without it PostgreSQL sorts every entry of a kind to show the first page
    of its list. PostgreSQL walks an index for that order only if the index
    says NULLS LAST; SQLite cannot say it in an index, and needs not: its
    DESC already puts NULLs last.
    """

    def __init__(self, *, name: str) -> None:
        super().__init__(*self.columns(nulls_last=True), name=name)

    @staticmethod
    def columns(*, nulls_last: bool) -> tuple[Any, ...]:
        return (
            models.F("profile"),
            models.F("date").desc(nulls_last=nulls_last or None),
            models.F("id").desc(),
        )

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        return (f"{__name__}.{type(self).__name__}", (), {"name": self.name})

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor == "sqlite":
            plain = models.Index(*self.columns(nulls_last=False), name=self.name)
            return plain.create_sql(model, schema_editor, using, **kwargs)
        return super().create_sql(model, schema_editor, using, **kwargs)


class EntryQuerySet(models.QuerySet[Any]):
    def alive(self) -> EntryQuerySet:
        return self.filter(deleted_at__isnull=True)

    def restorable(self) -> EntryQuerySet:
        cutoff = timezone.now() - dt.timedelta(days=RESTORE_DAYS)
        return self.filter(deleted_at__gt=cutoff)


class Entry(models.Model):
    """The common part of every kind of clinical entry."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    # RESTRICT: a source cannot go while its entries stay, but deleting the
    # whole profile takes both.
    source = models.ForeignKey(Source, on_delete=models.RESTRICT, related_name="+")
    display = models.CharField(_("name"), max_length=500)
    # Zero or more codings: [{"system": URI, "code": "...", "display": "..."}].
    codings = models.JSONField(default=list, blank=True)
    # The first coding again, as columns, for lookups by code (trends, duplicates).
    code_system = models.CharField(max_length=200, blank=True)
    code = models.CharField(_("code"), max_length=100, blank=True)
    # The entry's own date (onset, start, when given, when measured…);
    # it places the entry on the timeline.
    date = models.DateField(_("date"), null=True, blank=True)
    date_precision = precision_field()
    notes = models.TextField(_("notes"), blank=True)
    # What the source called it: [{"system": "...", "value": "..."}], so that
    # a re-import adds nothing twice.
    source_identifiers = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)

    when = PartialDateAttribute("date")

    objects: ClassVar[EntryQuerySet] = EntryQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        abstract = True
        ordering = ("-date", "-id")
        indexes = (
            models.Index(fields=("profile", "date"), name="%(app_label)s_%(class)s_date"),
            models.Index(fields=("profile", "code"), name="%(app_label)s_%(class)s_code"),
            NewestFirstIndex(name="%(app_label)s_%(class)s_list"),
        )

    def __str__(self) -> str:
        return self.display

    def set_codings(self, codings: list[dict[str, str]]) -> None:
        self.codings = codings
        first = codings[0] if codings else {}
        self.code_system = first.get("system", "")
        self.code = first.get("code", "")


class EntryVersion(models.Model):
    """An entry as it was before a change: who changed it, when, and which fields."""

    class Change(models.TextChoices):
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        RESTORE = "restore", _("Restored")

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    entry_uuid = models.UUIDField()
    version = models.PositiveIntegerField()
    change = models.CharField(max_length=10, choices=Change.choices)
    changed_fields = models.JSONField(default=list)
    data = models.JSONField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-changed_at", "-id")
        indexes = (models.Index(fields=("profile", "entry_uuid", "version")),)

    def __str__(self) -> str:
        return f"{self.kind} {self.entry_uuid} v{self.version}"
