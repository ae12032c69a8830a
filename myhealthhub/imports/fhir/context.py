"""What every resource handler shares while one file is mapped.

The ``Mapping`` being built and how a handler records into it (an entry, a
resource used inside others, a skip and its reason), whom each resource is
about and the key that names it, and the names of what entries refer to (a
prescriber, a facility), noting that the resource named was used.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from myhealthhub.imports.base import MappedEntry, Mapping, PatientFound, Skipped
from myhealthhub.imports.fhir.fields import (
    concept_text,
    human_name,
    obj,
    objs,
    placeholder_of,
    string,
    texts_of,
    unique,
)
from myhealthhub.imports.fhir.parse import Found, Json, Parsed
from myhealthhub.imports.fhir.references import (
    SUPPORTING,
    Index,
    identifiers_of,
    key_is_local,
    key_of,
    target_of,
)
from myhealthhub.imports.fhir.tolerant import TolerantReader

ABSENT_UNKNOWN = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"


class FirstLook:
    """What mapping needs to know of every resource before it maps any.

    Taken as each resource is read (``parse.read``'s ``on_each``), while its
    content is in memory: in a large file it then waits on disk.
    """

    def __init__(self) -> None:
        self.index = Index()
        # Observations that name members (panels), for ``observations.link_panels``.
        self.naming_members: list[Found] = []

    def seen(self, found: Found) -> None:
        self.index.add(found)
        if found.type == "Observation" and "hasMember" in found.resource:
            self.naming_members.append(found)

    def forget(self, founds: list[Found]) -> None:
        self.index.remove(founds)
        gone = {id(found) for found in founds}
        self.naming_members = [found for found in self.naming_members if id(found) not in gone]


class Context(TolerantReader):
    """One mapping run. Resources are remembered by ``id()`` of their ``Found``."""

    def __init__(self, parsed: Parsed, first_look: FirstLook | None = None) -> None:
        self.mapping = Mapping(warnings=list(parsed.warnings))
        super().__init__(self.mapping.warnings)
        if first_look is None:
            first_look = FirstLook()
            for found in parsed.resources:
                with found.opened():
                    first_look.seen(found)
        self.index = first_look.index
        self.naming_members = first_look.naming_members
        self.keys: dict[int, str] = {}
        self.owners: dict[int, frozenset[str]] = {}
        self.patient_keys: dict[int, str] = {}
        # Every patient key so far (of Patient resources, and of patients only referred
        # to), and those of them that are ids local to the export.
        self.patients_known: set[str] = set()
        self.local_patients: set[str] = set()
        # Supporting resources whose content went into an entry, with the patients of the
        # entries that used them.
        self.referred: dict[int, set[str]] = {}
        # Organizations and practitioners that a Patient names (general practitioner...).
        self.named_by_patient: dict[int, set[str]] = {}
        # Each practitioner's roles (PractitionerRole resources).
        self.roles: dict[int, list[Found]] = {}
        self.shown_names: dict[int, str] = {}
        # The panels (Observations with ``hasMember``) each Observation is a member of.
        self.panels: dict[int, list[Found]] = {}

    # Recording ------------------------------------------------------------------

    def entry(
        self,
        found: Found,
        kind: str,
        values: dict[str, Any],
        patients: frozenset[str] | None = None,
    ) -> None:
        self.mapping.entries.append(
            MappedEntry(
                kind=kind,
                key=self.key(found),
                values=values,
                origin=found.type,
                where=found.where(),
                identifiers=identifiers_of(found),
                patients=self.owner(found) if patients is None else patients,
                key_is_local=self.key_is_local(found),
            )
        )

    def used(self, found: Found) -> None:
        self.mapping.use(found.type)

    def skip(self, found: Found, reason: str, example: str = "") -> None:
        patients = frozenset() if found.type in SUPPORTING else self.owner(found)
        self.mapping.skipped.append(Skipped(found.type, reason, found.where(), example, patients))

    def absent_or_unknown(self, found: Found, code: object) -> bool:
        """IPS "no information" and "none known" codes: statements, not records."""
        for coding in objs(obj(code).get("coding")):
            if coding.get("system") == ABSENT_UNKNOWN:
                shown = string(coding.get("display")) or string(coding.get("code"))
                if string(coding.get("code")).endswith("-info"):
                    reason = _("the file says it has no information here (“%(text)s”)")
                else:
                    reason = _("a statement that there are none (“%(text)s”), not a record")
                self.skip(found, reason % {"text": shown}, shown)
                return True
        return False

    def only_a_placeholder(self, found: Found, code: object) -> bool:
        """A record whose name only says it is missing ("Null") and has no code: nothing to keep.

        A record with no name at all is kept as "(no name)" (``display``): this
        is the vendor that wrote a placeholder where the name should be.
        """
        placeholder = placeholder_of(code)
        if placeholder:
            reason = _("its name is only “%(text)s”: the file does not say what it is")
            self.skip(found, reason % {"text": placeholder}, placeholder)
        return bool(placeholder)

    # Keys and owners ------------------------------------------------------------

    def key(self, found: Found) -> str:
        known = self.keys.get(id(found))
        if known is None:
            known = self.keys[id(found)] = key_of(found, self.owner)
        return known

    def key_is_local(self, found: Found) -> bool:
        """Whether ``found``'s key is an id that means something only in this export."""
        return key_is_local(found, self.owner, self.local_patients)

    def add_patient(self, found: Found) -> None:
        """A Patient resource of the file: its key, before anything is about it."""
        key = self.patient_keys[id(found)] = self.key(found)
        self.patients_known.add(key)
        if self.key_is_local(found):
            self.local_patients.add(key)

    def owner(self, found: Found) -> frozenset[str]:
        """The patients this resource is about: in the file, or only referred to."""
        known = self.owners.get(id(found))
        if known is not None:
            return known
        owners: frozenset[str] = frozenset()
        for name in ("subject", "patient", "beneficiary"):
            reference = found.resource.get(name)
            if not isinstance(reference, dict):
                continue
            target = self.index.resolve(reference, found, "Patient")
            if target is None:
                owners = self._absent_owner(found, name, reference)
            elif id(target) in self.patient_keys:
                owners = frozenset({self.patient_keys[id(target)]})
            break
        self.owners[id(found)] = owners
        return owners

    def _absent_owner(self, found: Found, name: str, reference: Json) -> frozenset[str]:
        """Whom a reference to no resource of the file is about.

        In a file without Patient resources (a bulk export's Condition file
        read alone), a patient referred to is a person of their own, named as
        the Patient would be. In a file that has its Patients, a reference to
        one it does not hold (a Consent's, a stale id) makes nobody new: it
        belongs to the file's only patient, or, among several, to none of them.
        """
        where = found.where(f"/{name}")
        target = target_of(reference, "Patient")
        if target.type not in ("", "Patient"):
            return frozenset()  # a group, a device, a place: nobody in particular
        keys = set(self.patient_keys.values())
        if target.key and not keys:
            if target.key not in self.patients_known:
                self.patients_known.add(target.key)
                if target.local:
                    self.local_patients.add(target.key)
                self.mapping.patients.append(PatientFound(target.key, where=where))
                self.warn("patient", _("This refers to a patient who is not in the file."), where)
            return frozenset({target.key})
        if target.key and len(keys) > 1:
            # Its own key, which no one can choose: left out with whoever is not chosen.
            self.warn("patient", _("This refers to a patient who is not in the file."), where)
            return frozenset({target.key})
        # A name alone, or a patient the file does not hold: the file's only patient.
        if not keys:
            return frozenset()
        self.warn(
            "patient",
            _("This refers to a patient who is not in the file.")
            if len(keys) > 1
            else _(
                "This refers to a patient who is not in the file; it was read as "
                "belonging to the file's only patient."
            ),
            where,
        )
        return frozenset(keys) if len(keys) == 1 else frozenset()

    # Names of what entries refer to ---------------------------------------------

    def name_of(self, reference: object, found: Found, patients: frozenset[str]) -> str:
        """The name of what ``reference`` points to, noting that its content was used."""
        if not reference:
            return ""
        ref = obj(reference)
        target = self.index.resolve(ref, found)
        if target is None:
            return string(ref.get("display"))
        return self.name_from(target, patients) or string(ref.get("display"))

    def name_from(self, target: Found, patients: frozenset[str]) -> str:
        self.refer(target, patients)
        if target.type == "PractitionerRole":
            person = self.index.resolve(
                obj(target.resource.get("practitioner")), target, "Practitioner"
            )
            if person is not None:
                return self.name_from(person, patients)
        known = self.shown_names.get(id(target))
        if known is None:
            known = self.shown_names[id(target)] = _shown_name(target)
        return known

    def names(self, references: object, found: Found, patients: frozenset[str]) -> str:
        if not references:
            return ""
        return ", ".join(unique(self.name_of(ref, found, patients) for ref in objs(references)))

    def refer(self, target: Found, patients: frozenset[str]) -> None:
        if target.type in SUPPORTING and not target.contained:
            self.referred.setdefault(id(target), set()).update(patients)

    def reasons(self, found: Found, patients: frozenset[str]) -> str:
        resource = found.resource
        if "reasonCode" not in resource and "reasonReference" not in resource:
            return ""
        texts = texts_of(resource.get("reasonCode"))
        texts += [
            self.name_of(ref, found, patients) for ref in objs(resource.get("reasonReference"))
        ]
        return "; ".join(unique(texts))


def example_of(found: Found) -> str:
    """A short display of a resource, for the list of what was skipped."""
    resource = found.resource
    for name in ("code", "vaccineCode", "type", "medicationCodeableConcept", "description"):
        text = concept_text(resource.get(name)) or string(resource.get(name))
        if text:
            return text
    return string(resource.get("name")) or human_name(resource.get("name"))[2]


def _shown_name(target: Found) -> str:
    resource = target.resource
    if target.type in ("Practitioner", "Patient", "RelatedPerson"):
        return human_name(resource.get("name"))[2]
    if target.type == "PractitionerRole":
        practitioner = obj(resource.get("practitioner"))
        return string(practitioner.get("display")) or concept_text(objs(resource.get("code")))
    if target.type == "Device":
        names = objs(resource.get("deviceName"))
        return string(names[0].get("name")) if names else ""
    return string(resource.get("name")) or concept_text(resource.get("code"))
