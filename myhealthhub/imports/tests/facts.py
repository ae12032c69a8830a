"""The facts a person would check in a health record file, read straight from it (issue 15).

"Nothing lost": every medicine's name, dose and start; every result's code,
value with its unit, and time; every allergy's substance and reactions. They
are read here with plain ``json`` and ``lxml`` walking and rules of their
own, never with the importer's readers, so that what the database holds is
checked against the file and not against the importer's idea of it.

A fact is a tuple of fields. The file side gives, per field, every reading a
person would accept (a C-CDA medicine is named by its original text, its
code's display name or a translation's); the database side (test_facts.py)
gives one. Both go through ``norm``, which removes only what is presentation.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

KINDS = ("medication", "result", "allergy")
Json = dict[str, Any]


@dataclass(frozen=True)
class Fact:
    """One fact of the file: what the table shows, and each field's accepted readings."""

    kind: str
    shown: tuple[str, ...]
    accepted: tuple[frozenset[str], ...]
    where: str

    @property
    def label(self) -> str:
        return f"{self.kind}: " + " | ".join(self.shown)


def fact(kind: str, where: str, *fields: Iterable[str]) -> Fact:
    """A fact whose fields are each a list of readings, the first one the one shown."""
    readings = [list(dict.fromkeys(norm(each) for each in field)) or [""] for field in fields]
    return Fact(kind, tuple(r[0] for r in readings), tuple(frozenset(r) for r in readings), where)


def label(kind: str, values: tuple[str, ...]) -> str:
    return f"{kind}: " + " | ".join(values)


# Normalising: what differs only in how it is written ----------------------------

_SPACES = re.compile(r"\s+")
_DASHES = re.compile(r"\s*[‐‑‒–—]\s*")
_DECIMAL = re.compile(r"(?<![\d.])(\d+)\.(\d+)(?![\d.])")
_BRACES = re.compile(r"\{([^{}]*)\}")


def norm(text: str) -> str:
    """``text`` as a person compares it: layout, case and number formatting aside.

    - whitespace (non-breaking spaces too) collapsed: the narrative's layout;
    - case folded: vendors write a name in capitals in one place, mixed in
      another, and a unit as "MG/DL" or "mg/dL";
    - any dash between two parts ("5–7") is "-": a typographical choice;
    - trailing zeros of decimals dropped ("1.90" is 1.9, "120.0" is 120);
    - UCUM annotations read as their words ("{tablet}" is "tablet").
    """
    text = _SPACES.sub(" ", text.replace("\xa0", " ")).strip().casefold()
    text = _DASHES.sub("-", text)
    text = _BRACES.sub(r"\1", text)
    return _DECIMAL.sub(_decimal, text)


def _decimal(match: re.Match[str]) -> str:
    fraction = match.group(2).rstrip("0")
    return f"{match.group(1)}.{fraction}" if fraction else match.group(1)


def number(value: object) -> str:
    """A JSON or database number as written in words: 120.0 is "120", 1.90 is "1.9"."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return norm(repr(value))
    return str(value) if isinstance(value, int) else ""


def reading(amount: str, unit: str) -> str:
    """A value and its unit as one reads them; UCUM's "1" is no unit."""
    unit = "" if unit.strip() in ("", "1") else unit
    return f"{amount} {unit}".strip()


def products(options: list[list[str]], joiner: str, ordered: bool = True) -> list[str]:
    """Every way to read a list whose items each have several readings, joined."""
    options = [[norm(each) for each in option] for option in options]
    options = [[each for each in option if each] for option in options]
    found = []
    for combination in itertools.islice(itertools.product(*filter(None, options)), 512):
        items = list(combination) if ordered else sorted(set(combination))
        found.append(joiner.join(items))
    return found


# Dates as written, no time zone applied: a result taken at 9:00 in the
# clinic's zone is checked at 9:00. Seconds' fractions are left out: a
# person reads a time to the second.
_FHIR_TIME = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?[^Z+-]*(?:Z|[+-].*)?)?)?)?"
)
_CDA_TIME = re.compile(
    r"(\d{4})(\d{2})?(\d{2})?(?:(\d{2})(\d{2})?(\d{2})?)?(?:\.\d+)?\s*([+-]\d+|Z)?"
)


