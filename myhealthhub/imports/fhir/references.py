"""What a reference points to, and the key that names a resource across imports."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Collection, Iterable
from typing import NamedTuple
from urllib.parse import unquote

from myhealthhub.imports.fhir.fields import obj, objs, string
from myhealthhub.imports.fhir.parse import Found, Json

# Whose content goes into the entries that refer to them (a Medication into its
# statement, an Organization into a visit's facility); mapped after everything else.
SUPPORTING = ("Practitioner", "PractitionerRole", "Organization", "Location", "Medication")

_RELATIVE = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")
_HISTORY = re.compile(r"/_history/[^/]*$")
_TYPED = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/[^/]+$")


class Index:
    """Finds what a reference points to: by full URL, "Type/id", or identifier."""

    def __init__(self, resources: Iterable[Found] = ()) -> None:
        self.by_url: dict[str, Found] = {}
        self.by_scoped_id: dict[tuple[str, str, str], Found] = {}
        self.by_id: dict[tuple[str, str], Found] = {}
        self.by_identifier: dict[tuple[str, str, str], Found] = {}
        # Bulk exports repeat the same few thousand references over and over.
        self.known: dict[tuple[str, str], Found | None] = {}
        for found in resources:
            self.add(found)

    def add(self, found: Found) -> None:
        resource = found.resource
        if found.full_url:
            self.by_url.setdefault(found.full_url, found)
        logical = string(resource.get("id"))
        if not logical and (match := _RELATIVE.search(found.full_url)):
            logical = match.group(2)
        if logical:
            self.by_scoped_id.setdefault((found.scope, found.type, logical), found)
            self.by_id.setdefault((found.type, logical), found)
        for identifier in objs(resource.get("identifier")):
            system, value = string(identifier.get("system")), identifier_value(identifier)
            if system and value:
                self.by_identifier.setdefault((found.type, system, value), found)

    def remove(self, founds: Collection[Found]) -> None:
        """Forget ``founds``: what they were found by then finds nothing."""
        gone = {id(found) for found in founds}
        self.by_url = {k: v for k, v in self.by_url.items() if id(v) not in gone}
        self.by_scoped_id = {k: v for k, v in self.by_scoped_id.items() if id(v) not in gone}
        self.by_id = {k: v for k, v in self.by_id.items() if id(v) not in gone}
        self.by_identifier = {k: v for k, v in self.by_identifier.items() if id(v) not in gone}
        self.known.clear()

    def resolve(self, reference: Json, origin: Found, expected: str = "") -> Found | None:
        target = reference.get("reference")
        if isinstance(target, str) and target:
            if target.startswith("#"):
                return self._contained(origin, target[1:])
            known = (origin.scope, target)
            if known not in self.known:
                self.known[known] = self._find(target, origin.scope)
            return self.known[known]
        identifier = obj(reference.get("identifier"))
        kind = string(reference.get("type")) or expected
        system, value = string(identifier.get("system")), identifier_value(identifier)
        if kind and system and value:
            return self.by_identifier.get((kind, system, value))
        return None

    def _find(self, target: str, scope: str) -> Found | None:
        if hit := self.by_url.get(target):
            return hit
        if "?" in target:
            # A conditional reference, as bulk exports write them: Practitioner?identifier=s|v
            kind, _sep, query = target.partition("?")
            key, _sep, value = unquote(query).partition("=")
            system, _sep, code = value.partition("|")
            if key == "identifier":
                return self.by_identifier.get((kind.rsplit("/", 1)[-1], system, code))
            return None
        if match := _RELATIVE.search(target):
            kind, logical = match.groups()
            return self.by_scoped_id.get((scope, kind, logical)) or self.by_id.get((kind, logical))
        return None

    def _contained(self, origin: Found, wanted: str) -> Found | None:
        for index, inner in enumerate(objs(origin.resource.get("contained"))):
            kind = inner.get("resourceType")
            if inner.get("id") == wanted and isinstance(kind, str):
                pointer = f"{origin.pointer}/contained/{index}"
                return Found(
                    inner, kind, origin.name, origin.label, pointer, "", origin.scope, True
                )
        return None


# Keys -------------------------------------------------------------------------


def key_of(found: Found, owner: Callable[[Found], frozenset[str]]) -> str:
    """The same name for ``found`` in every export from the same source (docs/formats.md).

    The type and first identifier, else the full URL when it is global, else
    the id (or a digest of the content) within the key of the patient it is
    about: a local id only means something inside its own export. ``owner``
    is asked only then, since asking it may warn about a missing patient.
    """
    identifier = first_identifier(found.resource)
    if identifier:
        return f"{found.type}/{identifier[0]}|{identifier[1]}"
    if is_global(found.full_url):
        return found.full_url
    logical = string(found.resource.get("id"))
    key = f"{found.type}/{logical}" if logical else f"{found.type}#{_digest(found)}"
    owners = sorted(owner(found)) if found.type not in ("Patient", *SUPPORTING) else []
    if owners:
        key = f"{key}@{owners[0]}"
    return key


def key_is_local(
    found: Found, owner: Callable[[Found], frozenset[str]], local_patients: Collection[str]
) -> bool:
    """Whether ``key_of(found)`` means something only inside its own export.

    So it is when it comes from an id or a digest (no identifier, no global
    URL) and the patient it is scoped by, if any, has such a key too.
    """
    if first_identifier(found.resource) or is_global(found.full_url):
        return False
    owners = sorted(owner(found)) if found.type not in ("Patient", *SUPPORTING) else []
    return not owners or owners[0] in local_patients


class Target(NamedTuple):
    """What a reference names, whether or not it is in the file."""

    type: str  # "" when the reference does not say
    key: str  # the key the resource would have (as ``key_of`` makes it); "" for none
    local: bool  # the key is an id local to the export


def target_of(reference: Json, expected: str = "") -> Target:
    """The resource ``reference`` names, read from the reference alone.

    A reference to a resource that is not in the file gets the key the
    resource would have if it were: "Patient/123", its global URL, or
    "Patient/system|value" for an identifier. Only a reference to something
    inside the referring resource ("#p1"), or one that names nothing (a
    display alone), has no key.
    """
    declared = string(reference.get("type"))
    target = string(reference.get("reference"))
    if target and not target.startswith("#"):
        target = _HISTORY.sub("", target)
        if "?" in target:
            # A conditional reference, as bulk exports write them: Patient?identifier=s|v
            base, _sep, query = target.partition("?")
            kind = base.rsplit("/", 1)[-1] or declared
            name, _sep, value = unquote(query).partition("=")
            system, _sep, code = value.partition("|")
            if name == "identifier" and system and code:
                return Target(kind, f"{kind or expected}/{system}|{code}", False)
            return Target(kind, target, True)
        if match := _RELATIVE.search(target):
            kind, logical = match.groups()
            if is_global(target):
                return Target(kind, target, False)
            return Target(kind, f"{kind}/{logical}", True)
        if is_global(target):
            return Target(declared, target, False)
        typed = _TYPED.search(target)
        return Target(typed.group(1) if typed else declared, target, True)
    identifier = obj(reference.get("identifier"))
    system, value = string(identifier.get("system")), identifier_value(identifier)
    if system and value:
        return Target(declared, f"{declared or expected}/{system}|{value}", False)
    return Target(declared, "", False)


def identifiers_of(found: Found) -> list[dict[str, str]]:
    """Every identifier of ``found``, and its URL or id under a system naming its type."""
    result = []
    for identifier in objs(found.resource.get("identifier")):
        value = identifier_value(identifier)
        if value:
            result.append({"system": string(identifier.get("system")), "value": value})
    local = found.full_url if is_global(found.full_url) else string(found.resource.get("id"))
    if local:
        result.append({"system": f"urn:fhir:{found.type}", "value": local})
    return result


def first_identifier(resource: Json) -> tuple[str, str] | None:
    for identifier in objs(resource.get("identifier")):
        system, value = string(identifier.get("system")), identifier_value(identifier)
        if system and value and identifier.get("use") != "old":
            return system, value
    return None


def identifier_value(identifier: Json) -> str:
    value = identifier.get("value")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return string(value)


def is_global(url: str) -> bool:
    return url.startswith(("urn:uuid:", "urn:oid:", "http://", "https://"))


def _digest(found: Found) -> str:
    try:
        text = json.dumps(found.resource, sort_keys=True, default=str)
    except (RecursionError, ValueError):
        text = found.where()
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]
