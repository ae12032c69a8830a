"""Text without entries: sections read as notes, and unstructured bodies kept as documents.

A section MyHealthHub has no entries for (plan of care, assessment, hospital
course...), or one of a kind it reads that holds only text, becomes a note
titled as the section is. An allergies, medications or problems section of
text only is marked as such (``text_only_sections.py``) and warned about.
A document whose body is not XML (``nonXMLBody``: a scanned letter, a PDF,
plain text) is kept as a document.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from django.utils.translation import gettext as _

from myhealthhub.imports import nothing_known, text_only_sections
from myhealthhub.imports.base import MappedDocument, date_values
from myhealthhub.imports.carried import DOCUMENT_KINDS, DOCUMENT_TYPES, filename_for
from myhealthhub.imports.ccda.context import Context
from myhealthhub.imports.ccda.plain_text import plain_text
from myhealthhub.imports.ccda.sections import TEXT, Section
from myhealthhub.imports.ccda.xml import (
    Element,
    Moment,
    attr,
    display_name,
    kid,
    raw_text,
    template_ids,
)

NOTES_SECTION = "2.16.840.1.113883.10.20.22.2.65"
# Control characters but tab and newline: the text of a plain-text body keeps its lines.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Narrative that says only that there is nothing to say.
_NOTHING = frozenset(
    {"", "none", "no data", "no information", "not available", "n/a", "na", "none recorded"}
)


def section_note(ctx: Context, section: Section, document_date: Moment | None) -> bool:
    """The section's text as a note; False if it has no text worth keeping."""
    body = plain_text(section.text, ctx.by_id) if section.text is not None else ""
    if body.strip().casefold().rstrip(".") in _NOTHING:
        return False
    title = section.title or str(section.kind.label)
    if NOTES_SECTION in template_ids(section.element):
        # Notes sections are all titled alike ("Notes"); their code says which note.
        title = display_name(kid(section.element, "code")) or title
    codings = (
        [{"system": "http://loinc.org", "code": section.code, "display": title}]
        if section.code
        else []
    )
    if section.kind.name in text_only_sections.CODES:
        codings = text_only_sections.codings(section.kind.name, codings)
        # A text that only says there are none ("NKDA") is a statement, not a list.
        if nothing_known.phrase_of(body) is None:
            ctx.warn(
                "text-only-list",
                text_only_sections.warning(section.kind.name, title[:100]),
                ctx.where(section.element),
            )
    values: dict[str, Any] = {
        "display": title[:200],
        "codings": codings,
        **date_values("date", document_date.date if document_date else None),
        "body": body,
    }
    ctx.entry(section.element, str(TEXT), "notes", values)
    return True


def unstructured(ctx: Context, root: Element, body: Element, title: str) -> None:
    """A ``nonXMLBody``: the file inside it as a document, or why it cannot be kept."""
    origin = _("Unstructured document")
    text = kid(body, "text")
    if text is None:
        ctx.skip(body, origin, _("it holds no file"), title)
        return
    reference = kid(text, "reference")
    if reference is not None and not (text.text or "").strip():
        ctx.skip(
            body,
            origin,
            _("the file is not inside the document, only a link to it"),
            title,
        )
        return
    media_type = attr(text, "mediaType").split(";")[0].lower() or "text/plain"
    extension = DOCUMENT_TYPES.get(media_type)
    if extension is None:
        ctx.skip(
            body,
            origin,
            _("a file of type “%(type)s”, which MyHealthHub does not keep") % {"type": media_type},
            title,
        )
        return
    if attr(text, "representation").upper() == "B64":
        try:
            content = base64.b64decode("".join((text.text or "").split()), validate=True)
        except (binascii.Error, ValueError):
            ctx.warn(
                "base64", _("This file could not be decoded; it was left out."), ctx.where(text)
            )
            ctx.skip(body, origin, _("its file could not be decoded"), title)
            return
    else:
        raw = raw_text(text) if media_type == "text/plain" else ""
        content = _CONTROL.sub("", raw.replace("\r\n", "\n")).strip().encode()
    if not content:
        ctx.skip(body, origin, _("it holds no file"), title)
        return
    when = ctx.when(kid(root, "effectiveTime"))
    key = ctx.id_key(root)
    ctx.mapping.documents.append(
        MappedDocument(
            key=f"{key}#body" if key else "cda:body",
            filename=filename_for(title or _("Clinical document"), extension),
            content=content,
            origin=origin,
            where=ctx.where(text),
            title=title[:200],
            kind=DOCUMENT_KINDS.get(attr(kid(root, "code"), "code"), "other"),
            when=when.date if when else None,
            facility=ctx.mapping.sender[:200],
            patients=ctx.patients,
            key_is_local=not key,
        )
    )
