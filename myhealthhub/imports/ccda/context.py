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
    V3,
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
    says_nothing,
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
# What a record says, beyond its code, that tells it from another: its time,
# its value and unit, and what stands for a value in kinds without one (a
# medicine's dose, whose condition a relative's is, a note's text).
TELLING = (
    "date",
    "date_precision",
    "effective_time",
    "status",
    "value_number",
    "comparator",
    "value_text",
    "unit",
    "unit_text",
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
# A root that names something by itself: a UUID or an OID.
NAMING_ROOT = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-2](?:\.(?:0|[1-9][0-9]*))+",
    re.IGNORECASE,
)
# effectiveTime shapes that say how often, not when.
REPEATS = frozenset({"PIVL_TS", "EIVL_TS", "SXPR_TS", "PIVL_PPD_TS", "EIVL_PPD_TS"})


class Context(CappedWarnings):
    def __init__(self, parsed: Parsed) -> None:
        self.mapping = Mapping()
        super().__init__(self.mapping.warnings)
        self.root = parsed.root
        self.by_id = parsed.by_id
        # The document's one patient, once the header is read.
        self.patients: frozenset[str] = frozenset()
        self.id_owners = parsed.id_owners
        # What the records known by their content said, exactly.
        self.said: set[str] = set()
        # What each record known by its id said, and where.
        self.said_by_id: dict[str, list[tuple[dict[str, Any], str, str]]] = {}
        # The elements that carry each id that several carry, once asked.
        self._carriers: dict[str, frozenset[str]] | None = None

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

        A record said twice in one document (a diagnosis in "Problems" and
        again in "Discharge diagnosis") is skipped the second time; see
        ``_said_before`` for what makes two statements one record.
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
        if self._said_before(kind, element, identified, said, str(values.get("display", ""))):
            self.skip(
                element,
                origin,
                _("the same record appears again in this document"),
                str(values.get("display", "")),
            )
            return
        # An id that names one record here names it in the next download too;
        # one that several statements carry (the same record said twice, or a
        # vendor's one id for different records) leaves the entry known by its
        # content: the pipeline adds the content's hash to the key, so two
        # records that say different things never share a key.
        key = self.id_key(identified)
        local = not key
        shown = str(values.get("display", "")).casefold()
        key = f"cda:{kind}:{shown}" if local else f"{kind}|{key}"
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

    def _said_before(
        self, kind: str, element: Element, identified: Element, said: dict[str, Any], name: str
    ) -> bool:
        """Whether this statement's record was said before in this document; remembers it.

        A statement is known by its own id when that id names one record;
        another statement with the same id is the same record said again when
        nothing it says differs (it may leave out what the first said: HL7's
        discharge diagnosis repeats the admission one without its date). Two
        that share an id but say different things are both kept, with a
        warning. A statement without such an id is known by its code, time,
        value and unit together: urine and serum creatinine of 1.9 mg/dL, or
        albumin at 08:22 and again at 10:00, are two results.
        """
        exact = json.dumps(said, sort_keys=True, default=str)
        identity = self.identity(element)
        if not identity and identified is not element:
            identity = self.identity(identified)
        if not identity:
            if exact in self.said:
                return True
            self.said.add(exact)
            return False
        # A copy without an id, said later, is this record again.
        self.said.add(exact)
        where = self.where(element)
        earlier = self.said_by_id.setdefault(f"{kind}|{identity}", [])
        if any(_same_record(said, before) for before, _where, _name in earlier):
            return True
        earlier.append((said, where, name))
        return False

    def flush_warnings(self) -> None:
        # Two statements that claim one id and disagree are worth a look; a
        # vendor's one id for a whole list (HL7's four vital signs on one UUID,
        # a panel's results) is not news to anyone, and is kept without a word.
        for records in self.said_by_id.values():
            if len(records) == 2:
                (_first, first_where, _name), (_said, where, name) = records
                self.warn(
                    "same-id",
                    _(
                        "“%(name)s” has the same id as another record (%(where)s) but says "
                        "something else; both were kept."
                    )
                    % {"name": name[:80], "where": first_where},
                    where,
                )
        super().flush_warnings()

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

    def identity(self, element: Element | None) -> str:
        """``root|extension`` of the element's first id that names one record, or "".

        Unlike ``id_key`` an id several statements carry still names one record
        when all of them are elements of one kind: the same record said again,
        or records a vendor wrongly gave one id (told apart by what they say).
        An id that elements of other kinds carry too names none of them: Practice
        Fusion gives the patient's chart id to every allergy's concern and
        reaction, other vendors a concern's id to its problem.
        """
        if element is None:
            return ""
        for ident in kids(element, "id"):
            if ident.get("nullFlavor") is not None:
                continue
            root, extension = attr(ident, "root"), attr(ident, "extension")
            if not root:
                continue
            if not extension and (root in NAMESPACES or not NAMING_ROOT.fullmatch(root)):
                continue
            key = f"{root}|{extension}" if extension else root
            if self.id_owners.get(key, 0) <= 1 or self.carriers(key) <= {local(element)}:
                return key
        return ""

    def carriers(self, key: str) -> frozenset[str]:
        """The names of the elements that carry the id ``key``, when several do."""
        if self._carriers is None:
            found: dict[str, set[str]] = {}
            for ident in self.root.iter(f"{{{V3}}}id", "id"):
                parent = ident.getparent()
                if parent is None or ident.get("nullFlavor") is not None:
                    continue
                root, extension = attr(ident, "root"), attr(ident, "extension")
                each = f"{root}|{extension}" if extension else root
                if root and self.id_owners.get(each, 0) > 1:
                    found.setdefault(each, set()).add(local(parent))
            self._carriers = {each: frozenset(names) for each, names in found.items()}
        return self._carriers.get(key, frozenset())

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
        # A code with a nullFlavor names a concept only in words of its own
        # ("Itchy eyes"), not in words saying it is unknown ("Not available").
        if says_nothing(original) and code.get("nullFlavor") is not None:
            original = ""
        if original and len(original) <= NAME_LENGTH:
            return original
        for each in [code, *kids(code, "translation")]:
            display = display_name(each)
            if display and not (says_nothing(display) and each.get("nullFlavor") is not None):
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
    """What tells a record of ``kind`` from another: its code (else its name), time, value."""
    said = {name: values[name] for name in TELLING if values.get(name) not in (None, "")}
    # Its own code, not the translations: a copy may translate it differently.
    coded = next(iter(values.get("codings") or []), None)
    if coded and coded.get("code"):
        said["code"] = f"{coded.get('system', '')}|{coded['code']}"
    else:
        said["name"] = str(values.get("display", "")).casefold()
    return {**said, "kind": kind}


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
