"""The same FHIR content reads the same in every form it is written in (issue 15, "Nothing lost").

Pretty-printed or minified, keys in any order (resourceType last too), with
a byte order mark, with CRLF line ends, as NDJSON with blank lines, and as
FHIR XML: each form is recognised as FHIR and read to the same entries.
"""

from __future__ import annotations

import dataclasses
import io
import json
import random
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from myhealthhub.conftest import World
from myhealthhub.errors import Refused
from myhealthhub.imports.base import Mapping, Upload, no_progress
from myhealthhub.imports.ccda.importer import Ccda
from myhealthhub.imports.fhir.from_xml import FHIR
from myhealthhub.imports.fhir.tests.files import IPS
from myhealthhub.imports.formats import detect, formats
from myhealthhub.imports.models import JobState
from myhealthhub.imports.tests.test_pipeline import new_profile
from myhealthhub.imports.tests.test_pipeline import read as import_files

Json = dict[str, Any]

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
IDS = "https://example.org/ids"
DTD_MESSAGE = "This file declares a document type (DTD)"


# Content ----------------------------------------------------------------------

# Text a person may write: any letter, mark, number, punctuation or space, as
# XML can hold no control character (JSON can; the reader scrubs those apart).
texts = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn")), min_size=1, max_size=30
).filter(lambda text: text.strip())
codes = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9.-]{0,11}", fullmatch=True)
amounts = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 3)),
)


def identifier(value: str) -> list[Json]:
    # Every resource carries one, so its key is the same with or without a bundle's fullUrl.
    return [{"system": IDS, "value": value}]


@st.composite
def patients(draw: st.DrawFn) -> Json:
    return {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": identifier("p1"),
        "active": draw(st.booleans()),
        "name": [{"use": "official", "family": draw(texts), "given": [draw(texts)]}],
        "gender": draw(st.sampled_from(["female", "male", "other", "unknown"])),
        "birthDate": draw(st.dates()).isoformat(),
    }


@st.composite
def conditions(draw: st.DrawFn, number: int) -> Json:
    return {
        "resourceType": "Condition",
        "id": f"c{number}",
        "identifier": identifier(f"c{number}"),
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": draw(st.sampled_from(["active", "resolved", "inactive"])),
                }
            ]
        },
        "code": {
            "coding": [{"system": SNOMED, "code": draw(codes), "display": draw(texts)}],
            "text": draw(texts),
        },
        "subject": {"reference": "Patient/p1"},
        "onsetDateTime": draw(st.dates()).isoformat(),
        "note": [{"text": draw(texts)}],
    }


@st.composite
def observations(draw: st.DrawFn, number: int) -> Json:
    return {
        "resourceType": "Observation",
        "id": f"o{number}",
        "identifier": identifier(f"o{number}"),
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": LOINC, "code": draw(codes), "display": draw(texts)}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": draw(st.dates()).isoformat(),
        "valueQuantity": {
            "value": draw(amounts),
            "unit": draw(texts),
            "system": "http://unitsofmeasure.org",
            "code": draw(codes),
        },
    }


@st.composite
def bundles(draw: st.DrawFn) -> Json:
    resources = [draw(patients())]
    for number in range(draw(st.integers(0, 3))):
        resources.append(draw(conditions(number)))
    for number in range(draw(st.integers(0, 3))):
        resources.append(draw(observations(number)))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": f"https://example.org/fhir/{r['resourceType']}/{r['id']}",
                "resource": r,
            }
            for r in resources
        ],
    }


# Forms ------------------------------------------------------------------------


def reordered(value: Any, order: random.Random | None) -> Any:
    """``value`` with every object's keys shuffled by ``order``, or resourceType last if None."""
    if isinstance(value, list):
        return [reordered(item, order) for item in value]
    if not isinstance(value, dict):
        return value
    keys = list(value)
    if order is None:
        keys.sort(key=lambda key: key == "resourceType")
    else:
        order.shuffle(keys)
    return {key: reordered(value[key], order) for key in keys}


