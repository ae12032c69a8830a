"""Every place that shows a value, a time or a unit, read by 16 people (issue 16).

One profile, kept by an owner in New York: a glucose result (99 mg/dL, range
70–100), a body weight (70 kg), a body temperature (37 °C) and a blood
pressure (120/80 mm[Hg]), all typed as taken at 09:30 New York time on
15 March 2026, that is 13:30 UTC; and an appointment at that same instant.

Sixteen caregivers read it: from New York and from Madrid, in SI and
conventional laboratory units, in US customary and metric body units, in
English and in Spanish. On 15 March 2026 New York is on summer time (UTC−4)
and Madrid not yet (UTC+1): 13:30 UTC is 9:30 in one and 14:30 in the other.

Each cell of the matrix is one quantity on one surface for one reader, and
says the exact text a careful clinician would write.

The record is built once per module (in a transaction rolled back at the
end) and each reader's pages and exports are rendered once, on first use.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from myhealthhub.accounts.models import BodyUnits, UnitSystem, User
from myhealthhub.conftest import FAST_HASHERS, make_account
from myhealthhub.exports import jobs
from myhealthhub.exports.tests.test_exports import unzip
from myhealthhub.profiles import actions
from myhealthhub.profiles.models import Profile, Role
from myhealthhub.profiles.zones import zone_for
from myhealthhub.records.actions import create_entry
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Entry
from myhealthhub.records.tests.test_values_shown import text_of
from myhealthhub.summary.options import ExportOptions
from myhealthhub.summary.tests.test_summary import pdf_text

# Half an hour before the appointment: it is still upcoming, and the results are today's.
NOW = dt.datetime(2026, 3, 15, 13, 0, tzinfo=dt.UTC)
APPOINTMENT_AT = dt.datetime(2026, 3, 15, 13, 30, tzinfo=dt.UTC)
# The owner, in New York, typed the results' time as 09:30: 13:30 UTC.
TAKEN_ON, TAKEN_AT = dt.date(2026, 3, 15), dt.time(9, 30)
NEW_YORK, MADRID = "America/New_York", "Europe/Madrid"
UCUM = "http://unitsofmeasure.org"

GLUCOSE, WEIGHT, TEMPERATURE, PRESSURE = "2345-7", "29463-7", "8310-5", "85354-9"
RESULTS: dict[str, dict[str, Any]] = {
    GLUCOSE: {
        "display": "Glucose",
        "value_number": 99.0,
        "unit": "mg/dL",
        "unit_text": "mg/dL",
        "reference_low": 70.0,
        "reference_high": 100.0,
    },
    WEIGHT: {"display": "Body weight", "value_number": 70.0, "unit": "kg", "unit_text": "kg"},
    TEMPERATURE: {
        "display": "Body temperature",
        "value_number": 37.0,
        "unit": "Cel",
        "unit_text": "Cel",
    },
    PRESSURE: {
        "display": "Blood pressure",
        "components": [
            {"code": "8480-6", "display": "Systolic", "value": 120.0, "unit": "mm[Hg]"},
            {"code": "8462-4", "display": "Diastolic", "value": 80.0, "unit": "mm[Hg]"},
        ],
    },
}


@dataclass(frozen=True)
class Reader:
    zone: str
    units: str
    body: str
    language: str

    @property
    def name(self) -> str:
        city = "ny" if self.zone == NEW_YORK else "madrid"
        return f"{city}-{self.units}-{self.body}-{self.language}"

    @property
    def es(self) -> bool:
        return self.language == "es"

    @property
    def in_madrid(self) -> bool:
        return self.zone == MADRID


READERS = [
    Reader(zone, units, body, language)
    for zone in (NEW_YORK, MADRID)
    for units in (UnitSystem.CONVENTIONAL.value, UnitSystem.SI.value)
    for body in (BodyUnits.METRIC.value, BodyUnits.US.value)
    for language in ("en", "es")
]


# What a careful clinician writes, for each reader.


def number(text: str, reader: Reader) -> str:
    return text.replace(".", ",") if reader.es else text


def glucose(reader: Reader) -> str:
    return "99 mg/dL" if reader.units == "conventional" else number("5.5 mmol/L", reader)


def glucose_range(reader: Reader) -> str:
    return "70–100" if reader.units == "conventional" else number("3.9–5.6", reader)


def weight(reader: Reader) -> str:
    return "70 kg" if reader.body == "metric" else number("154.3 lb", reader)


def temperature(reader: Reader) -> str:
    return "37 °C" if reader.body == "metric" else number("98.6 °F", reader)


def clock(reader: Reader) -> str:
    """13:30 UTC on the reader's clock, as their language writes it."""
    if reader.es:
        return "14:30" if reader.in_madrid else "09:30"
    return "2:30 p.m." if reader.in_madrid else "9:30 a.m."


