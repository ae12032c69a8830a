"""`myhealthhub export`: the same exports from a terminal, written whole or not at all."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from icalendar import Calendar

from myhealthhub.audit.models import Action, AuditEvent
from myhealthhub.conftest import World
from myhealthhub.exports import jobs
from myhealthhub.exports.csv import CsvExport
from myhealthhub.exports.tests.test_exports import BrokenExport


def export(world: World, *args: str) -> str:
    out = io.StringIO()
    call_command(
        "export", "--profile", str(world.profile.uuid), *args, stdout=out, stderr=io.StringIO()
    )
    return out.getvalue()


def test_csv_is_written_to_the_path_and_audited(world: World, tmp_path: Path):
    path = tmp_path / "ana.zip"
    output = export(world, "--format", "csv", "--output", str(path))
    assert f"Wrote {path}" in output
    with zipfile.ZipFile(path) as archive:
        assert "medications.csv" in archive.namelist()
        assert "Metformin" in archive.read("medications.csv").decode("utf-8-sig")
    assert [item.name for item in tmp_path.iterdir()] == ["ana.zip"]  # no partial file left
    assert path.stat().st_mode & 0o077 == 0  # health data: the owner's eyes only
    event = AuditEvent.objects.get(action=Action.EXPORT_STARTED, actor=None)
    assert event.actor is None and event.actor_label == "command line"
    assert event.object_type == "export.csv" and event.profile == world.profile


def test_ics_in_the_chosen_language(world: World, tmp_path: Path):
    path = tmp_path / "citas.ics"
    export(world, "--format", "ics", "--output", str(path), "--language", "en")
    uids = [str(event["uid"]) for event in Calendar.from_ical(path.read_bytes()).walk("VEVENT")]
    assert uids == [f"{world.appointment.uuid}@myhealthhub"]


def test_an_existing_file_is_replaced_whole(world: World, tmp_path: Path):
    path = tmp_path / "ana.zip"
    path.write_bytes(b"an older export")
    export(world, "--format", "csv", "--output", str(path))
    assert zipfile.is_zipfile(path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "docx"], "No export format 'docx'"),
        (["--format", "csv", "--language", "fr"], "Choose English or Spanish."),
        (["--format", "pdf", "--paper", "a3"], "Choose A4 or Letter paper."),
    ],
)
def test_bad_choices_end_with_one_line_and_nothing_written(
    world: World, tmp_path: Path, args: list[str], message: str
):
    with pytest.raises(CommandError, match=message) as refused:
        export(world, *args, "--output", str(tmp_path / "out"))
    assert "\n" not in str(refused.value)
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_profile_is_refused(world: World, tmp_path: Path):
    with pytest.raises(CommandError, match="No profile"):
        call_command(
            "export",
            "--profile",
            "00000000-0000-0000-0000-000000000000",
            "--format",
            "csv",
            "--output",
            str(tmp_path / "out.zip"),
        )
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_or_a_folder_as_output_is_refused(world: World, tmp_path: Path):
    with pytest.raises(CommandError, match="is not a folder"):
        export(world, "--format", "csv", "--output", str(tmp_path / "nowhere" / "out.zip"))
    with pytest.raises(CommandError, match="is a folder"):
        export(world, "--format", "csv", "--output", str(tmp_path))
    assert list(tmp_path.iterdir()) == []
    assert not AuditEvent.objects.filter(action=Action.EXPORT_STARTED, actor=None).exists()


def test_a_failing_export_leaves_no_half_file(world: World, tmp_path: Path, monkeypatch):
    registry = {"csv": CsvExport(), "broken": BrokenExport()}
    monkeypatch.setattr(jobs, "exporters", lambda: registry)
    monkeypatch.setattr(
        "myhealthhub.exports.management.commands.export.exporters", lambda: registry
    )
    path = tmp_path / "out.zip"
    path.write_bytes(b"the previous export")
    with pytest.raises(CommandError, match="nothing was written"):
        export(world, "--format", "broken", "--output", str(path))
    assert [item.name for item in tmp_path.iterdir()] == ["out.zip"]
    assert path.read_bytes() == b"the previous export"


def test_the_owner_s_plan_applies_on_the_command_line(world: World, tmp_path: Path, settings):
    settings.PLANS = {"basic": {"name": "Basic", "features": ["export.ics"]}}
    settings.DEFAULT_PLAN = "basic"
    with pytest.raises(CommandError, match="plan of this profile does not include exports"):
        export(world, "--format", "csv", "--output", str(tmp_path / "out.zip"))
    assert list(tmp_path.iterdir()) == []