def as_xml(resource: Json) -> bytes:
    """FHIR XML of plain content (no primitive extensions, no narrative), as FHIR defines it."""

    def fill(element: etree._Element, value: Json) -> None:
        for name, held in value.items():
            for item in held if isinstance(held, list) else [held]:
                child = etree.SubElement(element, f"{{{FHIR}}}{name}")
                if isinstance(item, dict) and "resourceType" in item:
                    inner = etree.SubElement(child, f"{{{FHIR}}}{item['resourceType']}")
                    fill(inner, {k: v for k, v in item.items() if k != "resourceType"})
                elif isinstance(item, dict):
                    fill(child, item)
                elif isinstance(item, bool):
                    child.set("value", "true" if item else "false")
                else:
                    child.set("value", str(item))

    root = etree.fromstring(f'<{resource["resourceType"]} xmlns="{FHIR}"/>')
    fill(root, {k: v for k, v in resource.items() if k != "resourceType"})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def forms(bundle: Json, order: random.Random) -> dict[str, tuple[str, bytes]]:
    pretty = json.dumps(bundle, indent=2, ensure_ascii=False)
    resources = [entry["resource"] for entry in bundle["entry"]]
    ndjson = "\n\n".join(json.dumps(r, ensure_ascii=False) for r in resources) + "\n\n"
    return {
        "pretty": ("b.json", pretty.encode()),
        "minified": ("b.json", json.dumps(bundle, separators=(",", ":")).encode()),
        "shuffled": ("b.json", json.dumps(reordered(bundle, order), indent=1).encode()),
        "type last": ("b.json", json.dumps(reordered(bundle, None), indent=4).encode()),
        "bom": ("b.json", b"\xef\xbb\xbf" + pretty.encode()),
        "crlf": ("b.json", pretty.replace("\n", "\r\n").encode()),
        "ndjson": ("Everything.ndjson", ndjson.encode()),
        "xml": ("b.xml", as_xml(bundle)),
    }


# Reading ----------------------------------------------------------------------


def upload(name: str, content: bytes) -> Upload:
    return Upload(name, io.BytesIO(content), len(content))


def read(name: str, content: bytes) -> Mapping:
    files = [upload(name, content)]
    assert detect(files).name == "fhir", name
    return formats()["fhir"].read(files, no_progress)


def entries(mapping: Mapping) -> list[tuple[str, str, str]]:
    return [(entry.kind, entry.key, repr(entry.values)) for entry in mapping.entries]


def people(mapping: Mapping) -> list[str]:
    # Where a person is in the file is said in each form's own way.
    return [repr(dataclasses.replace(person, where="")) for person in mapping.patients]


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(bundles(), st.randoms(use_true_random=False))
def test_every_form_of_the_same_content_reads_the_same(bundle: Json, order: random.Random):
    found = {form: read(*written) for form, written in forms(bundle, order).items()}
    expected = found.pop("pretty")
    assert len(expected.entries) == len(bundle["entry"]) - 1  # the patient is no entry
    for form, mapping in found.items():
        assert entries(mapping) == entries(expected), form
        assert people(mapping) == people(expected), form
        warnings = sorted(warning.message for warning in mapping.warnings)
        assert warnings == sorted(warning.message for warning in expected.warnings), form


# Pattern 1: valid JSON with resourceType far from the start ---------------------


def late_bundle() -> bytes:
    """A pretty-printed bundle that names every type last: none in its first 4 KB."""
    resources = [
        *(
            {
                "resourceType": "Condition",
                "id": f"c{number}",
                "code": {"text": f"Condition number {number}"},
                "subject": {"reference": "Patient/p1"},
                "note": [{"text": "A long note, as a clinician writes them. " * 30}] * 4,
            }
            for number in range(12)
        ),
        {"resourceType": "Patient", "id": "p1", "name": [{"family": "García", "given": ["Ana"]}]},
    ]
    bundle = {
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:uuid:00000000-0000-0000-0000-{n:012d}", "resource": r}
            for n, r in enumerate(resources)
        ],
        "resourceType": "Bundle",
    }
    return json.dumps(reordered(bundle, None), indent=2, ensure_ascii=False).encode()


def test_a_bundle_naming_its_type_last_is_fhir_however_far_that_is():
    content = late_bundle()
    assert b"resourceType" not in content[:4096]
    mapping = read("export.json", content)
    assert len([entry for entry in mapping.entries if entry.kind == "conditions"]) == 12


def test_a_bundle_naming_its_type_last_imports(world: World):
    profile = new_profile(world)
    job = import_files(profile, [("export.json", late_bundle())], world)
    assert job.state == JobState.READY, (job.message, job.where)
    assert sum(row["new"] for row in job.preview["kinds"]) >= 12


