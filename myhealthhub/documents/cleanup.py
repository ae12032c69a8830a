"""Sealed files live outside the database: when a profile goes, its files go too."""

from __future__ import annotations

import logging

from django.db import transaction

from myhealthhub.documents.models import SealedFile
from myhealthhub.documents.storage import default_storage
from myhealthhub.profiles.actions import on_profile_delete
from myhealthhub.profiles.models import Profile

log = logging.getLogger(__name__)


@on_profile_delete
def delete_sealed_files(profile: Profile) -> None:
    names = list(SealedFile.objects.filter(profile_id=profile.pk).values_list("name", flat=True))
    # Only once the rows are gone for good: a rolled-back deletion keeps its files.
    transaction.on_commit(lambda: _delete_blobs(names))


def _delete_blobs(names: list[str]) -> None:
    backend = default_storage()
    for name in names:
        try:
            backend.delete(name)
        except OSError:  # an unreachable bucket must not undo the deletion
            log.warning("could not delete sealed file %s; remove it by hand", name)
