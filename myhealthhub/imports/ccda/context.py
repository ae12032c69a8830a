"""What every section reader shares while one document is mapped.

The ``Mapping`` being built and how a reader records into it (an entry, a
statement used inside a note, a skip and its reason), the key that names an
entry again in the next download of the same record, and the readings that
need the whole document: narrative text behind ``<reference value="#id">``
(and the words some vendors write there instead), the name of a coded
concept, dates in every ``effectiveTime`` shape, with a warning that gives
the line.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.utils.translation import gettext as _

from myhealthhub.imports.base import MappedEntry, Mapping, Skipped
from myhealthhub.imports.ccda.parse import Parsed
from myhealthhub.imports.ccda.xml import (
    Element,
    Moment,
    attr,
    clean,
    display_name,
    is_null,
    kid,
    kids,
    local,
    moment,
    path,
    text_of,
    xsi_type,
)
from myhealthhub.imports.warnings import CappedWarnings

# Narrative text longer than this behind a reference is a whole row or
# paragraph, not the name of one thing: the coded name is shown instead.
NAME_LENGTH = 200
# Narrative elements that hold more than a name: a row, a table, a list.
ROWS = frozenset({"tr", "table", "thead", "tbody", "tfoot", "list"})
# A word or words written where a "#id" belongs ("YELLOW", "BODY MASS INDEX"),
# but not the placeholders C32 samples copy ("PtrToSectionText").
LITERAL = re.compile(r"[A-Za-z][A-Za-z ,/()'-]{0,99}")
PLACEHOLDER = re.compile(r"(ptr|pntr|point)", re.IGNORECASE)
# A display name ending in its own code: "MI - Myocardial infarction (SCT22298006)".
CODE_SUFFIX = re.compile(r"\s*\((?:SCT)?\d{6,18}\)$")
# The values that tell two records apart when both give them: a second copy
# of a record may leave out what the first said, never say it differently.
TELLING = (
    "date",
    "status",
    "value_number",
    "value_text",
    "unit",
    "dose",
    "frequency",
    "relative",
    "body",
)
# Ids of namespaces, not of records: their root alone names nobody.
NAMESPACES = frozenset(
    {
        "2.16.840.1.113883.4.6",  # US National Provider Identifier
        "2.16.840.1.113883.4.1",  # US Social Security number
        "2.16.840.1.113883.4.349",  # US Veterans Affairs
        "2.16.840.1.113883.19.5",  # HL7's example organization
    }
)
# How many earlier records known by their content a new one is compared with.
RECENT = 50
# effectiveTime shapes that say how often, not when.
REPEATS = frozenset({"PIVL_TS", "EIVL_TS", "SXPR_TS", "PIVL_PPD_TS", "EIVL_PPD_TS"})


class Context(CappedWarnings):
    def __init__(self, parsed: Parsed) -> None:
        self.mapping = Mapping()
        super().__init__(self.mapping.warnings)
        self.by_id = parsed.by_id
        # The document's one patient, once the header is read.
        self.patients: frozenset[str] = frozenset()
        self.id_owners = parsed.id_owners
        # What each entry known by its content said, by key: exactly, and the
        # last few as said (a second copy may leave out what the first said).
        self.said: set[tuple[str, str]] = set()
        self.recent: dict[str, list[dict[str, Any]]] = {}

    # Recording ------------------------------------------------------------------

    def entry(
        self,
        element: Element,
        origin: str,
        kind: str,
        values: dict[str, Any],
        *,
        identified_by: Element | None = None,
    ) -> None:
        """An entry of ``kind`` from ``element``, keyed by the id of ``identified_by``.

        A record said twice in one document (a medicine in "Medications" and
        again in "Discharge medications") is skipped the second time.
        """
        if kind != "family-history" and _about_someone_else(element):
            self.skip(
                element,
                origin,
                _("about another person than the patient (a newborn, a relative)"),
                str(values.get("display", "")),
            )
            return
        identified = identified_by if identified_by is not None else element
        said = _telling(kind, values)
        key = self.id_key(identified)
        local = not key
        # An id names one record, in this document and the next download; one
        # that names nothing (shared, or absent) leaves the entry known by its
        # content, and a record said twice (a medicine in "Medications" and in
        # "Discharge medications") is then found by what it says.
        alike = f"cda:{kind}:{said['display']}"
        if self._said_before(alike, said) and local:
            self.skip(
                element,
                origin,
                _("the same record appears again in this document"),
                str(values.get("display", "")),
            )
            return
        key = alike if local else f"{kind}|{key}"
        self.mapping.entries.append(
            MappedEntry(
                kind=kind,
                key=key,
                values=values,
                origin=origin,
                where=self.where(element),
                identifiers=self.identifiers(identified),
                patients=self.patients,
                key_is_local=local,
            )
        )

    def _said_before(self, key: str, said: dict[str, Any]) -> bool:
        """Whether a record alike was said before in this document; remembers this one."""
        exact = (key, json.dumps(said, sort_keys=True, default=str))
        if exact in self.said:
            return True
        recent = self.recent.setdefault(key, [])
        if any(_same_record(said, before) for before in recent):
            return True
        self.said.add(exact)
        # Bounded: ten thousand results named alike cost a list, not a square.
        recent.append(said)
        del recent[:-RECENT]
        return False

    def used(self, origin: str, count: int = 1) -> None:
        if count:
            self.mapping.use(origin, count)

    def skip(self, element: Element, origin: str, reason: str, example: str = "") -> None:
        self.mapping.skipped.append(
            Skipped(origin, reason, self.where(element), example[:200], self.patients)
        )

    def where(self, element: Element | None) -> str:
        line = element.sourceline if element is not None else None
        return _("line %(line)d") % {"line": line} if line else ""

    # Ids ------------------------------------------------------------------------

    def id_key(self, element: Element | None, *, alone: bool = True) -> str:
        """``root|extension`` of the element's first id that names it alone, or "".

        Vendors give one id to a whole list (every immunization, every result
        of an order), a flavour of null with a namespace's root, or a bare
        namespace (the NPI's root for every clinician): none of these names
        one record, so none is a key. ``alone=False`` takes an id others carry
        too: the patient's, which the document repeats where it names them.
        """
        for ident in kids(element, "id"):
            if ident.get("nullFlavor") is not None:
                continue
            root, extension = attr(ident, "root"), attr(ident, "extension")
            if not root or (not extension and root in NAMESPACES):
                continue
            key = f"{root}|{extension}" if extension else root
            if not alone or self.id_owners.get(key, 0) == 1:
                return key
        return ""

    def identifiers(self, element: Element | None) -> list[dict[str, str]]:
        found = []
        for ident in kids(element, "id"):
            root, extension = attr(ident, "root"), attr(ident, "extension")
            if root and not is_null(ident):
                found.append({"system": f"urn:oid:{root}", "value": extension or root})
        return found

    # Names and texts ------------------------------------------------------------

    def narrative(self, element: Element | None) -> str:
        """The text of ``element``, or of the narrative its ``<reference>`` points to."""
        if element is None:
            return ""
        reference = kid(element, "reference")
        if reference is None:
            return text_of(element)
        return self.referenced(reference) or clean(element.text or "") or self._literal(reference)

    def referenced(self, reference: Element | None, *, names_only: bool = False) -> str:
        """The text of the narrative a ``<reference value="#id">`` points to.

        With ``names_only``, one pointing to a whole row, table or list reads as "".
        """
        target = attr(reference, "value")
        pointed = self.by_id.get(target[1:]) if target.startswith("#") else None
        if pointed is None or (names_only and local(pointed) in ROWS):
            return ""
        return text_of(pointed)

    def _literal(self, reference: Element | None) -> str:
        """The words a vendor wrote in ``<reference value>`` instead of a "#id" (OpenVista)."""
        target = attr(reference, "value")
        if target in self.by_id:
            return ""  # an ID without its "#" (HL7's discharge sample): no words of its own
        if LITERAL.fullmatch(target) and not PLACEHOLDER.match(target):
            return target
        return ""

    def original_text(self, code: Element | None) -> str:
        """A code's originalText: the narrative its reference points to, else as written.

        A reference whose value is words rather than an ID reads as those words.
        """
        original = kid(code, "originalText")
        if original is None:
            return ""
        reference = kid(original, "reference")
        if reference is None:
            text = text_of(original)
        else:
            written = clean(original.text or "")
            # Practice Fusion points at the whole table row, date and all.
            pointed = self.referenced(reference, names_only=True)
            # What the narrative shows wins (McKesson writes "EHT (EHT)" here and
            # "Essential hypertension" there), unless it only adds to what is
            # written here (HenrySchein adds the date).
            if pointed and not (written and pointed.casefold().startswith(written.casefold())):
                text = pointed
            else:
                text = written or self._literal(reference)
        return "" if text.casefold() == "null" else text

    def concept(self, code: Element | None, avoid: frozenset[str] = frozenset()) -> str:
        """How a concept reads: its original text, else its or a translation's display name.

        ``avoid`` holds the references (``#id``, or the words written instead)
        of texts that are not the concept's name though its original text
        points at them: a reaction, the directions.
        """
        if code is None:
            return ""
        reference = attr(path(code, "originalText", "reference"), "value")
        original = "" if reference and reference in avoid else self.original_text(code)
        if original and len(original) <= NAME_LENGTH:
            return original
        for each in [code, *kids(code, "translation")]:
            if display := display_name(each):
                return without_code(display)
        return original[:NAME_LENGTH]

    def text(self, element: Element | None) -> str:
        """A statement's free text (``<text>``), resolved through its reference."""
        return self.narrative(kid(element, "text"))

    def statement_text(self, element: Element | None, name: str = "") -> str:
        """A statement's text; its own words when its reference points elsewhere.

        HL7's samples point at an empty ``<content ID="immunSect"/>`` and write
        the instruction after the reference; McKesson points an instruction's
        reference at the medicine's ``name`` and writes the instruction itself.
        """
        pointed, own = self.text(element), text_of(kid(element, "text"))
        if pointed and own and name and pointed.casefold() == name.casefold():
            return own
        return pointed or own

    # Dates ----------------------------------------------------------------------

    def when(self, element: Element | None) -> Moment | None:
        """The moment in ``element``'s ``value``; a warning with the line if it cannot be read."""
        if element is None or is_null(element):
            return None
        value = attr(element, "value")
        if not value:
            return None
        read = moment(value)
        if read is None:
            self.warn(
                "date",
                _("The date “%(value)s” could not be read; it was left empty.")
                % {"value": value[:40]},
                self.where(element),
            )
        return read

    def span(self, element: Element | None) -> tuple[Moment | None, Moment | None]:
        """When a statement began and ended, from its first effectiveTime that is not a repeat.

        A single ``value``, ``low``/``high``, or a ``center`` are all written by
        vendors; a ``high`` alone is an end with no known start.
        """
        for time in kids(element, "effectiveTime"):
            if xsi_type(time) in REPEATS:
                continue
            if attr(time, "value"):
                return self.when(time), None
            start = self.when(kid(time, "low")) or self.when(kid(time, "center"))
            return start, self.when(kid(time, "high"))
        return None, None

    def repeats(self, element: Element | None) -> list[Element]:
        """The effectiveTimes that say how often (a medicine's frequency)."""
        return [time for time in kids(element, "effectiveTime") if xsi_type(time) in REPEATS]


def without_code(name: str) -> str:
    """A name without the code HenrySchein ends it with: "Pneumonia (SCT233604007)"."""
    return CODE_SUFFIX.sub("", name) or name


def _telling(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    said = {name: values[name] for name in TELLING if values.get(name) not in (None, "")}
    return {**said, "kind": kind, "display": str(values.get("display", "")).casefold()}


def _same_record(said: dict[str, Any], before: dict[str, Any]) -> bool:
    return all(before[name] == value for name, value in said.items() if name in before)


def _about_someone_else(element: Element) -> bool:
    """Whether a ``subject`` other than the patient is named on the statement or around it."""
    for each in (element, *element.iterancestors()):
        if kid(each, "subject") is not None:
            return True
        if local(each) == "section":
            return False
    return False
