"""An import's Source says what the document says it is: who sent it, its title, its date.

The file's name (often a UUID wrapping over three lines of a PDF) stays the
import's own label, for the entry's page to link to.
"""

from __future__ import annotations

import io

from django.utils import translation

from myhealthhub.conftest import World
from myhealthhub.imports.models import ImportJob, JobState
from myhealthhub.imports.pipeline import request_commit, start_import
from myhealthhub.records.models import Source
from myhealthhub.records.sources import source_label
from myhealthhub.tests.real_files import ours

CCDA = "ccda/jdd_PracticeFusion_AliceNewmanApi.xml"
IPS = "ips/hl7ri_IPS-bundle-01.json"


def imported(world: World, path: str) -> ImportJob:
    file = ours(path)
    job = start_import(
        world.profile,
        [(file.name, io.BytesIO(file.read_bytes()))],
        actor=world.accounts["owner"],
        request=None,
    )
    job.refresh_from_db()
    assert job.state == JobState.READY, (job.state, job.message)
    request_commit(
        job, actor=world.accounts["owner"], apply_demographics=False, other_person_confirmed=True
    )
    job.refresh_from_db()
    assert job.state == JobState.COMMITTED, (job.state, job.message)
    return job


def labels(source: Source, language: str) -> tuple[str, str]:
    with translation.override(language):
        return source_label(source, None), source_label(source, None, short=True)


def test_a_ccda_is_named_by_its_header(world: World):
    job = imported(world, CCDA)
    source = job.source
    assert source is not None
    assert source.label == "Clinical Summary"
    assert source.facility == "Neighborhood Physicians Practice"
    assert source.written_on is not None and source.written_on.isoformat() == "2017-09-07"
    assert job.label == "jdd_PracticeFusion_AliceNewmanApi.xml"
    for language in ("en", "es"):
        assert labels(source, language) == (
            "Neighborhood Physicians Practice — Clinical Summary, 7 Sep 2017",
            "Neighborhood Physicians Practice, 7 Sep 2017",
        )


def test_an_ips_is_named_by_its_composition(world: World):
    source = imported(world, IPS).source
    assert source is not None
    organisation = "Anorg Aniza Tion BV / The best custodian ever"
    title = "Patient Summary as of December 11, 2017 14:30"
    assert (source.facility, source.label) == (organisation, title)
    assert labels(source, "en") == (
        f"{organisation} — {title}, 11 Dec 2017",
        f"{organisation}, 11 Dec 2017",
    )
    assert labels(source, "es") == (
        f"{organisation} — {title}, 11 Dic 2017",
        f"{organisation}, 11 Dic 2017",
    )


def test_a_file_that_says_nothing_of_itself_is_not_named_by_its_file(world: World):
    # The standing world's import: a bare collection bundle, no Composition, no sender.
    job = world.import_job
    request_commit(
        job, actor=world.accounts["owner"], apply_demographics=False, other_person_confirmed=True
    )
    job.refresh_from_db()
    assert job.source is not None
    assert job.source.label == ""
    assert labels(job.source, "en") == ("Imported file", "Imported file")
