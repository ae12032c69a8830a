"""How documents count: stored bytes against the plan, documents on the profile page."""

from __future__ import annotations

from django.db.models import Sum

from myhealthhub.accounts.models import User
from myhealthhub.accounts.plans import counts_usage
from myhealthhub.documents.models import Document, SealedFile
from myhealthhub.profiles.counts import counts_entries
from myhealthhub.profiles.models import Grant, Profile, Role

# Where export results are sealed (exports/jobs.py): copies of what is
# already counted, deleted within a day, so they take no room from the plan.
EXPORTS_FOLDER = "exports"


@counts_usage("storage_bytes")
def stored_bytes(user: User) -> int:
    """Every sealed byte kept (files and thumbnails) in the profiles ``user`` owns."""
    owned = Grant.objects.in_force().filter(account_id=user.pk, role=Role.OWNER)
    total = (
        SealedFile.objects.filter(profile_id__in=owned.values("profile_id"))
        .exclude(name__startswith=f"{EXPORTS_FOLDER}/")
        .aggregate(total=Sum("size"))["total"]
    )
    return int(total or 0)


@counts_entries("documents")
def _documents(profile: Profile) -> int:
    return Document.objects.filter(profile_id=profile.pk).alive().count()
