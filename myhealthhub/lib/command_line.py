"""What the record's management commands share."""

from __future__ import annotations

from django.core.checks import Tags

# What the record's commands check before they work: everything but the URL
# configuration, whose check imports every view and with them the web stack
# (WeasyPrint, icalendar, pypdf, the share-link machinery): half a second of
# start-up that a command printing a list of profiles has no use for.
# `myhealthhub check` and `serve` still run every check.
COMMAND_LINE_CHECKS: list[str] = [
    Tags.models,
    Tags.files,
    Tags.compatibility,
    Tags.caches,
    Tags.translation,
    Tags.templates,
    Tags.staticfiles,
    Tags.signals,
    Tags.async_support,
]