def when(parts: tuple[str | None, ...], time_too: bool) -> str:
    """ "2019", "2019-03", "2019-03-04" or "2019-03-04 10:30:00" from its written parts."""
    year, month, day, hour, minute, second = (list(parts) + [None] * 6)[:6]
    # "20150000": a zero month or day is how some vendors write "unknown".
    if month in (None, "00"):
        return year or ""
    if day in (None, "00"):
        return f"{year}-{month}"
    shown = f"{year}-{month}-{day}"
    if time_too and hour is not None:
        shown += f" {hour}:{minute or '00'}:{second or '00'}"
    return shown


def fhir_when(value: object, time_too: bool = False) -> str:
    match = _FHIR_TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    return when(match.groups(), time_too) if match else ""


def cda_when(value: str, time_too: bool = False) -> str:
    match = _CDA_TIME.fullmatch(value.strip())
    return when(match.groups()[:6], time_too) if match else ""


# FHIR --------------------------------------------------------------------------


def _objs(value: object) -> list[Json]:
    values = value if isinstance(value, list) else [value]
    return [each for each in values if isinstance(each, dict)]


def _names(concept: object) -> list[str]:
    """A codeable concept's readings: its text, then each coding's display."""
    concept = concept if isinstance(concept, dict) else {}
    names = [concept.get("text")] + [c.get("display") for c in _objs(concept.get("coding"))]
    return [name for name in names if isinstance(name, str) and name.strip()]


def _codes(concept: object) -> list[str]:
    concept = concept if isinstance(concept, dict) else {}
    return [c["code"] for c in _objs(concept.get("coding")) if isinstance(c.get("code"), str)]


def _quantity(quantity: object) -> list[str]:
    """A Quantity as read: its value with its unit as shown, or with its UCUM code."""
    quantity = quantity if isinstance(quantity, dict) else {}
    amount = number(quantity.get("value"))
    if not amount:
        return []
    amount = str(quantity.get("comparator") or "") + amount
    units = [quantity.get("unit"), quantity.get("code")]
    return [reading(amount, u) for u in units if isinstance(u, str)] or [amount]


@dataclass
class FhirFile:
    """Resources of a bundle (or of NDJSON files), found by reference."""

    resources: list[tuple[Json, str]]
    by_reference: dict[str, Json]

    @classmethod
    def read(cls, paths: list[Path]) -> FhirFile:
        resources: list[tuple[Json, str]] = []
        by_reference: dict[str, Json] = {}
        for path in paths:
            text = path.read_text(encoding="utf-8-sig")
            if path.suffix == ".ndjson":
                lines = enumerate(text.splitlines(), start=1)
                found = [
                    (json.loads(line), f"{path.name}, line {n}", "")
                    for n, line in lines
                    if line.strip()
                ]
            else:
                document = json.loads(text)
                entries = (
                    document.get("entry", []) if document.get("resourceType") == "Bundle" else []
                )
                found = [
                    (e["resource"], f"/entry/{i}", e.get("fullUrl", ""))
                    for i, e in enumerate(entries)
                ]
            for resource, where, full_url in found:
                if not isinstance(resource, dict) or "resourceType" not in resource:
                    continue
                resources.append((resource, where))
                by_reference[f"{resource['resourceType']}/{resource.get('id')}"] = resource
                if full_url:
                    by_reference[full_url] = resource
        return cls(resources, by_reference)

    def resolve(self, reference: object, holder: Json) -> Json | None:
        target = reference.get("reference") if isinstance(reference, dict) else None
        if not isinstance(target, str):
            return None
        if target.startswith("#"):
            return next(
                (c for c in _objs(holder.get("contained")) if c.get("id") == target[1:]), None
            )
        return self.by_reference.get(target) or self.by_reference.get(
            "/".join(target.split("/")[-2:])
        )

    def of(self, *types: str, patient: str = "") -> Iterator[tuple[Json, str]]:
        for resource, where in self.resources:
            if resource["resourceType"] not in types:
                continue
            subject = resource.get("subject") or resource.get("patient") or {}
            if patient and subject.get("reference") != f"Patient/{patient}":
                continue
            yield resource, where


