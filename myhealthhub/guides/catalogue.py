"""The guides: each one's address, translated title and one-line description.

The text of a guide is not here: each language has its own template,
``guides/<language>/<slug>.html``, written for that language rather than
translated line by line. What the index, the links and the page titles show
goes through gettext, from this registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# The language whose text every guide has; any other falls back to it.
FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class Guide:
    slug: str
    title: Promise
    description: Promise
    # Where the guide's main step is done: a key of targets.TARGETS, and its button.
    action: str
    action_label: Promise

    def templates(self, language: str | None = None) -> list[str]:
        """The body's templates to try, in the given (or active) language first."""
        language = (language or get_language() or FALLBACK_LANGUAGE).split("-")[0]
        names = [f"guides/{language}/{self.slug}.html"]
        if language != FALLBACK_LANGUAGE:
            names.append(f"guides/{FALLBACK_LANGUAGE}/{self.slug}.html")
        return names


GUIDES: dict[str, Guide] = {
    guide.slug: guide
    for guide in (
        Guide(
            "what-a-phr-is",
            _("What a personal health record is, and what it is not"),
            _("Your own copy of your health information, gathered from many places."),
            action="overview",
            action_label=_("Open your record"),
        ),
        Guide(
            "summary-for-a-new-clinician",
            _("Build a one-page summary for a new clinician"),
            _("Check what matters, choose the sections, then print it, save a PDF or share it."),
            action="summary",
            action_label=_("Open the summary"),
        ),
        Guide(
            "what-to-bring",
            _("What to bring to a visit"),
            _("The checklist, your medication list, your questions and the right documents."),
            action="checklist",
            action_label=_("Open the checklist"),
        ),
        Guide(
            "records-from-many-places",
            _("Organise records from many places"),
            _("Import from patient portals, apps and devices, and keep where each item came from."),
            action="imports",
            action_label=_("Import a file"),
        ),
        Guide(
            "medication-review",
            _("Review your medication list with a pharmacist"),
            _("Bring the list, mark what you still take, and record the review and the next one."),
            action="medication_list",
            action_label=_("Open the medication list"),
        ),
    )
}
