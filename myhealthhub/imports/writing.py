"""What a commit writes: entries, their updates, carried documents, and the keys behind them.

Called by ``pipeline.commit_job`` inside its one transaction, under the
profile's lock, except ``seal_documents``, which runs before the transaction
opens (sealing a file may take a while).
"""

from __future__ import annotations

import io
import uuid
from collections import defaultdict
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from myhealthhub.accounts.models import User
from myhealthhub.audit.log import log_action
from myhealthhub.audit.models import Action
from myhealthhub.documents import storage
from myhealthhub.documents.actions import (
    Details,
    KeptFile,
    SealedUpload,
    check_quota,
    keep_sealed_many,
    seal_upload,
)
from myhealthhub.documents.sniff import sniff
from myhealthhub.imports import planning
from myhealthhub.imports.base import MappedDocument, MappedEntry, Skipped
from myhealthhub.imports.models import ImportedRecord, ImportJob
from myhealthhub.lib import bulk
from myhealthhub.records import changes
from myhealthhub.records.actions import snapshot
from myhealthhub.records.kinds import KIND_OF_MODEL, KINDS
from myhealthhub.records.models import Entry, EntryVersion, Source

BATCH = 500
ENTRIES_AT_ONCE = 5000

# Entry UUIDs by key, with their kind: what carried documents link to.
EntryUuids = dict[str, tuple[str, uuid.UUID]]


def pending_folder(job: ImportJob) -> str:
    return f"documents/{job.profile.uuid}/import-{job.uuid}"


def seal_documents(job: ImportJob, documents: list[MappedDocument]) -> dict[str, SealedUpload]:
    """Seal the files carried inside the import, before the transaction opens.

    They go into a folder named on the job first, so that a worker killed
    before the commit lands leaves nothing in storage that no row accounts
    for (``pipeline.fail_jobs`` clears it). The plan's quota is checked once
    for all of them; each file's type and size were checked by the plan.
    """
    sealed: dict[str, SealedUpload] = {}
    if not documents:
        return sealed
    check_quota(job.profile, sum(len(document.content) for document in documents))
    folder = pending_folder(job)
    ImportJob.objects.filter(profile_id=job.profile_id, pk=job.pk).update(pending_folder=folder)
    try:
        for document in documents:
            content = io.BytesIO(document.content)
            sealed[document.key] = seal_upload(
                job.profile, content, file_type=sniff(content), size_checked=True, folder=folder
            )
    except BaseException:
        for item in sealed.values():
            storage.delete(item.stored)
        raise
    return sealed


def leave_out_unsealed(plan: planning.ImportPlan, sealed: dict[str, SealedUpload]) -> None:
    """Documents the plan made under the lock but that were not sealed ahead (a race)."""
    for document in plan.documents_to_keep:
        if document.key not in sealed:
            for group in (plan.new_documents, plan.changed_documents):
                if document in group:
                    group.remove(document)
            plan.skipped.append(
                Skipped(document.origin, _("the file could not be kept"), document.where)
            )


def create_entries(
    job: ImportJob, plan: planning.ImportPlan, source: Source, actor: User | None
) -> EntryUuids:
    """Insert the new entries kind by kind and record their keys.

    A few thousand at a time, each batch written whole (its entries, their
    index and groups, their keys) before the next is made: 100,000 entries
    never stand in memory as objects at once.
    """
    made: EntryUuids = {}

    def write(slug: str, batch: list[MappedEntry]) -> None:
        model = KINDS[slug].model
        entries = [
            model(
                profile_id=job.profile_id,
                source=source,
                created_by=actor,
                updated_by=actor,
                source_identifiers=item.identifiers,
                **item.values,
            )
            for item in batch
        ]
        bulk.insert(model, entries)
        changes.saved(slug, entries)  # search indexes them; reconcile groups them
        written = {item.key: (slug, entry.uuid) for item, entry in zip(batch, entries, strict=True)}
        record_keys(job, plan, written, values_of=batch)
        made.update(written)

    waiting: dict[str, list[MappedEntry]] = defaultdict(list)
    for item in plan.new:
        batch = waiting[item.kind]
        batch.append(item)
        if len(batch) == ENTRIES_AT_ONCE:
            write(item.kind, waiting.pop(item.kind))
    for slug, batch in waiting.items():
        write(slug, batch)
    return made


