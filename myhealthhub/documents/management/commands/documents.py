from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from myhealthhub.documents import keys
from myhealthhub.documents.actions import Details, add_document, purge_deleted
from myhealthhub.documents.models import Document, DocumentKind
from myhealthhub.errors import ActionRefused
from myhealthhub.lib import crypto
from myhealthhub.lib.command_line import COMMAND_LINE_CHECKS
from myhealthhub.lib.dates import PartialDate
from myhealthhub.profiles.models import Profile


class Command(BaseCommand):
    help = _("Add documents to a profile, or list them.")
    requires_system_checks = COMMAND_LINE_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help=_("encrypt and keep one or more files as documents"))
        add.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        add.add_argument("--profile", required=True, type=uuid.UUID, help=_("the profile's UUID"))
        add.add_argument("--date", help=_("the document's date: YYYY, YYYY-MM or YYYY-MM-DD"))
        add.add_argument("--facility", default="", help=_("where it comes from"))
        add.add_argument("--kind", choices=list(DocumentKind.values), default=DocumentKind.OTHER)
        add.add_argument("--why", default="", help=_("why it is kept: the question it answered"))
        add.add_argument("--description", default="")
        listing = sub.add_parser("list", help=_("list a profile's documents"))
        listing.add_argument("--profile", required=True, type=uuid.UUID)
        sub.add_parser(
            "purge", help=_("remove for good the documents deleted more than 30 days ago")
        )
        get = sub.add_parser("get", help=_("write a document's original file, decrypted"))
        get.add_argument("uuid", type=uuid.UUID)
        get.add_argument("--output", "-o", required=True, type=Path, metavar="PATH")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"handle_{action}")(**options)

    def handle_add(
        self,
        *,
        paths: list[Path],
        profile: uuid.UUID,
        date: str | None,
        facility: str,
        kind: str,
        why: str,
        description: str,
        **_options: Any,
    ) -> None:
        target = _profile(profile)
        try:
            when = PartialDate.parse(date) if date else None
        except ValueError:
            raise CommandError(
                _("--date %(value)s is not YYYY, YYYY-MM or YYYY-MM-DD") % {"value": repr(date)}
            ) from None
        details = Details(kind=kind, when=when, facility=facility, why=why, description=description)
        failures = 0
        for path in paths:
            try:
                with path.open("rb") as handle:
                    document = add_document(
                        target,
                        handle,
                        filename=path.name,
                        actor=None,
                        request=None,
                        details=details,
                    )
            except OSError as error:
                failures += 1
                self.stderr.write(
                    _("%(path)s: cannot be read (%(reason)s)")
                    % {"path": path, "reason": error.strerror}
                )
                continue
            except ActionRefused as refusal:
                failures += 1
                self.stderr.write(f"{path}: {refusal.message}")
                continue
            note = "  " + _("(already present)") if document.duplicate_of_id else ""
            self.stdout.write(f"{document.uuid}  {path.name}{note}")
        if failures:
            raise CommandError(
                ngettext(
                    "%(failures)d of %(count)d file was not added.",
                    "%(failures)d of %(count)d files were not added.",
                    len(paths),
                )
                % {"failures": failures, "count": len(paths)}
            )

    def handle_list(self, *, profile: uuid.UUID, **_options: Any) -> None:
        target = _profile(profile)
        documents = Document.objects.filter(profile=target).alive().select_related("file")
        for document in documents.order_by("-uploaded_at"):
            when = document.when.isoformat() if document.when else "-"
            self.stdout.write(f"{document.uuid}  {when:<10}  {document.kind:<17}  {document.title}")

    def handle_purge(self, **_options: Any) -> None:
        removed = purge_deleted()
        message = ngettext(
            # Translators: the English says "documents" even for one, as scripts read this line.
            "Removed %(count)d deleted documents for good.",
            "Removed %(count)d deleted documents for good.",
            removed,
        )
        self.stdout.write(message % {"count": removed})

    def handle_get(self, *, uuid: uuid.UUID, output: Path, **_options: Any) -> None:
        document = Document.objects.alive().select_related("file").filter(uuid=uuid).first()
        if document is None:
            raise CommandError(_("No document %(uuid)s.") % {"uuid": uuid})
        # Decrypted chunk by chunk into a new file: never a half-written original.
        partial = output.with_name(output.name + ".partial")
        try:
            with partial.open("xb") as handle:
                for chunk in keys.read(document.file):
                    handle.write(chunk)
        except crypto.IntegrityError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(
                _("%(title)s: the stored file is damaged (%(error)s).")
                % {"title": document.title, "error": error}
            ) from None
        except FileExistsError:
            raise CommandError(
                _("%(path)s is in the way; remove it first.") % {"path": partial}
            ) from None
        partial.replace(output)
        self.stdout.write(str(output))


def _profile(profile_uuid: uuid.UUID) -> Profile:
    profile = Profile.objects.filter(uuid=profile_uuid).first()
    if profile is None:
        raise CommandError(_("No profile %(uuid)s.") % {"uuid": profile_uuid})
    return profile
