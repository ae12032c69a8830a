"""Sealed files live outside the database: when a profile goes, its files go too."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from myhealthhub.documents import storage
from myhealthhub.documents.models import SealedFile
from myhealthhub.profiles.actions import on_profile_delete
from myhealthhub.profiles.models import Profile


@on_profile_delete
def delete_sealed_files(profile: Profile) -> None:
    names = list(SealedFile.objects.filter(profile_id=profile.pk).values_list("name", flat=True))
    # Only once the rows are gone for good: a rolled-back deletion keeps its files.
    transaction.on_commit(partial(storage.delete_names, names))


def remove_unnamed_files(folder: str) -> None:
    """Delete the files in ``folder`` that no sealed-file row names.

    What a dead worker sealed for a commit or an export that never landed.
    """
    try:
        _folders, names = storage.default_storage().listdir(folder)
    except FileNotFoundError:
        return
    paths = [f"{folder}/{name}" for name in names]
    kept = set(SealedFile.objects.filter(name__in=paths).values_list("name", flat=True))
    storage.delete_names([path for path in paths if path not in kept])
