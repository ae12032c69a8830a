"""A SMART Health Link as its keeper reads it: its state, what it carries, how often it was asked.

One query for any number of links (their documents prefetched, their
accesses counted), so the list page costs the same for one link or fifty.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from myhealthhub.documents.models import Document
from myhealthhub.sharing.models import ShareLink


class LinkState(models.TextChoices):
    LIVE = "live", _("Live")
    ENDED = "ended", _("Ended")
    REVOKED = "revoked", _("Revoked")
    DISABLED = "disabled", _("Stopped after too many wrong passcodes")


def state_of(link: ShareLink, at: dt.datetime | None = None) -> LinkState:
    """What a recipient meets: the same rules as ``ShareLink.objects.live()``, named."""
    if link.revoked_at is not None:
        return LinkState.REVOKED
    if link.disabled_at is not None:
        return LinkState.DISABLED
    if link.expires_at is not None and link.expires_at <= (at or timezone.now()):
        return LinkState.ENDED
    return LinkState.LIVE


@dataclass(frozen=True)
class Described:
    link: ShareLink
    state: LinkState
    # The documents chosen when it was made, deleted ones too: a link that does
    # not change still carries them, encrypted when it was made.
    documents: list[Document]
    accesses: int

    @property
    def name(self) -> str:
        """The label, else when it was made: how the keeper tells one link from another."""
        if self.link.label:
            return self.link.label
        made = formats.date_format(timezone.localtime(self.link.created_at), "DATETIME_FORMAT")
        return gettext("Link made %(date)s") % {"date": made}

    @property
    def is_live(self) -> bool:
        return self.state == LinkState.LIVE

    @property
    def key_kept(self) -> bool:
        """Whether its text can be shown again: only a live long-term link keeps its key."""
        return self.is_live and self.link.long_term and bool(self.link.sealed_key)


def with_details(links: models.QuerySet[ShareLink]) -> models.QuerySet[ShareLink]:
    documents = Document.objects.order_by("-date", "title").only(
        "uuid", "profile_id", "title", "date", "deleted_at"
    )
    return links.annotate(access_count=Count("accesses", distinct=True)).prefetch_related(
        Prefetch("documents", queryset=documents)
    )


def described(link: ShareLink, at: dt.datetime | None = None) -> Described:
    """One link of :func:`with_details`'s queryset, with its state at ``at`` (now)."""
    return Described(
        link=link,
        state=state_of(link, at),
        documents=list(link.documents.all()),
        accesses=_access_count(link),
    )


def _access_count(link: ShareLink) -> int:
    counted = getattr(link, "access_count", None)  # annotated by with_details
    return link.accesses.count() if counted is None else int(counted)