def fhir_facts(paths: list[Path], patient: str = "") -> list[Fact]:
    """The facts of FHIR files; of one ``patient`` (a Patient id) of a bulk export."""
    read = FhirFile.read(paths)
    found = []
    for resource, where in read.of("MedicationStatement", "MedicationRequest", patient=patient):
        found.append(_fhir_medication(read, resource, where))
    for resource, where in read.of("Observation", patient=patient):
        found.extend(_fhir_results(resource, where))
    for resource, where in read.of("AllergyIntolerance", patient=patient):
        found.extend(_fhir_allergy(resource, where))
    return found


def _fhir_medication(read: FhirFile, resource: Json, where: str) -> Fact:
    names = _names(resource.get("medicationCodeableConcept"))
    reference = resource.get("medicationReference")
    if not names and isinstance(reference, dict):
        medicine = read.resolve(reference, resource)
        names = _names(medicine.get("code")) if medicine else []
        names = names or [reference.get("display") or ""]
    dosages = _objs(resource.get("dosage")) + _objs(resource.get("dosageInstruction"))
    doses: list[str] = []
    for dose in _objs(dosages[0].get("doseAndRate")) if dosages else []:
        doses = _quantity(dose.get("doseQuantity"))
        low_high = dose.get("doseRange") or {}
        if not doses and low_high:
            low, high = _quantity(low_high.get("low")), _quantity(low_high.get("high"))
            doses = [f"{a}-{b}" for a in low or [""] for b in high or [""]]
        if doses:
            break
    # A statement's start is its effective time; a prescription's is the start
    # of its bounds (when to take it), else the day it was written.
    if resource["resourceType"] == "MedicationStatement":
        period = resource.get("effectivePeriod") or {}
        start = fhir_when(resource.get("effectiveDateTime") or period.get("start"))
    else:
        bounds = [
            ((d.get("timing") or {}).get("repeat") or {}).get("boundsPeriod") or {}
            for d in _objs(resource.get("dosageInstruction"))
        ]
        start = next((fhir_when(b["start"]) for b in bounds if b.get("start")), "")
        start = start or fhir_when(resource.get("authoredOn"))
    return fact("medication", where, names or [""], doses or [""], [start])


def _fhir_value(holder: Json) -> list[str]:
    """Every way to read an observation's (or component's) value, [] if it has none."""
    if "valueQuantity" in holder:
        return _quantity(holder["valueQuantity"])
    if "valueInteger" in holder:
        return [number(holder["valueInteger"])]
    if "valueCodeableConcept" in holder:
        return _names(holder["valueCodeableConcept"]) + _codes(holder["valueCodeableConcept"])
    if isinstance(holder.get("valueBoolean"), bool):
        return ["yes" if holder["valueBoolean"] else "no"]
    if "valueRange" in holder:
        low_high = holder["valueRange"]
        return [
            f"{a}-{b}"
            for a in _quantity(low_high.get("low"))
            for b in _quantity(low_high.get("high"))
        ]
    for name in ("valueString", "valueDateTime", "valueTime"):
        if isinstance(holder.get(name), str) and holder[name].strip():
            return [holder[name]]
    return []


def _fhir_results(resource: Json, where: str) -> list[Fact]:
    """An observation's value, and each of its components' (blood pressure's two)."""
    period = resource.get("effectivePeriod") or {}
    written = (
        resource.get("effectiveDateTime") or resource.get("effectiveInstant") or period.get("start")
    )
    time = fhir_when(written, time_too=True)
    found = []
    value = _fhir_value(resource)
    if value:
        found.append(fact("result", where, _codes(resource.get("code")) or [""], value, [time]))
    for index, component in enumerate(_objs(resource.get("component"))):
        if value := _fhir_value(component):
            codes = _codes(component.get("code"))[:1] or [""]
            found.append(fact("result", f"{where}/component/{index}", codes, value, [time]))
    return found


# Codes that say "no known allergies" (SNOMED CT, and the IPS's absent-unknown codes):
# a statement stored apart, not an allergy.
NO_KNOWN_ALLERGIES = frozenset(
    {"716186003", "409137002", "428607008", "429625007", "428197003"}
    | {"no-known-allergies", "no-known-medication-allergies", "no-allergy-info"}
    | {"no-known-environmental-allergies", "no-known-food-allergies"}
)


