"""Where an entry came from, named for whoever reads it.

A source is stored as facts (who typed, which document, which device); what
a reader sees is worked out here, in their language: "Typed by you", "Typed
by rosa (caregiver)", "Sacred Heart — Patient summary, 9 Apr 2015". Never an
e-mail address, never the name of an imported file: the file's name is the
import's, and only the entry's own page links to it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from myhealthhub.accounts.models import User
from myhealthhub.lib.dates import PartialDate, Precision
from myhealthhub.profiles.models import Grant, Role
from myhealthhub.records.kinds import Kind
from myhealthhub.records.models import Entry, Source, SourceKind

# One whole sentence per role: Spanish needs the role's own words around the name.
TYPED_BY: dict[Role | None, Promise] = {
    Role.OWNER: gettext_lazy("Typed by %(name)s (owner)"),
    Role.EDITOR: gettext_lazy("Typed by %(name)s (caregiver)"),
    Role.VIEWER: gettext_lazy("Typed by %(name)s (viewer)"),
    None: gettext_lazy("Typed by %(name)s"),
}


class Typists:
    """The people who may type into one profile: their names and roles, read in one query.

    Made once per page (or per summary) and asked for every row, so that a
    list of a hundred hand-typed entries reads the accounts once, not a
    hundred times.
    """

    def __init__(self, profile_id: int) -> None:
        self.profile_id = profile_id
        self._known: dict[int, tuple[str, Role | None]] | None = None

    def name_and_role(self, source: Source) -> tuple[str, Role | None]:
        """Who typed ``source``'s entries, and their role on the profile (None: no grant)."""
        if self._known is None:
            self._known = self._read()
        assert source.author_id is not None
        known = self._known.get(source.author_id)
        if known is None:
            # An account with no grant at all on the profile: rare, read on its own.
            author = source.author
            known = (name_of(author) if author else "", None)
            self._known[source.author_id] = known
        return known

    def _read(self) -> dict[int, tuple[str, Role | None]]:
        now = timezone.now()
        known: dict[int, tuple[str, Role | None]] = {}
        live: set[int] = set()
        grants = Grant.objects.filter(profile_id=self.profile_id).select_related("account")
        # Oldest first: a later grant says more about the person now than an earlier one,
        # and a grant still in force wins over one revoked (a caregiver asked back).
        for grant in grants.order_by("granted_at", "id"):
            in_force = grant.is_in_force(now)
            if grant.account_id in live and not in_force:
                continue
            known[grant.account_id] = (name_of(grant.account), grant.role_enum)
            if in_force:
                live.add(grant.account_id)
        return known


def name_of(account: User) -> str:
    """The name an account goes by: its first and last names, else its e-mail's local part.

    The local part, not the address: a source is shown to everyone who may
    read the profile, and an address is more than they need.
    """
    full = f"{account.first_name} {account.last_name}".strip()
    return full or account.email.split("@", 1)[0]


def source_label(
    source: Source,
    reader: User | None,
    *,
    short: bool = False,
    typists: Typists | None = None,
) -> str:
    """``source`` named for ``reader``, in the active language.

    ``short`` is for lists and the summary: an import by its organisation
    and date (its title if it names none). ``reader`` None (a PDF made for
    someone else to read) names every typist in the third person. Pass one
    ``typists`` for every row of a page.
    """
    if source.kind == SourceKind.MANUAL:
        return _typed(source, reader, typists or Typists(source.profile_id), short=short)
    if source.kind == SourceKind.IMPORT:
        return _imported(source, short=short)
    return ", ".join(part for part in (source.label, source.facility) if part)


def source_name(source: Source, reader: User | None, typists: Typists | None = None) -> str:
    """Who ``source`` is, without the date: an import's organisation, else as ``source_label``.

    For lines that name several sources at once, where one organisation's
    many documents are one name.
    """
    if source.kind == SourceKind.IMPORT:
        return source.facility or source.label or _("Imported file")
    return source_label(source, reader, short=True, typists=typists)


def _typed(source: Source, reader: User | None, typists: Typists, *, short: bool) -> str:
    if source.author_id is None:
        return _("Typed by hand")  # the account is gone: nothing left to name
    if reader is not None and reader.pk == source.author_id:
        return _("Typed by you")
    name, role = typists.name_and_role(source)
    if short and reader is None:
        # The summary's narrow last column, read by a clinician: the name says
        # enough, and who is owner or caregiver means nothing to them.
        return _("Typed by %(name)s") % {"name": name}
    return str(TYPED_BY[role]) % {"name": name}


def _imported(source: Source, *, short: bool) -> str:
    organisation, title = source.facility, source.label
    written = source.written_on
    date = day(written) if written else ""
    if short:
        first = organisation or title
    else:
        first = " — ".join(part for part in (organisation, title) if part)
    if not first:
        first = _("Imported file")
    return f"{first}, {date}" if date else first


def day(value: PartialDate) -> str:
    """ "9 Apr 2015", "Apr 2015" or "2015" in the active language, as the summary writes dates.

    A month's name, not its number: no reader takes 04/09 for September.
    """
    if value.precision == Precision.DAY:
        return formats.date_format(value.earliest, "j M Y")
    if value.precision == Precision.MONTH:
        return formats.date_format(value.earliest, "M Y")
    return str(value.year)


def sources_of(profile_id: int, items: Iterable[tuple[Kind, uuid.UUID]]) -> dict[uuid.UUID, Source]:
    """The Source of each entry named by kind and UUID (a timeline page's items).

    One query per kind on the page and one for the sources: the count depends
    on the kinds shown, never on the number of entries.
    """
    wanted: dict[type[Entry], list[uuid.UUID]] = defaultdict(list)
    for kind, entry_uuid in items:
        wanted[kind.model].append(entry_uuid)
    source_ids: dict[uuid.UUID, int] = {}
    for model, uuids in wanted.items():
        rows = model.objects.filter(profile_id=profile_id, uuid__in=uuids)
        source_ids.update(rows.values_list("uuid", "source_id"))
    sources = Source.objects.filter(profile_id=profile_id).in_bulk(set(source_ids.values()))
    return {entry_uuid: sources[source_id] for entry_uuid, source_id in source_ids.items()}
