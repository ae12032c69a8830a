"""The tables of ``xml_shapes.py`` are what fhir.resources knows of FHIR's element types.

FHIR XML does not say which elements are lists, numbers or true/false; the
reader takes that from ``xml_shapes.py``, written once from fhir.resources (a
test dependency, never imported at run time). This test derives the tables
again and fails when they drift; this module prints them anew, to paste there:

    .venv/bin/python -m myhealthhub.imports.fhir.tests.test_xml_shapes

fhir.resources has no R4 models past version 7: its R4B ones stand in, as
R4B changed no element that a patient's record holds.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import textwrap
from collections import defaultdict
from collections.abc import Callable
from typing import Any, NamedTuple

from myhealthhub.imports.fhir import xml_shapes


class Occurrence(NamedTuple):
    grandparent: str
    parent: str
    name: str
    annotation: str


_TYPE = re.compile(r"abc\.(\w+)Type")
_NUMBER = re.compile(r"\b(Decimal|Integer|Integer64|PositiveInt|UnsignedInt)\(")
_BOOLEAN = re.compile(r"(?<![\w.])bool\b")


def _models() -> tuple[dict[str, Any], set[str]]:
    import fhir.resources.R4B as r4b
    from fhir.resources.R4B.resource import Resource

    models: dict[str, Any] = {}
    for module_info in pkgutil.iter_modules(r4b.__path__):
        if module_info.name.startswith("_") or module_info.name.startswith("fhirtypes"):
            continue
        module = importlib.import_module(f"fhir.resources.R4B.{module_info.name}")
        for name, value in vars(module).items():
            is_model = isinstance(value, type) and hasattr(value, "model_fields")
            if is_model and value.__module__ == module.__name__:
                models[name] = value
    resources = {
        name
        for name, model in models.items()
        if issubclass(model, Resource) and name not in ("Resource", "DomainResource")
    }
    return models, resources


def occurrences() -> set[Occurrence]:
    """Every element of every R4B resource, with its parent, grandparent and Python type."""
    models, resources = _models()
    fields: dict[str, list[tuple[str, str, str]]] = {}
    for model_name, model in models.items():
        fields[model_name] = []
        for field_name, info in model.model_fields.items():
            extra = info.json_schema_extra
            if isinstance(extra, dict) and extra.get("element_property"):
                annotation = str(info.annotation)
                typed = _TYPE.search(annotation)
                fields[model_name].append(
                    (info.alias or field_name, annotation, typed.group(1) if typed else "")
                )
    # A walk over (type, grandparent, parent): finite, so recursive types end by themselves.
    found: set[Occurrence] = set()
    seen: set[tuple[str, str, str]] = set()
    pending = [(resource, "", resource) for resource in resources]
    while pending:
        model_name, grandparent, parent = state = pending.pop()
        if state in seen:
            continue
        seen.add(state)
        for name, annotation, inner in fields[model_name]:
            found.add(Occurrence(grandparent, parent, name, annotation))
            if inner in models and inner != "Resource":
                pending.append((inner, parent, name))
    return found


def tables(
    found: set[Occurrence], holds: Callable[[str], bool]
) -> tuple[set[str], set[str], set[str]]:
    """(names, "parent.name", "grandparent.parent.name") where ``holds`` is true of every one."""
    by_name: dict[str, set[bool]] = defaultdict(set)
    by_pair: dict[str, set[bool]] = defaultdict(set)
    by_triple: dict[str, set[bool]] = defaultdict(set)
    for grandparent, parent, name, annotation in found:
        value = holds(annotation)
        by_name[name].add(value)
        by_pair[f"{parent}.{name}"].add(value)
        by_triple[f"{grandparent}.{parent}.{name}"].add(value)
    names = {name for name, values in by_name.items() if values == {True}}
    pairs = {
        pair
        for pair, values in by_pair.items()
        if values == {True} and pair.rsplit(".", 1)[1] not in names
    }
    triples = {
        triple
        for triple, values in by_triple.items()
        if values == {True}
        and triple.rsplit(".", 1)[1] not in names
        and triple.split(".", 1)[1] not in pairs
    }
    return names, pairs, triples


def derived() -> dict[str, tuple[set[str], set[str], set[str]]]:
    found = occurrences()
    return {
        "LISTS": tables(found, lambda annotation: "List[" in annotation),
        "NUMBERS": tables(found, lambda annotation: bool(_NUMBER.search(annotation))),
        "BOOLEANS": tables(found, lambda annotation: bool(_BOOLEAN.search(annotation))),
        # Only where a primitive has no value, but extensions: by name alone, as that is rare.
        "PRIMITIVES": (
            tables(found, lambda annotation: not _TYPE.search(annotation))[0],
            set(),
            set(),
        ),
    }


def test_the_tables_are_what_fhir_resources_knows():
    for name, (names, pairs, triples) in derived().items():
        assert getattr(xml_shapes, name).names == names, name
        assert getattr(xml_shapes, name).under == pairs, name
        assert getattr(xml_shapes, name).at == triples, name


def test_common_elements_read_as_fhir_json_writes_them():
    assert xml_shapes.LISTS.holds("Bundle", "entry", "Bundle")
    assert xml_shapes.LISTS.holds("Patient", "name", "")
    assert not xml_shapes.LISTS.holds("Organization", "name", "")
    assert xml_shapes.LISTS.holds("name", "given", "Patient")
    assert xml_shapes.LISTS.holds("meta", "profile", "Patient")
    assert xml_shapes.LISTS.holds("timing", "event", "dosageInstruction")
    assert xml_shapes.LISTS.holds("participant", "type", "Encounter")
    assert not xml_shapes.LISTS.holds("participant", "type", "action")
    assert xml_shapes.NUMBERS.holds("valueQuantity", "value", "Observation")
    assert not xml_shapes.NUMBERS.holds("identifier", "value", "Patient")
    assert xml_shapes.BOOLEANS.holds("Patient", "deceasedBoolean", "")
    assert xml_shapes.PRIMITIVES.holds("Condition", "onsetDateTime", "")
    assert not xml_shapes.PRIMITIVES.holds("Condition", "code", "")


def _printed(names: set[str]) -> str:
    return textwrap.indent(textwrap.fill(" ".join(sorted(names)), 92), " " * 8)


if __name__ == "__main__":
    for name, parts in derived().items():
        print(f"{name} = Shape(")
        for part, values in zip(("names", "under", "at"), parts, strict=True):
            print(f'    {part}="""\n{_printed(values)}\n    """,' if values else f'    {part}="",')
        print(")")
