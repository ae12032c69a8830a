"""`myhealthhub import PATH… --profile UUID`: the web page's import, in a terminal.

`myhealthhub import ARCHIVE.zip --owner EMAIL` restores a MyHealthHub
archive instead: a new profile, owned by that account (archive/).

The same pipeline: the files are kept as documents, read with a progress
bar, and the preview is shown; the command then asks, or with ``--yes``
commits at once. A refused file ends the command with one line saying why
and a non-zero exit status; nothing is written.
"""

from __future__ import annotations

import sys
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from myhealthhub.accounts.models import User
from myhealthhub.archive.reading import opened
from myhealthhub.archive.restoring import restore_archive
from myhealthhub.errors import ActionRefused
from myhealthhub.imports.models import ImportJob, JobState
from myhealthhub.imports.people import PersonShown
from myhealthhub.imports.pipeline import (
    commit_job,
    discard_job,
    read_job,
    request_commit,
    start_import,
)
from myhealthhub.imports.presenting import describe_preview
from myhealthhub.imports.preview import Preview
from myhealthhub.lib.command_line import COMMAND_LINE_CHECKS
from myhealthhub.lib.progress import ProgressBar
from myhealthhub.profiles.models import Grant, Profile, Role

YES = {"y", "yes", "s", "si", "sí"}