def _fhir_allergy(resource: Json, where: str) -> list[Fact]:
    code = resource.get("code")
    if set(_codes(code)) & NO_KNOWN_ALLERGIES:
        return []
    reactions = [
        products([_names(m) for m in _objs(reaction.get("manifestation"))], ", ")
        for reaction in _objs(resource.get("reaction"))
    ]
    return [fact("allergy", where, _names(code) or [""], products(reactions, "; ", ordered=False))]


# C-CDA -------------------------------------------------------------------------

C_CDA, CCD_1, C32, IHE = (
    "2.16.840.1.113883.10.20.22.2.",
    "2.16.840.1.113883.10.20.1.",
    "2.16.840.1.113883.3.88.11.83.",
    "1.3.6.1.4.1.19376.1.5.3.1.3.",
)
# Sections by templateId (C-CDA, CCD 1.0, HITSP C32, IHE PCC), else by LOINC code:
# medicines (the list, at admission, at discharge, given), results, vital
# signs, social history (smoking, birth sex: results too), allergies.
SECTIONS = {
    "medication": (
        {f"{C_CDA}{n}" for n in ("1", "1.1", "11", "11.1", "44", "38")}
        | {f"{CCD_1}8", f"{C32}112", f"{IHE}19"},
        {"10160-0", "10183-2", "75311-1", "42346-7", "29549-3"},
    ),
    "result": ({f"{C_CDA}3", f"{C_CDA}3.1", f"{CCD_1}14", f"{C32}122", f"{IHE}28"}, {"30954-2"}),
    "vital-sign": ({f"{C_CDA}4", f"{C_CDA}4.1", f"{CCD_1}16", f"{C32}119", f"{IHE}25"}, {"8716-3"}),
    "social-history": ({f"{C_CDA}17", f"{CCD_1}15", f"{C32}126", f"{IHE}16"}, {"29762-2"}),
    "allergy": ({f"{C_CDA}6", f"{C_CDA}6.1", f"{CCD_1}2", f"{C32}102", f"{IHE}13"}, {"48765-2"}),
}
# Reaction observations (C-CDA, CCD 1.0); severity, status and criticality
# observations are about an allergy, not allergies (their templates and codes).
REACTION = {"2.16.840.1.113883.10.20.22.4.9", "2.16.840.1.113883.10.20.1.54"}
ABOUT_ALLERGY = {
    "2.16.840.1.113883.10.20.22.4.8",
    "2.16.840.1.113883.10.20.1.55",
    "2.16.840.1.113883.10.20.22.4.28",
    "2.16.840.1.113883.10.20.1.39",
    "2.16.840.1.113883.10.20.22.4.145",
}
ABOUT_ALLERGY_CODES = {"SEV", "33999-4", "82606-5"}
_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
Element = etree._Element


