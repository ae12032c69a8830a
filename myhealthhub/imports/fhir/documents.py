"""Files carried inside the export, and what reports and summaries say in words.

DocumentReference and a DiagnosticReport's ``presentedForm`` become documents
(a PDF, an image, a text); a report's conclusion becomes a note, and so
does a patient's note that MyHealthHub itself exported (its text inline). A
report whose results are only in its narrative becomes a note, or a result
when the narrative is one line "<test>: <value>". A
Composition (an IPS summary) is used for who sent it, and for its sections:
an allergy section that says there are none known becomes that statement;
an allergies, medications or problems section of text only becomes a note,
marked as such (``text_only_sections.py``).
"""

from __future__ import annotations

import base64
import binascii
import re

from django.utils.translation import gettext as _

from myhealthhub.imports import nothing_known, text_only_sections
from myhealthhub.imports.base import (
    MappedDocument,
    MappedEntry,
    Mapping,
    Skipped,
    date_values,
)
from myhealthhub.imports.carried import DOCUMENT_KINDS, DOCUMENT_TYPES, filename_for
from myhealthhub.imports.fhir import ours
from myhealthhub.imports.fhir.allergies import (
    NO_KNOWN_ALLERGIES_TEXT,
    no_known_allergies,
)
from myhealthhub.imports.fhir.context import Context
from myhealthhub.imports.fhir.fields import (
    all_codes,
    codes_of,
    codings_of,
    concept_text,
    narrative_text,
    obj,
    objs,
    string,
    texts_of,
    unique,
)
from myhealthhub.imports.fhir.parse import Found, Json
from myhealthhub.lib.dates import PartialDate

IMAGING_CATEGORIES = frozenset({"RAD", "CT", "MR", "US", "NMR", "NMS", "XR", "RX", "VUS", "CUS"})
ALLERGIES_SECTION = "48765-2"
# LOINC "Patient Note": a note the person wrote, kept as a note rather than a file.
PATIENT_NOTE = "51855-5"
# The identifier system of MyHealthHub's own entries (exporters/fhir_resources/common.py).
OUR_ENTRIES = "urn:myhealthhub:entry"
# A narrative that is one result: "Group A strep antigen: POSITIVE". The colon
# must be followed by a space, so a time ("10:30") or an address is not split.
_ONE_RESULT = re.compile(r"(?P<test>[^:\n]{1,200}?)\s*:\s+(?P<value>[^\n]{1,500})")


def document_reference(ctx: Context, found: Found) -> None:
    resource = found.resource
    patients = ctx.owner(found)
    doc_type = resource.get("type")
    title = (
        concept_text(doc_type)
        or next(iter(texts_of(resource.get("category"))), "")
        or string(resource.get("description"))
        or _("Document")
    )
    context = obj(resource.get("context"))
    when = ctx.when(found, "/date", resource.get("date"))[0]
    if when is None:
        start = obj(context.get("period")).get("start")
        when = ctx.when(found, "/context/period/start", start)[0]
    if (
        PATIENT_NOTE in codes_of(doc_type)
        and _ours(resource)
        and _patient_note(ctx, found, title, when, patients)
    ):
        return
    kind = next((DOCUMENT_KINDS[c] for c in codes_of(doc_type) if c in DOCUMENT_KINDS), "other")
    encounters = [ctx.index.resolve(ref, found) for ref in objs(context.get("encounter"))]
    entry_keys = [ctx.key(e) for e in encounters if e is not None]
    made: list[MappedDocument] = []
    refused: list[tuple[str, str]] = []  # (where in the resource, why)
    for index, content in enumerate(objs(resource.get("content"))):
        path = f"/content/{index}/attachment"
        document = _attachment(ctx, found, path, obj(content.get("attachment")), title, patients)
        if isinstance(document, str):
            refused.append((path, document))
            continue
        document.origin = "DocumentReference" if not made else "DocumentReference.content"
        document.key = ctx.key(found) if not made else f"{ctx.key(found)}#content/{index}"
        document.kind, document.when = kind, when
        document.description = string(resource.get("description"))
        document.why = string(ours.extensions(resource).get("why"))
        document.entry_keys = entry_keys
        made.append(document)
    if not made:
        ctx.skip(found, refused.pop(0)[1] if refused else _("it holds no file"), title)
    _skip_attachments(ctx, found, "DocumentReference.content", refused, title, patients)
    if not made:
        return
    facility = ctx.name_of(resource.get("custodian"), found, patients)
    ctx.names(resource.get("author"), found, patients)  # authors join the care team
    for document in made:
        document.facility = facility
    ctx.mapping.documents.extend(made)


