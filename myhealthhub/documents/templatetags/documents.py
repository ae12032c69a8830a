from __future__ import annotations

from django import template

from myhealthhub.documents.models import Document, DocumentLink
from myhealthhub.records.models import Entry

register = template.Library()


@register.simple_tag
def documents_about(entry: Entry) -> list[Document]:
    """The documents linked to an entry: the visit summary of a visit, and so on."""
    linked = DocumentLink.objects.filter(profile_id=entry.profile_id, entry_uuid=entry.uuid).values(
        "document_id"
    )
    return list(
        Document.objects.alive()
        .filter(profile_id=entry.profile_id, pk__in=linked)
        .order_by("-date", "-uploaded_at")
    )
