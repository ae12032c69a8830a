"""Making and revoking SMART Health Links (HL7 SMART Health Cards and Links IG v1.0.0).

A link is the viewer's address, ``#shlink:/`` and a base64url JSON payload:
the manifest's URL, the key that opens its files, when it ends, its flags and
label. The key leaves the server once, in that text. A link that does not
change has its files encrypted now and the key forgotten; only a long-term
link (flag ``L``), whose files are written again from the record at each
visit, keeps its key, sealed by the master key like every other secret.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from myhealthhub.accounts import secrets as sealed_secrets
from myhealthhub.accounts.models import User
from myhealthhub.audit.log import log_action
from myhealthhub.audit.models import Action
from myhealthhub.documents import storage
from myhealthhub.documents.models import Document, SealedFile
from myhealthhub.errors import ActionRefused
from myhealthhub.lib import keyring
from myhealthhub.profiles.models import Profile
from myhealthhub.profiles.usage import profile_allowance
from myhealthhub.sharing.links import jwe, passcodes
from myhealthhub.sharing.links.contents import contents_of
from myhealthhub.sharing.models import ShareFile, ShareLink

LABEL_MOST = 80  # characters, the guide's limit
DEFAULT_LIFETIME = dt.timedelta(days=7)
# Wrong passcodes a link takes in its whole life before it is disabled.
PASSCODE_ATTEMPTS = 10
PASSCODE_LEAST = 6  # characters


@dataclass(frozen=True)
class LinkChoices:
    """What the keeper chose for a new link; checked by :func:`create_link`."""

    expires_at: dt.datetime | None
    label: str = ""
    passcode: str = ""
    long_term: bool = False
    # Flag U: its one file fetched by GET, no manifest; never with a passcode.
    direct: bool = False
    with_summary_ips: bool = True
    with_summary_pdf: bool = True
    documents: Sequence[Document] = field(default_factory=tuple)
    language: str = "en"


@dataclass(frozen=True)
class Made:
    """A new link, with the key that only its text carries."""

    link: ShareLink
    key: bytes


def payload(link: ShareLink, key: bytes, manifest_url: str) -> dict[str, object]:
    """The payload's JSON object, with only the fields that say something."""
    found: dict[str, object] = {"url": manifest_url, "key": b64url(key)}
    if link.expires_at is not None:
        found["exp"] = int(link.expires_at.timestamp())
    if link.flags:
        found["flag"] = link.flags
    if link.label:
        found["label"] = link.label
    found["v"] = 1
    return found


def link_text(viewer_url: str, link: ShareLink, key: bytes, manifest_url: str) -> str:
    """``https://host/view/#shlink:/eyJ1cmwiOi…``: what the QR code and the e-mail carry."""
    body = json.dumps(payload(link, key, manifest_url), separators=(",", ":")).encode()
    return f"{viewer_url}#shlink:/{b64url(body)}"


def audit(
    action: Action,
    link: ShareLink,
    *,
    request: HttpRequest | None,
    actor: User | None = None,
    recipient: str = "",
) -> None:
    """One event of a link in the profile's activity log; a recipient is named as they said."""
    log_action(
        action,
        request=request,
        actor=actor,
        actor_label=recipient,
        profile=link.profile,
        object_type="share_link",
        object_uuid=link.uuid,
    )


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def key_of(link: ShareLink) -> bytes | None:
    """A long-term link's key, opened; None for a link whose key was not kept."""
    if not link.sealed_key:
        return None
    return base64.urlsafe_b64decode(sealed_secrets.open_sealed(link.sealed_key) + "==")


def create_link(
    profile: Profile, choices: LinkChoices, *, actor: User | None, request: HttpRequest | None
) -> Made:
    """A new link to ``profile``; ActionRefused, with nothing written, if a choice is wrong."""
    _check(profile, choices)
    key = os.urandom(jwe.KEY_BYTES)
    sweep_ended()
    with transaction.atomic():
        link = ShareLink.objects.create(
            profile=profile,
            # 32 random bytes: 256 bits no one guesses, as the guide asks of the manifest URL.
            manifest_id=secrets.token_urlsafe(32),
            label=choices.label.strip(),
            created_by=actor,
            expires_at=choices.expires_at,
            long_term=choices.long_term,
            direct=choices.direct,
            passcode_hash=passcodes.hashed(choices.passcode) if choices.passcode else "",
            attempts_left=PASSCODE_ATTEMPTS if choices.passcode else 0,
            with_summary_ips=choices.with_summary_ips,
            with_summary_pdf=choices.with_summary_pdf,
            language=choices.language,
            sealed_key=sealed_secrets.seal(b64url(key)) if choices.long_term else "",
        )
        link.documents.set(choices.documents)
        if not choices.long_term:
            _write_files(link, key)
        audit(Action.SHARE_LINK_CREATED, link, request=request, actor=actor)
    return Made(link, key)