def long_date(reader: Reader) -> str:
    return "15 de marzo de 2026" if reader.es else "March 15, 2026"


def moment(reader: Reader) -> str:
    """The appointment on a page: "March 15, 2026, 9:30 a.m.", "15 de marzo de 2026 a las 14:30"."""
    joint = " a las " if reader.es else ", "
    return f"{long_date(reader)}{joint}{clock(reader)}"


def offset_time(reader: Reader) -> str:
    return "2026-03-15T14:30:00+01:00" if reader.in_madrid else "2026-03-15T09:30:00-04:00"


def name(code: str, reader: Reader) -> str:
    spanish = {
        GLUCOSE: "Glucosa",
        WEIGHT: "Peso corporal",
        TEMPERATURE: "Temperatura corporal",
        PRESSURE: "Presión arterial",
    }
    return spanish[code] if reader.es else str(RESULTS[code]["display"])


def pressure(reader: Reader) -> str:
    return "120/80 mmHg"


def value(code: str, reader: Reader) -> str:
    shown: dict[str, Callable[[Reader], str]] = {
        GLUCOSE: glucose,
        WEIGHT: weight,
        TEMPERATURE: temperature,
        PRESSURE: pressure,
    }
    return shown[code](reader)


# The record, and each reader's view of it.


@dataclass
class Scene:
    profile: Profile
    results: dict[str, Entry]
    appointment: Entry
    accounts: dict[Reader, User]
    blocker: Any
    clients: dict[Reader, Client] = field(default_factory=dict)
    rendered: dict[tuple[Reader, str], Any] = field(default_factory=dict)

    def shown(self, reader: Reader, surface: str) -> Any:
        key = (reader, surface)
        if key not in self.rendered:
            with self.blocker.unblock(), time_machine.travel(NOW, tick=False):
                self.rendered[key] = RENDER[surface](self, reader)
        return self.rendered[key]

    def client(self, reader: Reader) -> Client:
        if reader not in self.clients:
            client = Client()
            client.force_login(self.accounts[reader])
            self.clients[reader] = client
        return self.clients[reader]

    def page(self, reader: Reader, name: str, **kwargs: Any) -> str:
        query = kwargs.pop("query", None)
        response = self.client(reader).get(
            reverse(name, kwargs={"profile_uuid": self.profile.uuid, **kwargs}), query
        )
        assert response.status_code == 200, response.status_code
        return text_of(response)

    def export(self, reader: Reader, slug: str) -> bytes:
        out = io.BytesIO()
        jobs.write_export(
            jobs.exporter_for(slug),
            self.profile,
            ExportOptions(language=reader.language),
            out,
            lambda fraction: None,
            zone=zone_for(self.profile, self.accounts[reader]),
            reader=self.accounts[reader],
        )
        return out.getvalue()


def build(blocker: Any) -> Scene:
    owner = make_account("keeper@reads.example.org", language="en")
    owner.time_zone = NEW_YORK
    owner.save(update_fields=["time_zone"])
    profile = actions.create_profile(owner, request=None, given_name="Iris", language="en")
    # The owner's requests run on New York's clock (accounts/middleware.py).
    with timezone.override(NEW_YORK):
        results = {
            code: create_entry(
                KINDS["results"],
                profile,
                actor=owner,
                request=None,
                values={"code": code, "date": TAKEN_ON, "effective_time": TAKEN_AT, **values},
            )
            for code, values in RESULTS.items()
        }
    appointment = create_entry(
        KINDS["appointments"],
        profile,
        actor=owner,
        request=None,
        values={"display": "Dermatology", "starts_at": APPOINTMENT_AT, "status": "booked"},
    )
    accounts = {}
    for reader in READERS:
        account = make_account(f"{reader.name}@reads.example.org", language=reader.language)
        account.time_zone, account.unit_system, account.body_units = (
            reader.zone,
            reader.units,
            reader.body,
        )
        account.save(update_fields=["time_zone", "unit_system", "body_units"])
        actions.grant_access(profile, account, Role.VIEWER, actor=owner, request=None)
        accounts[reader] = account
    scene = Scene(profile, results, appointment, accounts, blocker)
    for reader in READERS:
        # Signed in now, in the module's transaction: a test's rollback keeps the session.
        scene.client(reader)
    return scene


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker) -> Iterator[Scene]:
    with django_db_blocker.unblock():
        kept = transaction.atomic()
        kept.__enter__()
        try:
            with (
                override_settings(PASSWORD_HASHERS=FAST_HASHERS),
                time_machine.travel(NOW, tick=False),
            ):
                built = build(django_db_blocker)
        except BaseException:
            transaction.set_rollback(True)
            kept.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        kept.__exit__(None, None, None)


