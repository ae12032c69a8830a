"""Groups of entries that state the same thing, and the reviews of their conflicts.

A group is one medicine, allergy, problem, vaccine dose or result in one
profile, as one or more sources state it. Entries keep their own rows,
sources and history; a group only links them (``Member``), with the reason
they were linked. Conflicts are not stored: they are worked out from the
members each time (differences.py), so they can never go stale. What is
stored is a person's review of one conflict, with the values they saw: a
value no review saw opens the conflict again.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from myhealthhub.profiles.models import Profile


class Group(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    # The kind of entry (records.kinds slug) all its members are.
    kind = models.CharField(max_length=30)
    # What its members were matched on ("ingredients:acetaminophen",
    # "snomed:59621000", "cvx:88"); a group made by hand keeps its first member's.
    key = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    # Kept with every change of its statements or reviews (grouping.refresh), so
    # that lists, the overview and the summary need not read every statement:
    # the name most of its sources give it, how many sources state it, and the
    # fields they disagree on that no review has settled.
    label = models.CharField(max_length=500, blank=True)
    sources = models.PositiveIntegerField(default=1)
    open_fields = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = (models.Index(fields=("profile", "kind", "key"), name="reconcile_group_key"),)

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class How(models.TextChoices):
    """Why an entry is in its group, strongest first."""

    CODE = "code", _("same code")
    NAME = "name", _("same name after normalising")
    ALONE = "alone", _("the first to state it")
    HAND = "hand", _("linked by hand")
    APART = "apart", _("split off by hand")


class Member(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    entry_uuid = models.UUIDField()
    # The entry's own matching keys (keys.py): what it is ("ingredients:…",
    # "snomed:…"), "" when neither a code nor a known name says; its name's;
    # and the day it is about, which tells two doses of one vaccine apart.
    key = models.CharField(max_length=300, blank=True)
    name_key = models.CharField(max_length=300, blank=True)
    day = models.DateField(null=True, blank=True)
    how = models.CharField(max_length=8, choices=How.choices)
    # What the match was on, as the reason's detail: "RxNorm 161", "SNOMED CT 59621000".
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("kind", "entry_uuid"), name="reconcile_one_group"),
        )
        indexes = (
            models.Index(fields=("profile", "kind", "key"), name="reconcile_member_key"),
            models.Index(fields=("profile", "kind", "name_key"), name="reconcile_member_name"),
        )

    def __str__(self) -> str:
        return f"{self.kind} {self.entry_uuid} ({self.how})"

    @property
    def by_hand(self) -> bool:
        """Placed by a person: the matcher leaves it where it is."""
        return self.how in {How.HAND, How.APART}


class Review(models.Model):
    """A person looked at one conflict of a group, with someone, and noted what they found."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="reviews")
    field = models.CharField(max_length=40)
    # The values the reviewer saw, as compared (differences.py): a value not
    # among them is new, and the conflict is open again.
    values = models.JSONField(default=list)
    with_whom = models.CharField(_("checked with"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = (models.Index(fields=("group", "field"), name="reconcile_review_field"),)

    def __str__(self) -> str:
        return f"{self.field} reviewed {self.reviewed_at:%Y-%m-%d}"
