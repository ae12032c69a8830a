"""`myhealthhub import`: the same pipeline from a terminal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from myhealthhub.conftest import World
from myhealthhub.imports.fhir.tests.files import LARGEST_SYNTHEA, bundle, condition, patient
from myhealthhub.imports.models import ImportJob, JobState
from myhealthhub.records.models import Condition


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_with_yes_shows_the_preview_and_commits(world: World, tmp_path: Path):
    path = tmp_path / "clinic.json"
    path.write_bytes(bundle(patient("Ana", "García"), condition("Asthma"), condition("Gout")))
    output = run(str(path), "--profile", str(world.profile.uuid), "--yes")
    assert "Conditions" in output or "Condiciones" in output
    assert "2 entries added" in output
    assert Condition.objects.filter(profile=world.profile, display="Asthma").exists()
    job = ImportJob.objects.get(label="clinic.json")
    assert job.state == JobState.COMMITTED
    again = run(str(path), "--profile", str(world.profile.uuid), "--yes")
    assert "0 entries added" in again and "already present" in again


def test_a_real_synthea_bundle_imports_from_the_command_line(world: World):
    output = run(
        str(LARGEST_SYNTHEA), "--profile", str(world.profile.uuid), "--yes", "--other-person"
    )
    assert "Skipped" in output and "ExplanationOfBenefit" in output
    assert ImportJob.objects.get(state=JobState.COMMITTED).counts["added"] > 500


def test_a_refused_file_ends_with_one_line_and_nothing_added(world: World, tmp_path: Path):
    path = tmp_path / "cut.json"
    path.write_bytes(bundle(patient(), condition("Asthma"))[:-30])
    with pytest.raises(CommandError) as refused:
        run(str(path), "--profile", str(world.profile.uuid), "--yes")
    assert "\n" not in str(refused.value)
    assert "line" in str(refused.value)
    assert not Condition.objects.filter(profile=world.profile, display="Asthma").exists()


def test_someone_else_s_file_needs_other_person(world: World, tmp_path: Path):
    path = tmp_path / "rosa.json"
    path.write_bytes(bundle(patient("Rosa", "Pérez"), condition("Asthma")))
    with pytest.raises(CommandError, match="--other-person"):
        run(str(path), "--profile", str(world.profile.uuid), "--yes")
    assert not Condition.objects.filter(profile=world.profile, display="Asthma").exists()
    run(str(path), "--profile", str(world.profile.uuid), "--yes", "--other-person")
    assert Condition.objects.filter(profile=world.profile, display="Asthma").exists()


def test_without_yes_and_without_a_terminal_nothing_is_added(world: World, tmp_path: Path):
    path = tmp_path / "clinic.json"
    path.write_bytes(bundle(patient("Ana", "García"), condition("Asthma")))
    with pytest.raises(CommandError, match="--yes"):
        run(str(path), "--profile", str(world.profile.uuid))
    assert not Condition.objects.filter(profile=world.profile, display="Asthma").exists()