class Command(BaseCommand):
    help = _(
        "Import FHIR JSON (bundles, NDJSON, IPS, zips of them) or CSV readings into a "
        "profile, or restore a MyHealthHub archive as a new profile (--owner EMAIL)."
    )
    requires_system_checks = COMMAND_LINE_CHECKS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument("--profile", type=uuid.UUID, help=_("profile UUID"))
        parser.add_argument(
            "--owner",
            default="",
            help=_("restore a MyHealthHub archive as a new profile owned by this account (email)"),
        )
        parser.add_argument("--yes", action="store_true", help=_("commit without asking"))
        parser.add_argument(
            "--replace",
            action="store_true",
            help=_(
                "with --owner: the archive replaces the record of the profile it was made "
                "of, which that account owns, instead of becoming a new profile"
            ),
        )
        parser.add_argument(
            "--patient", default="", help=_("which person to import when the file holds several")
        )
        parser.add_argument(
            "--apply-demographics",
            action="store_true",
            help=_(
                "also update the profile's name, birth date, sex and date of death from the file"
            ),
        )
        parser.add_argument(
            "--other-person",
            action="store_true",
            help=_("import even though the file's person does not match the profile"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["owner"]:
            self._restore(options["paths"], options["owner"], options["profile"], options)
            return
        if options["replace"]:
            raise CommandError(_("--replace restores an archive: give --owner EMAIL."))
        if options["profile"] is None:
            raise CommandError(
                _(
                    "Name the profile to import into with --profile UUID, or restore a "
                    "MyHealthHub archive with --owner EMAIL."
                )
            )
        profile = Profile.objects.filter(uuid=options["profile"]).first()
        if profile is None:
            raise CommandError(_("No profile %(uuid)s.") % {"uuid": options["profile"]})
        job = self._start(profile, options["paths"], options["patient"])
        read_job(job, progress_to=ProgressBar(self.stderr, _("Reading"), job.label))
        job.refresh_from_db()
        if job.state == JobState.CHOOSING:
            people = "".join(f"\n  {PersonShown.of(person).label}" for person in job.patients)
            discard_job(job, actor=None, request=None)
            raise CommandError(
                ngettext(
                    "The file is about %(count)d person. Choose one with --patient and their "
                    "name, birth date or record number:%(people)s",
                    "The file is about %(count)d people. Choose one with --patient and their "
                    "name, birth date or record number:%(people)s",
                    len(job.patients),
                )
                % {"count": len(job.patients), "people": people}
            )
        if job.state != JobState.READY:
            raise CommandError(_one_line(job))
        self.stdout.write(describe_preview(job))
        if Preview.of(job).mismatch and not options["other_person"]:
            discard_job(job, actor=None, request=None)
            raise CommandError(
                _(
                    "The file's person does not match %(name)s; nothing was added. "
                    "Check it is the right file, and add --other-person to import it anyway."
                )
                % {"name": profile.name}
            )
        if not options["yes"]:
            if not sys.stdin.isatty():
                discard_job(job, actor=None, request=None)
                raise CommandError(_("Not a terminal: add --yes to commit without asking."))
            # Translators: y/N are the answers to type; "s", "si" and "sí" are understood too.
            question = _("Add this to %(name)s's record? [y/N] ") % {"name": profile.name}
            if input(question).strip().lower() not in YES:
                discard_job(job, actor=None, request=None)
                self.stdout.write(_("Nothing was added."))
                return
        try:
            request_commit(
                job,
                actor=None,
                apply_demographics=options["apply_demographics"],
                other_person_confirmed=options["other_person"],
                enqueue=False,
            )
        except ActionRefused as refusal:
            raise CommandError(refusal.message) from None
        commit_job(job, progress_to=ProgressBar(self.stderr, _("Adding"), job.label))
        job.refresh_from_db()
        if job.state != JobState.COMMITTED:
            raise CommandError(_one_line(job))
        self.stdout.write(_summary(job))

    def _restore(
        self, paths: list[Path], email: str, profile: uuid.UUID | None, options: dict[str, Any]
    ) -> None:
        if profile is not None:
            raise CommandError(
                _("An archive becomes a new profile: give --owner EMAIL without --profile.")
            )
        if len(paths) != 1:
            raise CommandError(_("Restore one archive at a time."))
        owner = User.objects.filter(email=email.strip().lower()).first()
        if owner is None:
            raise CommandError(
                _(
                    "No account %(email)s; make it first with: "
                    "myhealthhub createuser --email %(email)s"
                )
                % {"email": email}
            )
        try:
            file = paths[0].open("rb")
        except OSError as error:
            raise CommandError(_cannot_read(paths[0], error)) from None
        with file:
            try:
                replacing = (
                    self._replaced(_profile_of(file), owner, yes=options["yes"])
                    if options["replace"]
                    else None
                )
                restored = restore_archive(
                    file,
                    owner=owner,
                    progress=ProgressBar(self.stderr, _("Restoring"), paths[0].name),
                    replacing=replacing,
                )
            except ActionRefused as refusal:
                raise CommandError(refusal.message.replace("\n", " ")) from None
        self.stdout.write(restored.summary())

    def _replaced(self, profile_uuid: str, owner: User, *, yes: bool) -> Profile:
        """The profile the archive replaces, once the person has said yes."""
        owned = Grant.objects.in_force().filter(account=owner, role=Role.OWNER)
        profile = Profile.objects.filter(
            uuid=profile_uuid, pk__in=owned.values("profile_id")
        ).first()
        if profile is None:
            raise CommandError(
                _(
                    "%(email)s owns no profile this archive was made of: restore it "
                    "without --replace to make a new profile."
                )
                % {"email": owner.email}
            )
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError(_("Not a terminal: add --yes to replace without asking."))
            # Translators: y/N are the answers to type; "s", "si" and "sí" are understood too.
            question = _(
                "Replace %(name)s's whole record (entries, documents, imports, readings) with "
                "the archive's? What was added since it was made is removed; who may see the "
                "profile and its audit log stay. [y/N] "
            ) % {"name": profile.name}
            if input(question).strip().lower() not in YES:
                raise CommandError(_("Nothing was replaced."))
        return profile

    def _start(self, profile: Profile, paths: list[Path], patient: str) -> ImportJob:
        with ExitStack() as stack:
            files = []
            for path in paths:
                try:
                    files.append((path.name, stack.enter_context(path.open("rb"))))
                except OSError as error:
                    raise CommandError(_cannot_read(path, error)) from None
            try:
                return start_import(
                    profile, files, actor=None, request=None, patient=patient, enqueue=False
                )
            except ActionRefused as refusal:
                raise CommandError(refusal.message) from None


def _profile_of(file: IO[bytes]) -> str:
    """Which profile an archive was made of, as its checked manifest says."""
    with opened(file) as archive:
        profile_uuid = archive.manifest.profile_uuid
    file.seek(0)
    return profile_uuid


def _cannot_read(path: Path, error: OSError) -> str:
    return _("%(path)s: cannot be read (%(reason)s).") % {"path": path, "reason": error.strerror}


def _summary(job: ImportJob) -> str:
    """One line: what the import added and updated, and what was already there."""
    added, updated, documents, readings, present = (
        job.counts.get(key, 0) for key in ("added", "updated", "documents", "readings", "present")
    )
    line = _(
        # Translators: "Imported: 2 entries added, 1 updated, 3 documents, 0 readings; 4 already
        # present. Import UUID", each part translated on its own below.
        "Imported: %(added)s, %(updated)s, %(documents)s, %(readings)s; %(present)s. "
        "Import %(uuid)s"
    )
    return line % {
        "added": ngettext("%(count)d entry added", "%(count)d entries added", added)
        % {"count": added},
        # Translators: entries updated by an import.
        "updated": ngettext("%(count)d updated", "%(count)d updated", updated) % {"count": updated},
        "documents": ngettext("%(count)d document", "%(count)d documents", documents)
        % {"count": documents},
        "readings": ngettext("%(count)d reading", "%(count)d readings", readings)
        % {"count": readings},
        # Translators: entries an import found already in the record.
        "present": ngettext("%(count)d already present", "%(count)d already present", present)
        % {"count": present},
        "uuid": job.uuid,
    }


def _one_line(job: ImportJob) -> str:
    where = f" ({job.where})" if job.where else ""
    return f"{job.label}: {job.message}{where}".replace("\n", " ")
