from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    SIGN_IN = "account.sign_in", _("Signed in")
    SIGN_IN_FAILED = "account.sign_in_failed", _("Failed sign-in")
    SIGN_OUT = "account.sign_out", _("Signed out")
    ACCOUNT_CREATED = "account.create", _("Account created")
    LANGUAGE_CHANGED = "account.language", _("Language changed")
    TIME_ZONE_CHANGED = "account.time_zone", _("Time zone changed")
    UNITS_CHANGED = "account.units", _("Units changed")
    PROFILE_CREATED = "profile.create", _("Profile created")
    PROFILE_UPDATED = "profile.update", _("Profile updated")
    PROFILE_DELETED = "profile.delete", _("Profile deleted")
    CONTACT_ADDED = "profile.contact.add", _("Emergency contact added")
    CONTACT_UPDATED = "profile.contact.update", _("Emergency contact updated")
    CONTACT_REMOVED = "profile.contact.remove", _("Emergency contact removed")
    ENTRY_CREATED = "entry.create", _("Entry added")
    ENTRY_UPDATED = "entry.update", _("Entry changed")
    ENTRY_DELETED = "entry.delete", _("Entry deleted")
    DEVICES_ORDERED = "readings.order", _("Order of devices changed")
    ENTRY_RESTORED = "entry.restore", _("Entry restored")
    DOCUMENT_ADDED = "document.add", _("Document added")
    DOCUMENT_UPDATED = "document.update", _("Document changed")
    DOCUMENT_DELETED = "document.delete", _("Document deleted")
    DOCUMENT_RESTORED = "document.restore", _("Document restored")
    DOCUMENT_OPENED = "document.open", _("Document opened")
    DOCUMENT_PURGED = "document.purge", _("Deleted document removed for good")
    KEYS_ROTATED = "keys.rotate", _("Encryption keys rotated")
    IMPORT_STARTED = "import.start", _("Import started")
    IMPORT_COMMITTED = "import.commit", _("Import added to the record")
    IMPORT_DISCARDED = "import.discard", _("Import discarded")
    EXPORT_STARTED = "export.start", _("Export started")
    EXPORT_DOWNLOADED = "export.download", _("Export downloaded")
    GRANT_CREATED = "grant.create", _("Access granted")
    GRANT_UPDATED = "grant.update", _("Access changed")
    GRANT_REVOKED = "grant.revoke", _("Access revoked")
    CONFLICT_REVIEWED = "reconcile.review", _("Disagreement between sources reviewed")
    GROUP_SPLIT = "reconcile.split", _("Entry taken out of its group")
    GROUPS_LINKED = "reconcile.link", _("Two groups linked by hand")
    INVITATION_SENT = "invitation.send", _("Caregiver invited")
    INVITATION_CANCELLED = "invitation.cancel", _("Invitation cancelled")
    INVITATION_ACCEPTED = "invitation.accept", _("Invitation accepted")
    INVITATION_DECLINED = "invitation.decline", _("Invitation declined")
    GRANT_LEFT = "grant.leave", _("Caregiver left")
    SHARE_LINK_CREATED = "share.create", _("Share link made")
    SHARE_LINK_REVOKED = "share.revoke", _("Share link revoked")
    SHARE_LINK_OPENED = "share.open", _("Share link opened")
    SHARE_LINK_DISABLED = "share.disable", _("Share link disabled after wrong passcodes")
    REMINDERS_CHANGED = "account.reminders", _("Reminder settings changed")
    CALENDAR_FEED_CREATED = "calendar_feed.create", _("Calendar feed address made")
    CALENDAR_FEED_REVOKED = "calendar_feed.revoke", _("Calendar feed address stopped")
    TOKEN_CREATED = "token.create", _("Access token made")
    TOKEN_REVOKED = "token.revoke", _("Access token revoked")


class AuditEvent(models.Model):
    """Who did what, to which object, when and from where; never a health value.

    The profile link is kept nullable and survives the profile's deletion as
    ``profile_uuid``, so the record of who deleted it is not deleted with it.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept when the actor account is gone, and for failed sign-ins of unknown addresses.
    actor_label = models.CharField(max_length=254, blank=True)
    profile = models.ForeignKey(
        "profiles.Profile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    profile_uuid = models.UUIDField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=64, choices=Action.choices)
    object_type = models.CharField(max_length=64, blank=True)
    object_uuid = models.UUIDField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("-at", "-id")
        indexes = (models.Index(fields=("profile_uuid", "-at")),)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action}"
