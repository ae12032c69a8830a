"""A large upload waits in a private folder of the data folder, never in the system's /tmp,
and what a killed process left there is swept away by the next worker."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files import temp as django_temp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from myhealthhub.conftest import World
from myhealthhub.documents.models import Document
from myhealthhub.documents.tests.files import pdf_with_text
from myhealthhub.tests.commands import clean_environment, migrated_folder, run_command

DAY = 24 * 3600


class Spooled:
    """Where Django spooled each upload, and the modes it had, seen as it was created."""

    def __init__(self) -> None:
        self.seen: list[tuple[Path, int, int]] = []
        self._make = django_temp.NamedTemporaryFile

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        handle = self._make(*args, **kwargs)
        path = Path(handle.name)
        file_mode = path.stat().st_mode & 0o777
        self.seen.append((path, file_mode, path.parent.stat().st_mode & 0o777))
        return handle


@pytest.mark.parametrize("left_open", [False, True], ids=["first-use", "opened-by-hand"])
def test_a_large_upload_waits_in_the_private_folder_not_the_system_temp(
    world: World, settings, monkeypatch, left_open: bool
):
    folder = Path(settings.DATA_DIR) / "uploads"
    shutil.rmtree(folder, ignore_errors=True)
    if left_open:  # a folder made by hand, or copied without its modes
        folder.mkdir(mode=0o755)
        folder.chmod(0o755)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000  # spool anything larger to disk
    spooled = Spooled()
    monkeypatch.setattr(django_temp, "NamedTemporaryFile", spooled)
    letter = pdf_with_text("Informe de alta", "Metformina 850 mg " * 200)
    assert len(letter) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE

    response = world.client("owner").post(
        reverse("documents:upload", args=[world.profile.uuid]),
        {"kind": "discharge_letter", "files": [SimpleUploadedFile("alta.pdf", letter)]},
    )

    assert response.status_code == 302
    assert Document.objects.filter(profile=world.profile, title="alta.pdf").count() == 1
    [(path, file_mode, folder_mode)] = spooled.seen
    assert path.parent == folder and folder.parent == Path(settings.DATA_DIR)
    assert path.parent != Path(tempfile.gettempdir())
    assert (file_mode, folder_mode) == (0o600, 0o700)
    assert list(folder.iterdir()) == [], "the spooled file goes with its request"


@pytest.mark.slow  # migrate and the worker, each a process of its own
def test_the_worker_sweeps_old_leftovers_and_keeps_an_upload_still_arriving(tmp_path: Path):
    env = clean_environment(tmp_path)  # the worker of the database queue, not inline tasks

    def myhealthhub(*args: str) -> subprocess.CompletedProcess[str]:
        return run_command(env, *args)

    migrated_folder(tmp_path)
    folder = tmp_path / "uploads"
    folder.mkdir(mode=0o700)
    left = folder / "tmpk1lled.upload.pdf"
    left.write_bytes(b"%PDF-1.7 a health document a killed process left")
    two_days_ago = time.time() - 2 * DAY
    os.utime(left, (two_days_ago, two_days_ago))
    arriving = folder / "tmpar1ving.upload.pdf"
    arriving.write_bytes(b"%PDF-1.7 still being written")

    worker = myhealthhub("worker", "--batch", "--no-startup-delay")

    assert worker.returncode == 0, worker.stderr
    assert "Removed 1 unfinished upload left behind." in worker.stderr
    assert not left.exists()
    assert arriving.exists()
