"""Sharing: caregivers invited by e-mail, and SMART Health Links for clinicians.

An ``Invitation`` becomes a ``profiles.Grant`` only when the invitee
accepts it. A ``ShareLink`` is one SMART Health Link (HL7 SMART Health
Cards and Links IG v1.0.0): what it carries, until when, behind which
passcode; its files are encrypted with the link's key, which the server
keeps (sealed by the master key) only while the link can change (flag L).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from myhealthhub.documents.models import Document, SealedFile
from myhealthhub.profiles.models import Profile, Role


class InvitationState(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class Invitation(models.Model):
    """An owner's invitation to one e-mail address to see or edit a profile."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    consent_note = models.TextField(_("consent note"))
    # When the access it gives ends; None: until revoked.
    access_ends_at = models.DateTimeField(_("access ends"), null=True, blank=True)
    # SHA-256 of the single-use token the e-mail carries; the token itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    # The language of the e-mail (the invitee's when known, else the keeper's).
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    state = models.CharField(
        max_length=10, choices=InvitationState.choices, default=InvitationState.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The link in the e-mail works until then.
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    grant = models.ForeignKey(
        "profiles.Grant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.email} → {self.profile} ({self.role}, {self.state})"

    def is_expired(self, at: datetime | None = None) -> bool:
        return self.state == InvitationState.PENDING and self.expires_at <= (at or timezone.now())


class ShareLinkQuerySet(models.QuerySet["ShareLink"]):
    def live(self, at: datetime | None = None) -> ShareLinkQuerySet:
        """Links a recipient can still open: not revoked, not used up, not past their end."""
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, disabled_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=at)
        )


class ShareLink(models.Model):
    """One SMART Health Link to a profile's summary, and chosen documents."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="share_links")
    # The manifest's address: 43 characters, 256 bits from secrets.token_urlsafe(32).
    manifest_id = models.CharField(max_length=64, unique=True)
    label = models.CharField(_("label"), max_length=80, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # None: no end, which the keeper confirmed.
    expires_at = models.DateTimeField(_("ends"), null=True, blank=True)
    # Flag L: the files are written again from the record at each visit.
    long_term = models.BooleanField(_("keep it up to date"), default=False)
    # Flag U: the one file fetched by GET, with no manifest.
    direct = models.BooleanField(default=False)
    # Flag P: the passcode's salted HMAC (sharing/links/passcodes.py); "" for none.
    passcode_hash = models.CharField(max_length=200, blank=True)
    # Wrong passcodes left before the link is disabled, for the link's whole life.
    attempts_left = models.PositiveIntegerField(default=0)
    with_summary_ips = models.BooleanField(default=True)
    with_summary_pdf = models.BooleanField(default=True)
    documents = models.ManyToManyField(Document, blank=True, related_name="+")
    # The summary's language and paper, as chosen when the link was made.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    # The link's key, sealed by the master key (accounts/secrets.py), kept only for flag L.
    sealed_key = models.TextField(blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Set when the passcode's attempts ran out.
    disabled_at = models.DateTimeField(null=True, blank=True)
    # The last manifest request of a long-term link, for polling too often (429).
    last_polled_at = models.DateTimeField(null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.label or self.uuid} → {self.profile}"

    @property
    def has_passcode(self) -> bool:
        return bool(self.passcode_hash)

    @property
    def flags(self) -> str:
        """The payload's ``flag``: its letters in alphabetical order."""
        return "".join(
            sorted(
                letter
                for letter, on in (
                    ("L", self.long_term),
                    ("P", self.has_passcode),
                    ("U", self.direct),
                )
                if on
            )
        )


class ShareFile(models.Model):
    """One encrypted file of a link that does not change: a compact JWE, sealed at rest too."""

    # The link's profile, as on every row that belongs to one (DESIGN.md principle 10).
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    sealed = models.OneToOneField(SealedFile, on_delete=models.CASCADE, related_name="+")
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ("position",)
        constraints = (
            models.UniqueConstraint(fields=("link", "position"), name="one_file_per_position"),
        )

    def __str__(self) -> str:
        return f"{self.link} #{self.position} ({self.content_type})"


class AccessOutcome(models.TextChoices):
    OPENED = "opened", _("Opened")
    WRONG_PASSCODE = "wrong-passcode", _("Wrong passcode")
    TOO_OFTEN = "too-often", _("Asked too often")


class ShareAccess(models.Model):
    """One request of a link's manifest or file: when, who said they were, and what came of it."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="accesses")
    at = models.DateTimeField(default=timezone.now)
    # What the recipient's software said it is: "Dr. Sol, Clínica Norte". Untrusted text.
    recipient = models.CharField(max_length=200)
    outcome = models.CharField(max_length=16, choices=AccessOutcome.choices)

    class Meta:
        ordering = ("-at", "-id")

    def __str__(self) -> str:
        return f"{self.link} {self.at:%Y-%m-%d %H:%M} {self.outcome}"