def _detail(scene: Scene, reader: Reader) -> dict[str, str]:
    entries: dict[str, Entry] = {**scene.results, "appointment": scene.appointment}
    return {
        key: scene.page(
            reader,
            "records:detail",
            kind="appointments" if key == "appointment" else "results",
            entry_uuid=entry.uuid,
        )
        for key, entry in entries.items()
    }


def _csv(scene: Scene, reader: Reader) -> dict[str, dict[str, str]]:
    """Each row by its code (results) or "appointment", as header → cell."""
    tables = unzip(scene.export(reader, "csv"))
    rows: dict[str, dict[str, str]] = {}
    header, *results = tables["results.csv"]
    for row in results:
        cells = dict(zip(header, row, strict=True))
        rows[row[1]] = cells
    header, appointment = tables["appointments.csv"]
    rows["appointment"] = dict(zip(header, appointment, strict=True))
    return rows


def _bundle(scene: Scene, reader: Reader, slug: str) -> dict[str, Any]:
    """The resources by code (observations) or type, and the narrative of the IPS's results."""
    bundle = json.loads(scene.export(reader, slug))
    found: dict[str, Any] = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Observation":
            found[resource["code"]["coding"][0]["code"]] = resource
        else:
            found[resource["resourceType"]] = resource
    return found


def _ics_link(scene: Scene, reader: Reader) -> str:
    kwargs = {"profile_uuid": scene.profile.uuid, "entry_uuid": scene.appointment.uuid}
    response = scene.client(reader).get(reverse("records:appointment_ics", kwargs=kwargs))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


RENDER: dict[str, Callable[[Scene, Reader], Any]] = {
    "results list": lambda scene, reader: scene.page(reader, "records:list", kind="results"),
    "appointments list": lambda scene, reader: scene.page(
        reader, "records:list", kind="appointments"
    ),
    "detail": _detail,
    "overview": lambda scene, reader: scene.page(reader, "profiles:overview"),
    "timeline": lambda scene, reader: scene.page(reader, "records:timeline"),
    "summary": lambda scene, reader: scene.page(
        reader, "summary:page", query={"language": reader.language}
    ),
    "summary pdf": lambda scene, reader: pdf_text(
        scene.client(reader)
        .get(
            reverse("summary:pdf", kwargs={"profile_uuid": scene.profile.uuid}),
            {"language": reader.language},
        )
        .content
    ),
    "csv": _csv,
    "fhir": lambda scene, reader: _bundle(scene, reader, "fhir"),
    "ips": lambda scene, reader: _bundle(scene, reader, "ips"),
    "ics": lambda scene, reader: scene.export(reader, "ics").decode(),
    "ics link": _ics_link,
}


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# The cells: (surface, what) → what the reader must read, and where to look for it.
# A page's cell is a phrase the page's words contain; an export's is a field's exact text.


def quantity_on_list(code: str) -> Callable[[Scene, Reader], tuple[str, str]]:
    def cell(scene: Scene, reader: Reader) -> tuple[str, str]:
        want = f"{name(code, reader)} {long_date(reader)} {value(code, reader)}"
        return want, scene.shown(reader, "results list")

    return cell


def quantity_on_detail(code: str) -> Callable[[Scene, Reader], tuple[str, str]]:
    def cell(scene: Scene, reader: Reader) -> tuple[str, str]:
        label = "Valor" if reader.es else "Value"
        want = f"{label} {value(code, reader)}"
        if code == GLUCOSE:
            unit = glucose(reader).split(" ")[1]
            if reader.units == "si":
                # The value as the laboratory wrote it, one look away.
                want += " Tal como se registró 99 mg/dL" if reader.es else " As recorded 99 mg/dL"
            ranged = "Intervalo de referencia" if reader.es else "Reference range"
            want += f" {ranged} {glucose_range(reader)} {unit}"
        return want, scene.shown(reader, "detail")[code]

    return cell


def quantity_on_overview(code: str) -> Callable[[Scene, Reader], tuple[str, str]]:
    def cell(scene: Scene, reader: Reader) -> tuple[str, str]:
        want = f"{name(code, reader)} : {value(code, reader)} · {long_date(reader)}"
        return want, scene.shown(reader, "overview")

    return cell


