from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from myhealthhub.records.models.base import Entry


class Note(Entry):
    """A journal entry; ``display`` is its title."""

    body = models.TextField(_("text"))

    class Meta(Entry.Meta):
        verbose_name = _("note")
        verbose_name_plural = _("notes")