def record_keys(
    job: ImportJob,
    plan: planning.ImportPlan,
    objects: dict[str, tuple[str, uuid.UUID]],
    values_of: list[Any] | None = None,
) -> None:
    """Remember under each key the object it became, and what the source said.

    A key an earlier import recorded (its entry is now of another kind, or
    its document has new content) points to the new object from now on.
    """
    values = {item.key: planning.source_values(item.values) for item in values_of or []}
    fresh = []
    for key, (kind, object_uuid) in objects.items():
        known = plan.known.get(key)
        if known is not None:
            ImportedRecord.objects.filter(profile_id=job.profile_id, pk=known.pk).update(
                kind=kind,
                object_uuid=object_uuid,
                content_hash=plan.hashes[key],
                values=values.get(key, {}),
                job=job,
            )
            continue
        fresh.append(
            {
                "profile_id": job.profile_id,
                "key_hash": planning.key_hash(key),
                "key": key,
                "system": plan.filed_under(key),
                "kind": kind,
                "object_uuid": object_uuid,
                "content_hash": plan.hashes[key],
                "values": values.get(key, {}),
                "job_id": job.pk,
            }
        )
    bulk.insert(ImportedRecord, fresh)


def adopt_records(job: ImportJob, plan: planning.ImportPlan) -> None:
    """File the records of no known system that this import found under its own system.

    Such a record was made before systems were recorded (or by a file that
    named none); the import took it for its own, as every import did before,
    and from now on another system's file no longer finds it. A record found
    by an item of another system (``MappedEntry.system``) is filed under that one.
    """
    unknown: dict[str, list[int]] = defaultdict(list)
    for key, known in plan.known.items():
        if not known.system and plan.filed_under(key):
            unknown[plan.filed_under(key)].append(known.pk)
    for system, records in unknown.items():
        for batch in planning.batches(records, BATCH):
            ImportedRecord.objects.filter(
                profile_id=job.profile_id, pk__in=batch, system=""
            ).update(system=system)


def update_entries(
    job: ImportJob, plan: planning.ImportPlan, actor: User | None, request: HttpRequest | None
) -> int:
    """Bring entries up to what their source says now; returns how many changed.

    Only the fields the source changed are written, and only where the entry
    still holds what the source said before; what it said is kept in the
    entry's history. Every changed key records what the source says now, so
    the next export is compared with this one.
    """
    updated: dict[str, list[Entry]] = defaultdict(list)
    for change in plan.changed:
        ImportedRecord.objects.filter(profile_id=job.profile_id, pk=change.record.pk).update(
            content_hash=plan.hashes[change.item.key],
            values=planning.source_values(change.item.values),
            job=job,
        )
        entry = change.entry
        if entry is None or not change.fields:
            continue
        kind = KIND_OF_MODEL[type(entry)].slug
        EntryVersion.objects.create(
            profile_id=entry.profile_id,
            kind=kind,
            entry_uuid=entry.uuid,
            version=entry.version,
            change=EntryVersion.Change.UPDATE,
            changed_fields=change.fields,
            data=snapshot(entry),
            changed_by=actor,
        )
        for name in change.fields:
            setattr(entry, name, change.item.values[name])
        entry.version += 1
        entry.updated_by = actor
        entry.save(update_fields=[*change.fields, "version", "updated_by", "updated_at"])
        log_action(
            Action.ENTRY_UPDATED,
            request=request,
            actor=actor,
            profile=job.profile,
            object_type=kind,
            object_uuid=entry.uuid,
        )
        updated[kind].append(entry)
    for slug, entries in updated.items():
        changes.saved(slug, entries)
    return sum(len(entries) for entries in updated.values())


def keep_documents(
    job: ImportJob,
    plan: planning.ImportPlan,
    sealed: dict[str, SealedUpload],
    entries: EntryUuids,
    actor: User | None,
    request: HttpRequest | None,
) -> int:
    """Keep the carried files as documents, linked to the entries they belong to."""
    linkable = dict(entries)
    for key, known in plan.known.items():
        if known.kind in KINDS:
            linkable.setdefault(key, (known.kind, known.object_uuid))
    documents = plan.documents_to_keep
    files = [
        KeptFile(
            sealed[document.key],
            document.filename,
            Details(
                kind=document.kind,
                when=document.when,
                facility=document.facility[:200],
                description=document.description,
                why=document.why,
                title=document.title,
            ),
            [linkable[key] for key in document.entry_keys if key in linkable],
        )
        for document in documents
    ]
    made = keep_sealed_many(job.profile, files, actor=actor, request=request)
    record_keys(
        job,
        plan,
        {
            document.key: (planning.DOCUMENT, kept.uuid)
            for document, kept in zip(documents, made, strict=True)
        },
    )
    return len(made)