def quantity_in_summary(surface: str, code: str) -> Callable[[Scene, Reader], tuple[str, str]]:
    def cell(scene: Scene, reader: Reader) -> tuple[str, str]:
        want = f"{name(code, reader)} {value(code, reader)}"
        if code == GLUCOSE:
            want += f" ref. {glucose_range(reader)}"
        return want, scene.shown(reader, surface)

    return cell


def appointment_in_summary(surface: str) -> Callable[[Scene, Reader], tuple[str, str]]:
    def cell(scene: Scene, reader: Reader) -> tuple[str, str]:
        return f"Dermatology 15 Mar 2026, {clock(reader)}", scene.shown(reader, surface)

    return cell


def shown_on_csv(code: str) -> Callable[[Scene, Reader], tuple[str, str]]:
    def cell(scene: Scene, reader: Reader) -> tuple[str, str]:
        column = "Valor mostrado" if reader.es else "Value as shown"
        return value(code, reader), scene.shown(reader, "csv")[code][column]

    return cell


def result_time_on_csv(scene: Scene, reader: Reader) -> tuple[str, str]:
    column = "Hora" if reader.es else "Time"
    row = scene.shown(reader, "csv")[GLUCOSE]
    return ("14:30" if reader.in_madrid else "09:30"), row.get(column, f"no column {column!r}")


def appointment_on_csv(scene: Scene, reader: Reader) -> tuple[str, str]:
    column = "Inicio" if reader.es else "Starts"
    want = "2026-03-15T14:30+01:00" if reader.in_madrid else "2026-03-15T09:30-04:00"
    return want, scene.shown(reader, "csv")["appointment"][column]


def quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


STORED: dict[str, tuple[str, Any]] = {
    GLUCOSE: ("valueQuantity", quantity(99.0, "mg/dL")),
    WEIGHT: ("valueQuantity", quantity(70.0, "kg")),
    TEMPERATURE: ("valueQuantity", quantity(37.0, "Cel")),
    PRESSURE: (
        "component",
        [
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": part}], "text": text},
                "valueQuantity": quantity(number, "mm[Hg]"),
            }
            for part, text, number in (("8480-6", "Systolic", 120.0), ("8462-4", "Diastolic", 80.0))
        ],
    ),
}


def stored_in(surface: str, code: str) -> Callable[[Scene, Reader], tuple[str, str]]:
    def cell(scene: Scene, reader: Reader) -> tuple[str, str]:
        key, want = STORED[code]
        return compact(want), compact(scene.shown(reader, surface)[code].get(key))

    return cell


def glucose_range_in(surface: str) -> Callable[[Scene, Reader], tuple[str, str]]:
    def cell(scene: Scene, reader: Reader) -> tuple[str, str]:
        want = [{"low": quantity(70.0, "mg/dL"), "high": quantity(100.0, "mg/dL")}]
        return compact(want), compact(scene.shown(reader, surface)[GLUCOSE].get("referenceRange"))

    return cell


def taken_in(surface: str) -> Callable[[Scene, Reader], tuple[str, str]]:
    """A result's moment as it was recorded, New York's offset and all, for every reader."""

    def cell(scene: Scene, reader: Reader) -> tuple[str, str]:
        want = "2026-03-15T09:30:00-04:00"
        return want, scene.shown(reader, surface)[GLUCOSE].get("effectiveDateTime")

    return cell


def appointment_in_fhir(scene: Scene, reader: Reader) -> tuple[str, str]:
    return offset_time(reader), scene.shown(reader, "fhir")["Appointment"].get("start")


def narrative_of_ips(code: str) -> Callable[[Scene, Reader], tuple[str, str]]:
    """The IPS's human-readable results: as recorded, like the coded values beside them."""

    def cell(scene: Scene, reader: Reader) -> tuple[str, str]:
        recorded = {
            GLUCOSE: "99 mg/dL",
            WEIGHT: "70 kg",
            TEMPERATURE: "37 °C",
            PRESSURE: "120/80 mmHg",
        }[code]
        sections = scene.shown(reader, "ips")["Composition"]["section"]
        (results,) = (part for part in sections if part["code"]["coding"][0]["code"] == "30954-2")
        # The line's name is left out: what is checked here is its value and date.
        return f" · {recorded} · {long_date(reader)}</li>", results["text"]["div"]

    return cell


def appointment_in_ics(scene: Scene, reader: Reader) -> tuple[str, str]:
    text = scene.shown(reader, "ics")
    return "DTSTART:20260315T133000Z\r\n", text


def appointment_in_ics_link(scene: Scene, reader: Reader) -> tuple[str, str]:
    """The appointment page's "Add to my calendar (.ics)"."""
    return "DTSTART:20260315T133000Z\r\n", scene.shown(reader, "ics link")