def test_json_that_holds_no_resource_is_still_not_recognised():
    content = json.dumps({"patients": [{"name": "x" * 5000}], "version": 2}).encode()
    with pytest.raises(Refused, match="does not recognise the format"):
        detect([upload("data.json", content)])


def test_json_mentioning_resource_type_only_in_a_text_is_refused_as_not_fhir():
    # "resourceType" in a text, past the head: claimed, then refused for what it is.
    content = json.dumps({"padding": "x" * 5000, "note": "resourceType"}).encode()
    files = [upload("data.json", content)]
    assert detect(files).name == "fhir"
    with pytest.raises(Refused, match="This JSON file is not FHIR"):
        formats()["fhir"].read(files, no_progress)


# Pattern 8: FHIR XML ------------------------------------------------------------


PATIENT_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- exported by a national IPS service -->
<Patient xmlns="http://hl7.org/fhir">
  <id value="p1"/>
  <name>
    <family value="Garc\xc3\xada"/>
    <given value="Ana"/>
  </name>
  <birthDate value="1970-05-01"/>
</Patient>
"""


def test_a_single_fhir_xml_resource_is_fhir_not_a_clinical_document():
    files = [upload("patient.xml", PATIENT_XML)]
    assert not Ccda().recognizes(files[0])
    mapping = read("patient.xml", PATIENT_XML)
    (person,) = mapping.patients
    assert "García" in repr(person)


def test_a_fhir_xml_import_keeps_its_original_as_fhir_xml(world: World):
    profile = new_profile(world)
    job = import_files(profile, [("patient.xml", PATIENT_XML)], world)
    assert job.state == JobState.READY, (job.message, job.where)
    original = job.originals.get().document
    assert original is not None
    assert (original.content_type, original.file.size) == ("application/fhir+xml", len(PATIENT_XML))


def test_fhir_xml_with_a_document_type_is_refused():
    content = b"""<?xml version="1.0"?>
<!DOCTYPE Bundle [<!ENTITY name SYSTEM "file:///etc/passwd">]>
<Bundle xmlns="http://hl7.org/fhir">
  <type value="collection"/>
  <entry><resource><Patient><id value="p1"/><name><family value="&name;"/></name></Patient></resource></entry>
</Bundle>
"""
    files = [upload("ips.xml", content)]
    with pytest.raises(Refused, match=r"declares a document type \(DTD\)"):
        detect(files).read(files, no_progress)
    with pytest.raises(Refused, match=r"declares a document type \(DTD\)"):
        formats()["fhir"].read(files, no_progress)


def test_fhir_xml_that_is_not_well_formed_says_where():
    content = b'<Bundle xmlns="http://hl7.org/fhir">\n<type value="collection">\n</Bundle>\n'
    files = [upload("ips.xml", content)]
    with pytest.raises(Refused, match="not well-formed XML") as refused:
        formats()["fhir"].read(files, no_progress)
    assert refused.value.where.startswith("line ")


def test_a_zip_of_fhir_xml_files_is_read():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("summary/patient.xml", PATIENT_XML)
        archive.writestr("summary/readme.txt", "Exported on request")
    content = buffer.getvalue()
    mapping = read("summary.zip", content)
    assert len(mapping.patients) == 1


IPS_VALIDATED = [
    pytest.param(path, id=path.name[:40])
    for path in IPS
    # fhir.resources refuses it (a section's narrative with no div), so cannot write its XML.
    if path.name != "cxn_EU_IPS_wylem_bars.json"
]


@pytest.mark.parametrize("path", IPS_VALIDATED)
def test_an_ips_bundle_reads_the_same_as_fhir_xml(path: Path):
    from fhir.resources.R4B.bundle import Bundle  # a test dependency: writes real FHIR XML

    bundle = Bundle.model_validate_json(path.read_bytes())
    xml = bundle.model_dump_xml(pretty_print=True)
    json_form = read(path.name, bundle.model_dump_json().encode())
    xml_form = read(path.with_suffix(".xml").name, xml.encode() if isinstance(xml, str) else xml)
    assert entries(xml_form) == entries(json_form)
    assert people(xml_form) == people(json_form)
    assert len(xml_form.documents) == len(json_form.documents)
