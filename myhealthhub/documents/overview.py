"""The profile overview's "Recent documents" panel."""

from __future__ import annotations

from django.db.models import F

from myhealthhub.documents.models import Document
from myhealthhub.profiles.models import Profile
from myhealthhub.profiles.overview import Section, overview_section

SHOWN = 5


@overview_section(70)
def recent_documents(profile: Profile) -> Section:
    latest = (
        Document.objects.alive()
        .filter(profile_id=profile.pk)
        .order_by(F("date").desc(nulls_last=True), "-uploaded_at")[:SHOWN]
    )
    return Section("documents/overview.html", {"documents": list(latest)})