def appointment_on(surface: str) -> Callable[[Scene, Reader], tuple[str, str]]:
    def cell(scene: Scene, reader: Reader) -> tuple[str, str]:
        shown = scene.shown(reader, surface)
        if surface == "detail":
            label = "Inicio" if reader.es else "Starts"
            return f"{label} {moment(reader)}", shown["appointment"]
        if surface == "overview":
            return f"Dermatology · {moment(reader)}", shown
        return f"Dermatology {long_date(reader)} {moment(reader)}", shown

    return cell


def result_time_on_detail(scene: Scene, reader: Reader) -> tuple[str, str]:
    label = "Hora" if reader.es else "Time"
    return f"{label} {clock(reader)}", scene.shown(reader, "detail")[GLUCOSE]


def timeline_line(code: str) -> Callable[[Scene, Reader], tuple[str, str]]:
    def cell(scene: Scene, reader: Reader) -> tuple[str, str]:
        if code == "appointment":
            kind, shown_name = ("Cita" if reader.es else "Appointment"), "Dermatology"
        else:
            kind, shown_name = ("Resultado" if reader.es else "Result"), name(code, reader)
        return f"{long_date(reader)} {kind} {shown_name} ·", scene.shown(reader, "timeline")

    return cell


CODES = {"glucose": GLUCOSE, "weight": WEIGHT, "temperature": TEMPERATURE, "pressure": PRESSURE}
CELLS: dict[tuple[str, str], Callable[[Scene, Reader], tuple[str, str]]] = {
    **{("results list", what): quantity_on_list(code) for what, code in CODES.items()},
    ("appointments list", "appointment"): appointment_on("appointments list"),
    **{("detail", what): quantity_on_detail(code) for what, code in CODES.items()},
    ("detail", "result time"): result_time_on_detail,
    ("detail", "appointment"): appointment_on("detail"),
    **{("overview", what): quantity_on_overview(code) for what, code in CODES.items()},
    ("overview", "appointment"): appointment_on("overview"),
    ("timeline", "glucose"): timeline_line(GLUCOSE),
    ("timeline", "appointment"): timeline_line("appointment"),
    **{
        (surface, what): quantity_in_summary(surface, code)
        for surface in ("summary", "summary pdf")
        for what, code in CODES.items()
    },
    ("summary", "appointment"): appointment_in_summary("summary"),
    ("summary pdf", "appointment"): appointment_in_summary("summary pdf"),
    **{("csv", what): shown_on_csv(code) for what, code in CODES.items()},
    ("csv", "result time"): result_time_on_csv,
    ("csv", "appointment"): appointment_on_csv,
    **{
        (surface, what): stored_in(surface, code)
        for surface in ("fhir", "ips")
        for what, code in CODES.items()
    },
    ("fhir", "glucose range"): glucose_range_in("fhir"),
    ("ips", "glucose range"): glucose_range_in("ips"),
    ("fhir", "result time"): taken_in("fhir"),
    ("ips", "result time"): taken_in("ips"),
    ("fhir", "appointment"): appointment_in_fhir,
    **{("ips", f"{what} narrative"): narrative_of_ips(code) for what, code in CODES.items()},
    ("ics", "appointment"): appointment_in_ics,
    ("ics link", "appointment"): appointment_in_ics_link,
}
# Exports' fields are compared whole; pages' phrases are looked for in the page.
WHOLE = {"csv", "fhir", "ips"}


def cells() -> Iterator[Any]:
    for (surface, what), _cell in CELLS.items():
        for reader in READERS:
            yield pytest.param(surface, what, reader, id=f"{surface}|{what}|{reader.name}")


@pytest.mark.django_db
@pytest.mark.parametrize(("surface", "what", "reader"), list(cells()))
def test_each_reader_reads_the_right_text(scene: Scene, surface: str, what: str, reader: Reader):
    want, shown = CELLS[surface, what](scene, reader)
    if surface in WHOLE and "narrative" not in what:
        assert shown == want
    else:
        assert want in shown, near(want, shown)


def near(want: str, shown: str) -> str:
    """What the page says where the phrase should be: around its first word, else all of it."""
    at = shown.find(want.split(" ")[0])
    return shown if at < 0 else shown[max(at - 60, 0) : at + len(want) + 120]


def test_the_matrix_has_every_reader():
    assert len(set(READERS)) == 16
    assert {(r.zone, r.units, r.body, r.language) for r in READERS} == {
        (zone, units, body, language)
        for zone in (NEW_YORK, MADRID)
        for units in ("conventional", "si")
        for body in ("metric", "us")
        for language in ("en", "es")
    }
