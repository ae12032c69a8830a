"""A document: a sealed file with what makes it useful later — its date, facility and why.

The file itself lives in a SealedFile (DESIGN.md principle 7): ciphertext in
the storage backend under a random name, its own key wrapped by the master
key. Thumbnails are sealed the same way, since a picture of a lab report is
as private as the report.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from myhealthhub.documents.sniff import CCDA, GPX
from myhealthhub.documents.storage import StoredFile
from myhealthhub.profiles.models import Profile
from myhealthhub.records.models.base import PartialDateAttribute, precision_field


class SealedFile(models.Model):
    """One encrypted blob in the storage backend and the wrapped key that opens it."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=300, unique=True)
    wrapped_key = models.BinaryField()
    # Which master key wrapped it, so a rotation that stopped halfway resumes.
    key_id = models.CharField(max_length=16)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = (models.Index(fields=("key_id",)),)

    def __str__(self) -> str:
        return self.name

    @property
    def stored(self) -> StoredFile:
        return StoredFile(
            name=self.name, wrapped_key=bytes(self.wrapped_key), sha256=self.sha256, size=self.size
        )


class DocumentKind(models.TextChoices):
    VISIT_SUMMARY = "visit_summary", _("Visit summary")
    LAB_REPORT = "lab_report", _("Lab report")
    IMAGING_REPORT = "imaging_report", _("Imaging report")
    DISCHARGE_LETTER = "discharge_letter", _("Discharge letter")
    IMMUNIZATION_CARD = "immunization_card", _("Immunization card")
    INSURANCE_CARD = "insurance_card", _("Insurance card")
    PRESCRIPTION = "prescription", _("Prescription")
    LETTER = "letter", _("Letter")
    OTHER = "other", _("Other")


class TextState(models.TextChoices):
    PENDING = "pending", _("Being read")
    EXTRACTED = "extracted", _("Text extracted")
    SCANNED = "scanned", _("Scanned: no text layer")
    NONE = "none", _("No text (image)")
    FAILED = "failed", _("Could not be read")


TYPE_LABELS = {
    "application/pdf": _("PDF"),
    "image/jpeg": _("JPEG picture"),
    "image/png": _("PNG picture"),
    "image/heic": _("HEIC picture"),
    "text/plain": _("Plain text"),
    GPX.content_type: _("GPX route"),
    CCDA.content_type: _("C-CDA document"),
}


class DocumentQuerySet(models.QuerySet["Document"]):
    def alive(self) -> DocumentQuerySet:
        return self.filter(deleted_at__isnull=True)


class Document(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    # RESTRICT: a sealed file cannot go while its document stays, but deleting
    # the whole profile takes both.
    file = models.OneToOneField(SealedFile, on_delete=models.RESTRICT, related_name="document")
    thumbnail = models.OneToOneField(
        SealedFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The name the file came with: shown, never used as a path.
    title = models.CharField(_("title"), max_length=255)
    kind = models.CharField(
        _("kind"), max_length=20, choices=DocumentKind.choices, default=DocumentKind.OTHER
    )
    date = models.DateField(_("date"), null=True, blank=True)
    date_precision = precision_field()
    facility = models.CharField(_("facility"), max_length=200, blank=True)
    why = models.TextField(_("why it is kept"), blank=True)
    description = models.TextField(_("description"), blank=True)
    # Decided from the file's bytes (documents/sniff.py), never from its name.
    content_type = models.CharField(max_length=100)
    text = models.TextField(blank=True)
    text_state = models.CharField(
        max_length=10, choices=TextState.choices, default=TextState.PENDING
    )
    page_count = models.PositiveIntegerField(null=True, blank=True)
    # The same bytes were already in this profile when this one arrived.
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # None when added from the command line.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)

    when = PartialDateAttribute("date")

    objects: ClassVar[DocumentQuerySet] = DocumentQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-uploaded_at", "-id")
        indexes = (
            models.Index(fields=("profile", "date"), name="documents_profile_date"),
            models.Index(fields=("profile", "kind"), name="documents_profile_kind"),
        )

    def __str__(self) -> str:
        return self.title

    @property
    def sha256(self) -> str:
        return self.file.sha256

    @property
    def size(self) -> int:
        return self.file.size

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def type_label(self) -> str:
        return str(TYPE_LABELS.get(self.content_type, self.content_type))

    @property
    def shows_inline(self) -> bool:
        """Only PDFs and pictures browsers can draw are ever shown, in the sandboxed viewer.

        Browsers cannot draw HEIC: its page shows the thumbnail instead.
        """
        return self.is_pdf or self.content_type in {"image/jpeg", "image/png"}


class DocumentLink(models.Model):
    """A document's link to an entry: the visit it summarises, the medicines it mentions."""

    # The document's own profile, carried so that links are found by profile (DESIGN.md, 10).
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="links")
    # A records kind slug (records/kinds.py) and the entry's UUID.
    kind = models.CharField(max_length=40)
    entry_uuid = models.UUIDField()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("document", "entry_uuid"), name="one_link_per_entry"),
        )
        indexes = (models.Index(fields=("profile", "entry_uuid"), name="document_links_entry"),)

    def __str__(self) -> str:
        return f"{self.document_id} → {self.kind} {self.entry_uuid}"
