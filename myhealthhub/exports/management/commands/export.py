"""`myhealthhub export --profile UUID --format FORMAT --output PATH`: an export, in a terminal.

The same writing as the web's jobs, straight to PATH: beside it first and
renamed once whole, so a failed export leaves no half file. Errors end the
command with one line and a non-zero exit status.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from myhealthhub.errors import ActionRefused
from myhealthhub.exports import jobs
from myhealthhub.exports.formats import exporters
from myhealthhub.lib.command_line import COMMAND_LINE_CHECKS
from myhealthhub.lib.progress import ProgressBar
from myhealthhub.profiles.models import Profile
from myhealthhub.summary.options import PAPER_SIZES

log = logging.getLogger(__name__)

FORMATS = ("pdf", "ips", "fhir", "csv", "ics", "archive")


class Command(BaseCommand):
    help = _("Export a profile: summary PDF, IPS, FHIR, CSV, iCalendar or the full archive.")
    requires_system_checks = COMMAND_LINE_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", required=True, type=uuid.UUID, help=_("profile UUID"))
        parser.add_argument("--format", required=True, help="|".join(FORMATS))
        parser.add_argument("--output", required=True, type=Path, metavar="PATH")
        parser.add_argument(
            "--language", default="", help=_("en or es (default: the profile's language)")
        )
        parser.add_argument(
            "--paper",
            default="a4",
            help=_("%(sizes)s (PDF only)") % {"sizes": "|".join(PAPER_SIZES)},
        )

    def handle(self, *args: Any, **options: Any) -> None:
        profile = Profile.objects.filter(uuid=options["profile"]).first()
        if profile is None:
            raise CommandError(_("No profile %(uuid)s.") % {"uuid": options["profile"]})
        exporter = exporters().get(options["format"])
        if exporter is None:
            raise CommandError(
                _("No export format %(format)s; choose one of %(formats)s.")
                % {"format": repr(options["format"]), "formats": ", ".join(exporters())}
            )
        output: Path = options["output"]
        if output.is_dir():
            raise CommandError(
                _("%(path)s is a folder; give the path of the file to write.") % {"path": output}
            )
        try:
            export_options = jobs.options_for(
                profile, language=options["language"], paper=options["paper"].lower()
            )
            jobs.export_to_path(
                profile,
                exporter,
                export_options,
                output,
                progress=ProgressBar(self.stderr, _("Writing"), exporter.label),
            )
        except ActionRefused as refusal:
            raise CommandError(refusal.message.replace("\n", " ")) from None
        except OSError as error:
            raise CommandError(
                _("%(path)s: cannot be written (%(reason)s).")
                % {"path": output, "reason": error.strerror}
            ) from None
        except Exception as error:
            log.exception("export of %s as %s failed", profile.uuid, exporter.slug)
            raise CommandError(
                _("The export failed (%(error)s); nothing was written. The error has been logged.")
                % {"error": type(error).__name__}
            ) from None
        size = output.stat().st_size
        self.stdout.write(
            ngettext("Wrote %(path)s (%(count)d byte).", "Wrote %(path)s (%(count)d bytes).", size)
            % {"path": output, "count": size}
        )
