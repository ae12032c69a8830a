"""A parsed C-CDA to a ``Mapping``: the header, then each section by its kind.

Every clinical statement of a section ends in exactly one place, counted
under the section kind's label: an entry, a skip with its reason, or (in
sections read as notes) ``used``, its content being in the note. A wrapper
(a problem's concern act, a results organizer) is not counted itself: its
statements are. ``sections.py`` tells the kinds apart; each kind's reader is
in a module of its own, listed in ``READERS``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from myhealthhub.imports.base import AboutFile, Mapping
from myhealthhub.imports.carried import DOCUMENT_KINDS
from myhealthhub.imports.ccda import (
    allergies,
    encounters,
    family,
    immunizations,
    medications,
    people,
    problems,
    procedures,
    results,
    social,
)
from myhealthhub.imports.ccda.context import Context
from myhealthhub.imports.ccda.notes import section_note, unstructured
from myhealthhub.imports.ccda.parse import Parsed
from myhealthhub.imports.ccda.sections import OTHER, Section, sections
from myhealthhub.imports.ccda.xml import attr, kid, path, text_of

Reader = Callable[[Context, Section], None]

READERS: dict[str, Reader] = {
    "problems": problems.read,
    "allergies": allergies.read,
    "medications": medications.read,
    "immunizations": immunizations.read,
    "results": results.read,
    "vital-signs": results.vital_signs,
    "social-history": social.read,
    "procedures": procedures.read,
    "encounters": encounters.read,
    "family-history": family.read,
    "care-team": people.care_team_section,
}


def to_mapping(parsed: Parsed) -> Mapping:
    root = parsed.root
    ctx = Context(parsed)
    people.patient(ctx, root)
    ctx.mapping.sender = people.sender(root)
    ctx.mapping.system = people.system(ctx, root)
    people.care_team(ctx, root)
    document_date = ctx.when(kid(root, "effectiveTime"))
    title = text_of(kid(root, "title")) or ctx.concept(kid(root, "code"))
    ctx.mapping.title = title
    ctx.mapping.written = document_date.date if document_date else None
    ctx.mapping.about = AboutFile(
        title=title[:255],
        when=document_date.date if document_date else None,
        facility=ctx.mapping.sender[:200],
        kind=DOCUMENT_KINDS.get(attr(kid(root, "code"), "code"), "visit_summary"),
    )
    unstructured_body = path(root, "component", "nonXMLBody")
    if unstructured_body is not None:
        unstructured(ctx, root, unstructured_body, title)
    for section in sections(path(root, "component", "structuredBody")):
        statements = list(section.statements())
        if section.kind.name == "payers":
            for statement in statements:
                ctx.skip(
                    statement,
                    section.origin,
                    _("insurance record; MyHealthHub does not keep these"),
                )
        elif section.kind is OTHER or not statements:
            noted = section_note(ctx, section, document_date)
            for statement in statements:
                if noted:
                    ctx.used(section.origin)
                else:
                    ctx.skip(
                        statement,
                        section.origin,
                        _("a kind of record MyHealthHub does not read, in a section without text"),
                    )
        else:
            READERS[section.kind.name](ctx, section)
    ctx.flush_warnings()
    return ctx.mapping
