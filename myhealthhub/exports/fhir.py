"""All of a profile as one FHIR R4 ``collection`` Bundle, written as it is read.

The bundle holds the Patient (with emergency contacts as ``contact`` and the
care team as ``generalPractitioner``), one resource per living entry (how each
kind maps is in ``fhir_resources/``), a DocumentReference per kept document
(its file is not inside: ``attachment.url`` names where the full archive
stores it), and a Provenance per source naming every resource it gave.

Entries are read in chunks and each resource is written as soon as it is
made, so a profile with 100,000 results never becomes one object in memory:
the export writes the pieces to its file, the FHIR API's ``$everything``
streams the same pieces to its caller (``FhirExport.pieces``).
Deleted entries and documents are left out. Device and wearable samples are
left out too: they can be millions of readings, which as Observations would
multiply the file's size for no reader's benefit; the full archive carries
them in a form of their own.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any, BinaryIO

import orjson
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from myhealthhub.documents.models import Document, DocumentLink
from myhealthhub.exports.fhir_resources import RESOURCES, bundle_entry, people
from myhealthhub.exports.fhir_resources.common import Json, instant, urn
from myhealthhub.exports.formats import Progress
from myhealthhub.profiles.models import Profile, Role
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Source
from myhealthhub.records.models.base import EntryQuerySet
from myhealthhub.summary.options import ExportOptions

CHUNK = 2000


class FhirExport:
    slug = "fhir"
    role = Role.OWNER
    background = True
    media_type = "application/fhir+json"
    extension = "json"

    @property
    def label(self) -> str:
        return str(_("FHIR R4 (everything)"))

    @property
    def description(self) -> str:
        return str(
            _(
                "Every entry, document reference and source of this profile as one FHIR R4 "
                "bundle, for another health record app or a clinic's system."
            )
        )

    def write(
        self, profile: Profile, out: BinaryIO, options: ExportOptions, progress: Progress
    ) -> None:
        for piece in self.pieces(profile, options, progress):
            out.write(piece)

    def pieces(
        self, profile: Profile, options: ExportOptions, progress: Progress
    ) -> Iterator[bytes]:
        """The bundle in the pieces it is written in, each as soon as it is made."""
        with translation.override(options.language):
            yield from _BundleWriter(profile, progress).pieces()


class _BundleWriter:
    def __init__(self, profile: Profile, progress: Progress) -> None:
        self.profile = profile
        self.progress = progress
        self.patient = people.patient_reference(profile)
        self.first = True
        self.done = 0
        self.total = 1
        # What is added while the export runs waits for the next one: so every
        # reference (a Provenance's targets, a document's links) finds its resource.
        self.started = timezone.now()

    def entries(self, slug: str) -> EntryQuerySet:
        return KINDS[slug].queryset(self.profile).alive().filter(created_at__lte=self.started)

    def pieces(self) -> Iterator[bytes]:
        profile = self.profile
        sources = list(Source.objects.filter(profile_id=profile.pk).order_by("id"))
        self.total = (
            sum(self.entries(slug).count() for slug in RESOURCES)
            + Document.objects.alive().filter(profile_id=profile.pk).count()
            + len(sources)
            + 1
        )
        self.progress(0.0)
        head = {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "meta": {"lastUpdated": instant(self.started)},
            "type": "collection",
            "timestamp": instant(self.started),
        }
        yield _dumps(head)[:-1] + b',"entry":['
        care_team = self.entries("care-team").order_by("id").values_list("uuid", flat=True)
        yield self._entry(people.patient(profile, profile.contacts.order_by("id"), care_team))
        for slug, make in RESOURCES.items():
            for entry in self.entries(slug).order_by("id").iterator(chunk_size=CHUNK):
                yield self._entry(make(entry, self.patient))
        yield from self._documents()
        for source in sources:
            yield from self._provenance(source)
        yield b"]}"
        self.progress(1.0)

    def _documents(self) -> Iterator[bytes]:
        related = self._document_links()
        documents = (
            Document.objects.alive()
            .filter(profile_id=self.profile.pk)
            .select_related("file")
            .order_by("id")
        )
        for document in documents.iterator(chunk_size=200):
            yield self._entry(
                people.document_reference(document, self.patient, related.get(document.pk, []))
            )

    def _document_links(self) -> dict[int, list[uuid.UUID]]:
        """Each document's links to entries that are in the bundle (alive ones)."""
        links = list(
            DocumentLink.objects.filter(
                profile_id=self.profile.pk, document__deleted_at__isnull=True
            ).values_list("document_id", "kind", "entry_uuid")
        )
        wanted: dict[str, set[uuid.UUID]] = defaultdict(set)
        for _document, kind, entry in links:
            if kind in KINDS:
                wanted[kind].add(entry)
        alive: set[uuid.UUID] = set()
        for kind, uuids in wanted.items():
            alive.update(self.entries(kind).filter(uuid__in=uuids).values_list("uuid", flat=True))
        related: dict[int, list[uuid.UUID]] = defaultdict(list)
        for document, _kind, entry in links:
            if entry in alive:
                related[document].append(entry)
        return related

    def _provenance(self, source: Source) -> Iterator[bytes]:
        """A Provenance whose targets are streamed: a source may have given 100,000 results."""
        targets = self._targets(source)
        first = next(targets, None)
        if first is not None:  # FHIR requires a target: a source with nothing left has none
            resource = _dumps(bundle_entry(people.provenance_head(source)))
            yield (b"" if self.first else b",") + resource[:-2] + b',"target":['
            self.first = False
            yield _dumps({"reference": urn(first)})
            for target in targets:
                yield b"," + _dumps({"reference": urn(target)})
            yield b"]}}"
        self._advance()

    def _targets(self, source: Source) -> Iterator[uuid.UUID]:
        for slug in RESOURCES:
            uuids = (
                self.entries(slug)
                .filter(source_id=source.pk)
                .order_by("id")
                .values_list("uuid", flat=True)
            )
            yield from uuids.iterator(chunk_size=CHUNK * 5)

    def _entry(self, resource: Json) -> bytes:
        piece = (b"" if self.first else b",") + _dumps(bundle_entry(resource))
        self.first = False
        self._advance()
        return piece

    def _advance(self) -> None:
        self.done += 1
        if self.done % CHUNK == 0:
            self.progress(min(self.done / self.total, 0.99))


def _dumps(value: Any) -> bytes:
    # Lazy translations (choice labels) become their text in the active language.
    try:
        return orjson.dumps(value, default=str)
    except orjson.JSONEncodeError:  # an integer past 64 bits: as the standard library writes it
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()
