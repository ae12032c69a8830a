"""Every word the viewer's script shows, in the reader's language.

The scripts (static/myhealthhub/shl-*.js) hold no text of their own: the
page hands it these, translated by Django's catalogue, inside a <template>
(not a script block, so the page keeps no inline script at all). A name in
braces, such as {count}, is filled in by the script.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from myhealthhub.lib import codes


def wording() -> dict[str, str]:
    """The script's messages by key, in the active language."""
    return {
        # Opening the link.
        "fetching": _("Fetching the shared information…"),
        "decrypting": _("Decrypting…"),
        "no_link": _(
            "Open the SMART Health Link you received, or paste it below. "
            "It starts with “shlink:/” or contains “#shlink:/”."
        ),
        "nothing": _("Nothing is shared through this link at the moment."),
        # What can go wrong, in plain words.
        "not_a_link": _(
            "This is not a SMART Health Link, or part of it is missing. "
            "Check that you copied the whole link."
        ),
        "newer_version": _(
            "This link was made for a newer version of SMART Health Links "
            "than this viewer can open."
        ),
        "gone": _(
            "This link has expired or was revoked. Ask the person who shared it for a new one."
        ),
        "passcode_wrong": _("Wrong passcode. Attempts left: {count}."),
        "passcode_wrong_uncounted": _("Wrong passcode."),
        "passcode_locked": _(
            "Too many wrong passcodes: this link no longer opens. "
            "Ask the person who shared it for a new one."
        ),
        "passcode_missing": _("Type the passcode you were given."),
        "undecryptable": _(
            "The shared information could not be decrypted. The link may be damaged or incomplete."
        ),
        "unreachable": _(
            "The server that keeps this information ({host}) could not be reached. "
            "Check your connection and try again."
        ),
        "blocked": _(
            "This site's security settings do not let it fetch information from {host}. "
            "Open the link in another SMART Health Link viewer, or ask whoever runs "
            "this site to allow it."
        ),
        "server_error": _(
            "The server that keeps this information answered with an error ({status}). "
            "Try again later."
        ),
        "not_understood": _("The server's answer could not be understood."),
        "too_large": _("The shared file is too large to show here."),
        "insecure": _("This page must be opened over HTTPS to decrypt the information."),
        # The patient and the sections of a summary.
        "born": _("Born"),
        "birth_unknown": _("Birth date not recorded"),
        "name_unknown": _("Name not given"),
        "female": _("Female"),
        "male": _("Male"),
        "other": _("Other"),
        "unknown": _("Unknown"),
        "allergies": _("Allergies"),
        "medications": _("Medications"),
        "problems": _("Problems"),
        "immunizations": _("Immunizations"),
        "results": _("Results"),
        "not_shown": _("Also in this file, not shown here: {list}."),
        "yes": _("Yes"),
        "no": _("No"),
        # A condition's or an allergy's clinical status, as FHIR codes it ("active" goes unsaid).
        "status_recurrence": pgettext("clinical status", "recurrence"),
        "status_relapse": pgettext("clinical status", "relapse"),
        "status_inactive": pgettext("clinical status", "inactive"),
        "status_remission": pgettext("clinical status", "in remission"),
        "status_resolved": pgettext("clinical status", "resolved"),
        # Files that are not a FHIR summary.
        "health_card": _("SMART Health Card"),
        "not_verified": _("Its digital signature was not checked: not verified."),
        "issued_by": _("Issued by {issuer}"),
        "issued_on": _("Issued on {date}"),
        "pdf": _("A PDF document"),
        "file_of_type": _("A file of type {type}"),
        "download": _("Download"),
    }


def vaccine_names(language: str) -> dict[str, str]:
    """CVX code → the vaccine's name in ``language``, for immunizations that carry only a code."""
    return {code.code: code.name_in(language) for code in codes.vaccines()}
