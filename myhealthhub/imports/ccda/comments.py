"""The comments vendors attach to a statement: text that goes into its entry's notes."""

from __future__ import annotations

from myhealthhub.imports.ccda.context import Context
from myhealthhub.imports.ccda.xml import Element, attr, kid, local, related, template_ids

# Comment activity (C-CDA), IHE comment, CCD 1.0 comment.
COMMENT_TEMPLATES = frozenset(
    {
        "2.16.840.1.113883.10.20.22.4.64",
        "1.3.6.1.4.1.19376.1.5.3.1.4.2",
        "2.16.840.1.113883.10.20.1.40",
    }
)
COMMENT_CODE = "48767-8"


def is_comment(element: Element) -> bool:
    if local(element) != "act":
        return False
    return bool(template_ids(element) & COMMENT_TEMPLATES) or (
        attr(kid(element, "code"), "code") == COMMENT_CODE
    )


def comments(ctx: Context, statement: Element) -> list[str]:
    """The texts of the comment acts in ``statement``'s entryRelationships."""
    return [
        text
        for act in related(statement, "act")
        if is_comment(act) and (text := ctx.statement_text(act))
    ]