def _local(element: Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _kids(element: Element | None, name: str) -> list[Element]:
    return [] if element is None else [e for e in element if _local(e) == name]


def _kid(element: Element | None, *names: str) -> Element | None:
    for name in names:
        found = _kids(element, name)
        element = found[0] if found else None
    return element


def _attr(element: Element | None, name: str) -> str:
    return "" if element is None else element.get(name, "")


def _templates(element: Element | None) -> set[str]:
    return {t.get("root", "") for t in _kids(element, "templateId")}


def _text(element: Element | None) -> str:
    if element is None:
        return ""
    return " ".join("".join(t for t in element.itertext() if isinstance(t, str)).split())


@dataclass
class CdaFile:
    root: Element
    by_id: dict[str, Element]

    @classmethod
    def read(cls, path: Path) -> CdaFile:
        root = etree.parse(str(path), _SAFE).getroot()
        by_id: dict[str, Element] = {}
        for element in root.iter():
            if isinstance(element.tag, str) and element.get("ID"):
                by_id.setdefault(element.get("ID", ""), element)
        return cls(root, by_id)

    def words(self, element: Element | None) -> list[str]:
        """What an element says: its narrative behind ``<reference value="#id">``, its own words."""
        if element is None:
            return []
        target = _attr(_kid(element, "reference"), "value")
        pointed = self.by_id.get(target[1:]) if target.startswith("#") else None
        own = " ".join((element.text or "").split())
        # OpenVista writes the words themselves where the "#id" belongs: "YELLOW".
        literal = (
            target if target and not target.startswith("#") and target not in self.by_id else ""
        )
        return [w for w in (_text(pointed), own, literal) if w and w.casefold() != "null"]

    def names(self, code: Element | None) -> list[str]:
        """A code's readings: its original text (unless the code is null), display names."""
        if code is None:
            return []
        # A null code's original text is read last: VA writes why there is no
        # code there ("Coded Allergy Name Not Available"), not what it is.
        original = self.words(_kid(code, "originalText"))
        coded = code.get("nullFlavor") is None
        names = original if coded else []
        names += [c.get("displayName", "") for c in [code, *_kids(code, "translation")]]
        names += [] if coded else original
        names = [n for n in names if n.strip() and n.strip().casefold() != "null"]
        # HenrySchein ends a name with its code: "Pneumonia (SCT233604007)".
        return names + [re.sub(r"\s*\((SCT)?\d{6,18}\)$", "", n) for n in names]

    def sections(self, kind: str) -> Iterator[Element]:
        templates, codes = SECTIONS[kind]
        for section in self.root.iter("{*}section"):
            if _templates(section) & templates or (
                not _templates(section) & set().union(*(t for t, _c in SECTIONS.values()))
                and _attr(_kid(section, "code"), "code") in codes
            ):
                yield section

    def entries(self, kind: str, inner: str) -> Iterator[tuple[Element, Element | None]]:
        """The ``inner`` statements of the sections of ``kind``, each with its wrapper.

        An organizer (a panel) holds them in its components, a wrapping act (a
        concern, a discharge medication) in its entry relationships.
        """
        for section in self.sections(kind):
            for entry in _kids(section, "entry"):
                for statement in entry:
                    yield from self._inside(statement, inner)

    def _inside(self, statement: Element, inner: str) -> Iterator[tuple[Element, Element | None]]:
        name = _local(statement)
        if name == "organizer":
            for component in _kids(statement, "component"):
                for each in component:
                    if _local(each) == "organizer":
                        yield from self._inside(each, inner)
                    elif _local(each) == inner:
                        yield each, statement
        elif name == "act" and inner != "act":
            for relationship in _kids(statement, "entryRelationship"):
                for each in _kids(relationship, inner):
                    yield each, statement
        elif name == inner:
            yield statement, None


def _line(element: Element) -> str:
    return f"line {element.sourceline}"


def ccda_facts(path: Path) -> list[Fact]:
    read = CdaFile.read(path)
    found = [
        _cda_medication(read, each)
        for each, _w in read.entries("medication", "substanceAdministration")
    ]
    for kind in ("result", "vital-sign", "social-history"):
        for observation, organizer in read.entries(kind, "observation"):
            found.extend(_cda_result(read, observation, organizer))
    for observation, _wrapper in read.entries("allergy", "observation"):
        found.extend(_cda_allergy(read, observation))
    return found


def _cda_start(element: Element | None, time_too: bool = False) -> str:
    """When a statement began: its effectiveTime's value, low (or center), else its high."""
    for time in _kids(element, "effectiveTime"):
        kind = time.get("{http://www.w3.org/2001/XMLSchema-instance}type", "").split(":")[-1]
        if kind.upper() in ("PIVL_TS", "EIVL_TS", "SXPR_TS"):
            continue  # how often, not when
        for each in (time, _kid(time, "low"), _kid(time, "center"), _kid(time, "high")):
            if each is not None and each.get("value"):
                return cda_when(each.get("value", ""), time_too)
        return ""
    return ""


def _quantity_cda(element: Element | None) -> list[str]:
    if element is None or not element.get("value"):
        return []
    return [reading(element.get("value", ""), element.get("unit", ""))]


def _cda_medication(read: CdaFile, activity: Element) -> Fact:
    material = _kid(activity, "consumable", "manufacturedProduct", "manufacturedMaterial")
    names = [*read.names(_kid(material, "code")), _text(_kid(material, "name"))]
    dose = _kid(activity, "doseQuantity")
    doses = _quantity_cda(dose)
    if dose is not None and not doses:
        low, high = (_quantity_cda(_kid(dose, side)) for side in ("low", "high"))
        doses = [f"{a}-{b}" for a in low for b in high] or low or high
    # "1" with no unit: the unit is in a translation, or the form in administrationUnitCode.
    forms = read.names(_kid(activity, "administrationUnitCode"))
    if dose is not None and dose.get("unit", "1") in ("", "1"):
        translated = [q for t in _kids(dose, "translation") for q in _quantity_cda(t)]
        doses = translated or [reading(d, f) for d in doses for f in forms] or doses
    return fact(
        "medication", _line(activity), [n for n in names if n], doses, [_cda_start(activity)]
    )


def _cda_value(read: CdaFile, value: Element) -> list[str]:
    kind = value.get("{http://www.w3.org/2001/XMLSchema-instance}type", "").split(":")[-1].upper()
    if value.get("nullFlavor") is not None and not any(
        map(value.get, ("value", "code", "displayName"))
    ):
        return []
    if kind in ("PQ", "INT", "REAL") or (not kind and value.get("value")):
        return _quantity_cda(value)
    if kind.startswith("IVL") or _kid(value, "low") is not None or _kid(value, "high") is not None:
        low, high = _quantity_cda(_kid(value, "low")), _quantity_cda(_kid(value, "high"))
        if low and high:
            same = _kid(value, "low").get("unit") == _kid(value, "high").get("unit")  # type: ignore[union-attr]
            amount = _kid(value, "low").get("value")  # type: ignore[union-attr]
            return [f"{amount}-{high[0]}" if same else f"{low[0]}-{high[0]}"]
        return [f">={q}" for q in low] + [f"<={q}" for q in high]
    if kind in ("CD", "CE", "CV", "CO", "CS") or value.get("code"):
        return [*read.names(value), value.get("code", "")]
    if kind == "BL":
        return {"true": ["yes"], "false": ["no"]}.get(value.get("value", ""), [])
    if kind.startswith("RTO"):
        parts = [_quantity_cda(_kid(value, side)) for side in ("numerator", "denominator")]
        return [f"{a}/{b}" for a in parts[0] for b in parts[1]]
    return read.words(value)


def _cda_result(read: CdaFile, observation: Element, organizer: Element | None) -> list[Fact]:
    values = [v for each in _kids(observation, "value") for v in _cda_value(read, each)]
    text = _kid(observation, "text")
    if not values and text is not None and _kid(text, "reference") is None:
        values = [_text(text)]  # left out of the value, written as its text: "145/88"
    if not values or not values[0]:
        return []  # no value: nothing for a person to check
    code = _kid(observation, "code")
    codes = [] if code is None or code.get("nullFlavor") else [code.get("code", "")]
    codes += [t.get("code", "") for t in _kids(code, "translation")]
    # A result that says no time of its own was taken when its panel was.
    time = _cda_start(observation, time_too=True) or _cda_start(organizer, time_too=True)
    return [fact("result", _line(observation), [c for c in codes if c] or [""], values, [time])]


def _cda_allergy(read: CdaFile, observation: Element) -> list[Fact]:
    if _templates(observation) & ABOUT_ALLERGY:
        return []
    if _attr(_kid(observation, "code"), "code") in ABOUT_ALLERGY_CODES:
        return []
    if observation.get("negationInd") == "true":
        return []  # not allergic to it, or no known allergies
    value = _kid(observation, "value")
    entity = _kid(observation, "participant", "participantRole", "playingEntity")
    names = [*read.names(_kid(entity, "code")), _text(_kid(entity, "name"))]
    codes = {c.get("code") for c in [_kid(entity, "code"), value] if c is not None}
    if codes & NO_KNOWN_ALLERGIES:
        return []
    names = [n for n in names if n]
    if not names and value is not None:
        # IHE PCC names the substance in the value; Allscripts in its original text.
        names = read.words(_kid(value, "originalText")) + read.names(value)
    reactions = []
    for relationship in _kids(observation, "entryRelationship"):
        for reaction in _kids(relationship, "observation"):
            if _templates(reaction) & REACTION or relationship.get("typeCode") == "MFST":
                words = read.names(_kid(reaction, "value")) + read.words(_kid(reaction, "text"))
                if words:
                    reactions.append(words)
    return [
        fact(
            "allergy",
            _line(observation),
            names or [""],
            products(reactions, "; ", ordered=False) or [""],
        )
    ]