def _ours(resource: Json) -> bool:
    """Whether MyHealthHub wrote ``resource``: our export names each entry by its UUID.

    Only our own notes are read back as notes; a vendor's patient note stays the
    document it has always been imported as, so re-importing its file adds nothing.
    """
    return any(
        string(identifier.get("system")) == OUR_ENTRIES
        for identifier in objs(resource.get("identifier"))
    )


def _patient_note(
    ctx: Context, found: Found, title: str, when: PartialDate | None, patients: frozenset[str]
) -> bool:
    """A patient's note written as plain text inside the resource becomes a note."""
    contents = objs(found.resource.get("content"))
    attachment = obj(contents[0].get("attachment")) if len(contents) == 1 else {}
    content_type = string(attachment.get("contentType")).split(";")[0].strip().lower()
    data = attachment.get("data")
    if content_type != "text/plain" or not isinstance(data, str):
        return False
    try:
        body = base64.b64decode(data, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return False
    # PostgreSQL refuses NUL in text; it is never part of what a person wrote.
    body = body.replace("\x00", "")
    ctx.entry(
        found,
        "notes",
        {
            "display": (
                string(found.resource.get("description"))
                or string(attachment.get("title"))
                or title
            )[:500],
            "codings": [],
            **date_values("date", when),
            "body": body,
        },
        patients,
    )
    return True


def report(ctx: Context, found: Found) -> None:
    resource = found.resource
    patients = ctx.owner(found)
    results = [ctx.index.resolve(ref, found) for ref in objs(resource.get("result"))]
    observations = [r for r in results if r is not None and r.type == "Observation"]
    code = resource.get("code")
    title = concept_text(code) or _("Report")
    categories = all_codes(resource.get("category"))
    kind = (
        "lab_report"
        if "LAB" in categories
        else "imaging_report"
        if categories & IMAGING_CATEGORIES or "18748-4" in codes_of(code)
        else "other"
    )
    when = ctx.date_of(found, "effective") or ctx.when(found, "/issued", resource.get("issued"))[0]
    made: list[MappedDocument] = []
    refused: list[tuple[str, str]] = []  # (where in the resource, why)
    for index, attachment in enumerate(objs(resource.get("presentedForm"))):
        path = f"/presentedForm/{index}"
        document = _attachment(ctx, found, path, attachment, title, patients)
        if isinstance(document, str):
            refused.append((path, document))
        else:
            document.origin = "DiagnosticReport.presentedForm"
            document.key = f"{ctx.key(found)}#presentedForm/{index}"
            document.kind, document.when = kind, when
            document.entry_keys = [ctx.key(o) for o in observations]
            made.append(document)
    if made:
        facility = ctx.names(resource.get("performer"), found, patients)
        for document in made:
            document.facility = facility
        ctx.mapping.documents.extend(made)
    conclusion = "\n".join(
        unique([string(resource.get("conclusion")), *texts_of(resource.get("conclusionCode"))])
    )
    if not made and not observations:
        narrative = narrative_text(resource)
        if narrative.casefold() == title.casefold():
            narrative = ""  # a narrative generated from the report's name says nothing more
        if conclusion:
            ctx.entry(
                found,
                "notes",
                {
                    "display": title,
                    **date_values("date", when),
                    "body": conclusion,
                    "codings": codings_of(code),
                },
                patients,
            )
        elif narrative:
            _narrative_only(ctx, found, narrative, title, when, patients)
        elif refused and not results:
            # The report is its file, and that file was refused: say why once.
            ctx.skip(found, refused.pop(0)[1], title)
        else:
            reason = (
                _("its results are not in the file")
                if results
                else _("an empty report: no results, no text, no file")
            )
            ctx.skip(found, reason, title)
        _skip_attachments(ctx, found, "DiagnosticReport.presentedForm", refused, title, patients)
        return
    _skip_attachments(ctx, found, "DiagnosticReport.presentedForm", refused, title, patients)
    ctx.used(found)
    if conclusion:
        ctx.mapping.entries.append(
            MappedEntry(
                kind="notes",
                key=f"{ctx.key(found)}#conclusion",
                values={"display": title, **date_values("date", when), "body": conclusion},
                origin="DiagnosticReport.conclusion",
                where=found.where("/conclusion"),
                patients=patients,
                key_is_local=ctx.key_is_local(found),
            )
        )


def _narrative_only(
    ctx: Context,
    found: Found,
    narrative: str,
    title: str,
    when: PartialDate | None,
    patients: frozenset[str],
) -> None:
    """A report whose results are written only in its narrative: a result, or a note.

    Some vendors send a rapid test or a blood group as a DiagnosticReport with
    no Observation, only ``text.div`` ("Group A strep antigen: POSITIVE").
    """
    resource = found.resource
    code = resource.get("code")
    one = _ONE_RESULT.fullmatch(narrative)
    if one is None or not any(c.isalpha() for c in one["test"]):
        ctx.warn(
            "narrative-note",
            _("This report's results are only in its narrative text; it was kept as a note."),
            found.where("/text"),
        )
        ctx.entry(
            found,
            "notes",
            {
                "display": title,
                **date_values("date", when),
                "body": narrative,
                "codings": codings_of(code),
            },
            patients,
        )
        return
    test = one["test"].strip()
    # The report's code names the test only when the narrative names it the same way:
    # a "Laboratory report" code on the result would match other results that day.
    names = {concept_text(code).casefold(), *(c["display"].casefold() for c in codings_of(code))}
    ctx.warn(
        "narrative-result",
        _(
            "This report's result is only in its narrative text; it was kept as a result "
            "with that text as its value."
        ),
        found.where("/text"),
    )
    ctx.entry(
        found,
        "results",
        {
            "display": test,
            "codings": codings_of(code) if test.casefold() in names else [],
            "category": "laboratory" if "LAB" in all_codes(resource.get("category")) else "other",
            **date_values("date", when),
            "effective_time": None,
            "value_number": None,
            "comparator": "",
            "unit": "",
            "unit_text": "",
            "value_text": one["value"].strip(),
            "reference_low": None,
            "reference_high": None,
            "reference_text": "",
            "interpretation": "",
            "components": [],
            "notes": "",
        },
        patients,
    )


def _attachment(
    ctx: Context, found: Found, path: str, attachment: Json, title: str, patients: frozenset[str]
) -> MappedDocument | str:
    """The file of an attachment, or why there is none."""
    data = attachment.get("data")
    if not isinstance(data, str) or not data:
        if string(attachment.get("url")):
            return _("the file is not inside the export, only a link to it")
        return _("it holds no file")
    content_type = string(attachment.get("contentType")).split(";")[0].strip().lower()
    extension = DOCUMENT_TYPES.get(content_type)
    if extension is None:
        return _("a file of type “%(type)s”, which MyHealthHub does not keep") % {
            "type": content_type or _("unknown")
        }
    try:
        content = base64.b64decode(data)
    except (binascii.Error, ValueError):
        ctx.warn("base64", _("This file could not be decoded; it was left out."), found.where(path))
        return _("its file could not be decoded")
    name = string(attachment.get("title")) or title
    filename = filename_for(name, extension)
    return MappedDocument(
        key=ctx.key(found),
        filename=filename,
        content=content,
        origin=found.type,
        where=found.where(path),
        title=name,
        patients=patients,
        key_is_local=ctx.key_is_local(found),
    )


def _skip_attachments(
    ctx: Context,
    found: Found,
    origin: str,
    refused: list[tuple[str, str]],
    title: str,
    patients: frozenset[str],
) -> None:
    """Files of a resource that were not kept, each with why, for the preview."""
    for path, reason in refused:
        ctx.mapping.skipped.append(Skipped(origin, reason, found.where(path), title, patients))


def link_documents(mapping: Mapping) -> None:
    """Keep only the links from documents to entries that were made."""
    if not mapping.documents:
        return
    made = {entry.key for entry in mapping.entries}
    for document in mapping.documents:
        document.entry_keys = [key for key in document.entry_keys if key in made]


# Summaries --------------------------------------------------------------------


def composition(ctx: Context, found: Found) -> None:
    resource = found.resource
    patients = ctx.owner(found)
    ctx.used(found)
    custodian = ctx.name_of(resource.get("custodian"), found, patients)
    authors = [ctx.index.resolve(ref, found) for ref in objs(resource.get("author"))]
    for author in authors:
        if author is not None and author.type != "Organization":
            ctx.name_from(author, patients)
    organizations = [a for a in authors if a is not None and a.type == "Organization"]
    sender = custodian
    for organization in organizations:
        name = string(organization.resource.get("name"))
        if name and name == (sender or name):
            sender = ctx.name_from(organization, patients)
    ctx.mapping.sender = ctx.mapping.sender or sender
    for attester in objs(resource.get("attester")):
        party = ctx.index.resolve(obj(attester.get("party")), found)
        if party is not None and party.type in ("Practitioner", "PractitionerRole"):
            ctx.name_from(party, patients)
    stated = ctx.when(found, "/date", resource.get("date"))[0]
    _sections(ctx, found, resource, "", stated, patients, depth=0)


def _sections(
    ctx: Context,
    found: Found,
    parent: Json,
    path: str,
    stated: PartialDate | None,
    patients: frozenset[str],
    depth: int,
) -> None:
    for index, section in enumerate(objs(parent.get("section"))):
        here = f"{path}/section/{index}"
        if section.get("section") and depth < 5:
            _sections(ctx, found, section, here, stated, patients, depth + 1)
        if objs(section.get("entry")):
            continue
        title = string(section.get("title")) or concept_text(section.get("code")) or _("untitled")
        reason = section.get("emptyReason")
        text = _section_text(section)
        if ALLERGIES_SECTION in codes_of(section.get("code")) and (
            "nilknown" in codes_of(reason) or (not reason and NO_KNOWN_ALLERGIES_TEXT.search(text))
        ):
            ctx.mapping.entries.append(
                MappedEntry(
                    kind="no-known-allergies",
                    key=f"{ctx.key(found)}#section/{ALLERGIES_SECTION}",
                    values={
                        "display": no_known_allergies("all"),
                        "codings": [],
                        **date_values("date", stated),
                        "notes": text,
                    },
                    origin="Composition.section",
                    where=found.where(here),
                    patients=patients,
                    key_is_local=ctx.key_is_local(found),
                )
            )
        elif reason:
            ctx.warn(
                "section",
                _("The section “%(title)s” is empty: %(reason)s.")
                % {
                    "title": title,
                    "reason": concept_text(reason, code_too=True, keep_unknown=True),
                },
                found.where(here),
            )
        elif text and (listed := _text_only_list(section)):
            _text_only_note(ctx, found, section, here, title, listed, stated, patients)
        elif text and not section.get("section"):
            ctx.warn(
                "section",
                _("The section “%(title)s” holds only text, which was not imported.")
                % {"title": title},
                found.where(here),
            )


def _text_only_list(section: Json) -> str:
    """The kind of list an allergies, medications or problems section is, if it is one."""
    if section.get("section"):
        return ""
    return next(
        (
            text_only_sections.KIND_OF_CODE[code]
            for code in codes_of(section.get("code"))
            if code in text_only_sections.KIND_OF_CODE
        ),
        "",
    )


def _text_only_note(
    ctx: Context,
    found: Found,
    section: Json,
    here: str,
    title: str,
    listed: str,
    stated: PartialDate | None,
    patients: frozenset[str],
) -> None:
    """A list written only as text: kept as a note, marked, and warned about."""
    body = narrative_text(section).strip()
    if nothing_known.phrase_of(body) is None:
        ctx.warn("section", text_only_sections.warning(listed, title[:100]), found.where(here))
    ctx.mapping.entries.append(
        MappedEntry(
            kind="notes",
            key=f"{ctx.key(found)}#{here.lstrip('/')}",
            values={
                "display": title[:200],
                "codings": text_only_sections.codings(listed, codings_of(section.get("code"))),
                **date_values("date", stated),
                "body": body,
            },
            origin="Composition.section",
            where=found.where(here),
            patients=patients,
            key_is_local=ctx.key_is_local(found),
        )
    )


def _section_text(section: Json) -> str:
    # One line: it is searched for "no known allergies" and kept as a statement's notes.
    return " ".join(narrative_text(section).split())