def _check(profile: Profile, choices: LinkChoices) -> None:
    if len(choices.label.strip()) > LABEL_MOST:
        raise ActionRefused(_("A label has at most %(count)d characters.") % {"count": LABEL_MOST})
    if choices.expires_at is not None and choices.expires_at <= timezone.now():
        raise ActionRefused(_("A link must end in the future."))
    if choices.passcode and len(choices.passcode) < PASSCODE_LEAST:
        raise ActionRefused(
            _("A passcode has at least %(count)d characters.") % {"count": PASSCODE_LEAST}
        )
    carried = int(choices.with_summary_ips) + int(choices.with_summary_pdf)
    carried += len(choices.documents)
    if carried == 0:
        raise ActionRefused(_("Choose what the link carries."))
    if choices.direct and (choices.passcode or carried != 1):
        raise ActionRefused(
            _("A link opened without a manifest carries one file and has no passcode.")
        )
    if any(d.profile_id != profile.pk or d.deleted_at is not None for d in choices.documents):
        raise ActionRefused(_("Choose documents of this profile."))
    if not profile_allowance(profile, "share_links").allowed:
        raise ActionRefused(_("The plan of this profile does not include share links."))
    if not profile_allowance(profile, "live_share_links").allowed:
        raise ActionRefused(_("The plan of this profile allows no more live links."))
    if choices.long_term and not profile_allowance(profile, "long_term_share_links").allowed:
        raise ActionRefused(_("The plan of this profile allows no more links kept up to date."))


def _write_files(link: ShareLink, key: bytes) -> None:
    """Each file encrypted with the link's key, then sealed at rest like every stored file."""
    master = keyring.current()
    for position, content in enumerate(contents_of(link)):
        token = jwe.encrypt(key, content.body, content.content_type).encode("ascii")
        stored = storage.put(
            io.BytesIO(token), master_key=master, folder=f"share-links/{link.profile.uuid}"
        )
        sealed = SealedFile.objects.create(
            profile=link.profile,
            name=stored.name,
            wrapped_key=stored.wrapped_key,
            key_id=keyring.key_id(master),
            sha256=stored.sha256,
            size=stored.size,
        )
        ShareFile.objects.create(
            profile=link.profile,
            link=link,
            position=position,
            content_type=content.content_type,
            sealed=sealed,
            size=len(token),
        )


def revoke_link(link: ShareLink, *, actor: User | None, request: HttpRequest | None) -> None:
    """The link answers 404 from the next request on; its files and key are dropped."""
    if link.revoked_at is not None:
        return
    with transaction.atomic():
        link.revoked_at = timezone.now()
        link.sealed_key = ""
        link.save(update_fields=["revoked_at", "sealed_key"])
        names = drop_files(link)
        audit(Action.SHARE_LINK_REVOKED, link, request=request, actor=actor)
    # After the commit: a rolled-back revocation keeps its files.
    transaction.on_commit(lambda: storage.delete_names(names))


def sweep_ended() -> None:
    """Drop the files and keys of links that ended: no one can open them any more."""
    ended = ShareLink.objects.exclude(pk__in=ShareLink.objects.live().values("pk")).filter(
        Q(files__isnull=False) | ~Q(sealed_key="")
    )
    for link in ended.distinct():
        with transaction.atomic():
            ShareLink.objects.filter(pk=link.pk).update(sealed_key="")
            names = drop_files(link)
        transaction.on_commit(partial(storage.delete_names, names))


def drop_files(link: ShareLink) -> list[str]:
    """Delete the link's file rows; the stored names, to remove once committed."""
    sealed = list(SealedFile.objects.filter(pk__in=link.files.values("sealed_id")))
    link.files.all().delete()
    SealedFile.objects.filter(pk__in=[s.pk for s in sealed]).delete()
    return [s.name for s in sealed]


def addresses(link: ShareLink, request: HttpRequest | None) -> tuple[str, str]:
    """The viewer's and the manifest's absolute addresses, from the request, else SITE_URL."""
    viewer = reverse("sharing:viewer")
    manifest = reverse("sharing:shl_manifest", args=[link.manifest_id])
    if request is not None:
        return request.build_absolute_uri(viewer), request.build_absolute_uri(manifest)
    return settings.SITE_URL + viewer, settings.SITE_URL + manifest
