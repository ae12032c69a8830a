"""The standing cast of the test suite: one profile and everyone who might knock.

Like healthchecks' owner, team member and outsider: an ``owner``, an
``editor`` and a ``viewer`` with live grants, a ``revoked`` and an ``expired``
caregiver whose grants no longer count, a ``stranger`` with an account of
their own, and ``anonymous``.

The world is built once per test process and kept in the test database; each
test that asks for it runs inside a transaction that is rolled back, so every
test starts from the same rows, and gets its own copy of the Python objects.
"""

from __future__ import annotations

import datetime as dt
import http.server
import io
import json
import pickle
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone, translation

from myhealthhub.accounts.actions import create_account
from myhealthhub.accounts.models import User
from myhealthhub.documents.actions import Details, add_document, delete_document
from myhealthhub.documents.models import Document, DocumentKind
from myhealthhub.exports.csv import CsvExport
from myhealthhub.exports.jobs import start_export
from myhealthhub.exports.models import ExportJob
from myhealthhub.imports.models import ImportJob, JobState
from myhealthhub.imports.pipeline import fail_jobs, start_import
from myhealthhub.lib import keyring
from myhealthhub.profiles import actions
from myhealthhub.profiles.models import EmergencyContact, Grant, Profile, Role
from myhealthhub.records.actions import create_entry, delete_entry
from myhealthhub.records.demo import create_demo
from myhealthhub.records.kinds import KINDS
from myhealthhub.records.models import Appointment, Condition, Medication, Source, SourceKind
from myhealthhub.records.samples import add_samples
from myhealthhub.sharing.invitations.actions import invite
from myhealthhub.sharing.links.actions import LinkChoices, create_link
from myhealthhub.sharing.models import Invitation, ShareLink
from myhealthhub.summary.options import ExportOptions

IMPORT_BUNDLE = json.dumps(
    {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Condition",
                    "id": "asthma",
                    "code": {"text": "Asthma"},
                    "onsetDateTime": "2010",
                }
            }
        ],
    }
).encode()
# Two people, each with a condition: the import asks which one the profile is.
FAMILY_BUNDLE = json.dumps(
    {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": resource}
            for name, condition in (("Ana", "Asthma"), ("Rosa", "Gout"))
            for resource in (
                {"resourceType": "Patient", "id": name, "name": [{"given": [name]}]},
                {
                    "resourceType": "Condition",
                    "id": f"{name}-condition",
                    "subject": {"reference": f"Patient/{name}"},
                    "code": {"text": condition},
                },
            )
        ],
    }
).encode()
PASSWORD = "correct horse battery staple"
# Everyone who might knock on a profile's door. A share link's recipient is
# not signed in: until sharing exists, the column answers as "anonymous" does.
CALLERS = (
    "owner",
    "editor",
    "viewer",
    "revoked",
    "expired",
    "stranger",
    "anonymous",
    "share_link",
)
# The world's accounts: the callers who have one, and a caregiver of the owner's other profile.
ACCOUNTS = ("owner", "editor", "viewer", "revoked", "expired", "stranger", "carer")


# Argon2 is the production hasher (see test_passwords); tests that only
# need a signed-in account should not pay for it hundreds of times.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _default_language():
    # The test client's requests activate a language in this thread and leave
    # it active; each test starts from the default, as a new request would.
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


def make_account(email: str, password: str = PASSWORD, **extra) -> User:
    return create_account(email, password, **extra)


@dataclass
class Rows:
    """A profile, and one of every kind of thing a URL can name inside it."""

    profile: Profile
    contact: EmergencyContact
    # A caregiver's live grant.
    grant: Grant
    medication: Medication
    deleted_condition: Condition
    appointment: Appointment
    document: Document
    deleted_document: Document
    # Read and waiting for review: a FHIR bundle with one condition.
    import_job: ImportJob
    # Read, and waiting for the person to choose who in the file this profile is.
    choosing_job: ImportJob
    # Failed as a dead worker's job is, before it was read: its file kept, to try again.
    failed_job: ImportJob
    # A CSV export the owner made, done and waiting to be downloaded.
    export_job: ExportJob
    # A SMART Health Link to the summary as IPS, live for a week, with no passcode.
    share_link: ShareLink
    # The owner's invitation to the stranger, waiting for an answer, and the
    # token its e-mail carried (the database keeps only its hash).
    invitation: Invitation
    invitation_token: str


@dataclass
class World(Rows):
    """Ana García's profile, with a caregiver in every state, and another profile of her owner's.

    ``other`` is there for URLs that name a profile and a thing of another
    one: both are the owner's, so only the gate's check that the thing is in
    the profile named stands between them.
    """

    other: Rows
    accounts: dict[str, User] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)

    def client(self, caller: str) -> Client:
        client = Client()
        if caller in self.accounts:
            client.force_login(self.accounts[caller])
        return client


T = TypeVar("T")


@dataclass(frozen=True)
class Standing(Generic[T]):
    """Rows built once per test process and left in the test database, and their files.

    Each test that uses them runs in a transaction rolled back after it, so
    it finds the rows as they were built; it gets its own copy of the Python
    objects. A rollback brings back rows but not files, and tests purge,
    expire and damage files: what changed is written back before the next.
    """

    value: T
    profile: Profile
    build: Callable[[], T]
    files: dict[str, bytes]
    # The value pickled once: each test unpickles its own copy, several times
    # faster than a deep copy of the same model instances.
    pickled: bytes

    @classmethod
    def made(cls, django_db_blocker, build: Callable[[], T], profile: Callable[[T], Profile]):
        from myhealthhub.documents.models import SealedFile
        from myhealthhub.documents.storage import default_storage

        with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            value = build()
            # Built for the first test that asks: what building sent is not that test's.
            mail.outbox.clear()
            store = default_storage()
            files = {}
            # Only standing rows outlive a test: every file named now is theirs.
            for name in SealedFile.objects.values_list("name", flat=True):
                with store.open(name, "rb") as stored:
                    files[name] = stored.read()
        return cls(
            value, profile(value), build, files, pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        )

    def fresh(self) -> T:
        if not Profile.objects.filter(pk=self.profile.pk).exists():
            # A test on a transactional database (a live server) emptied it:
            # build again, inside this test's transaction. What building sent
            # (the grants' e-mails) is not this test's to see.
            value = self.build()
            mail.outbox.clear()
            return value
        self._put_files_back()
        fresh: T = pickle.loads(self.pickled)  # noqa: S301 (pickled by this process, above)
        return fresh

    def _put_files_back(self) -> None:
        from myhealthhub.documents.storage import default_storage

        store = default_storage()
        for name, content in self.files.items():
            if store.exists(name) and store.size(name) == len(content):
                with store.open(name, "rb") as stored:
                    if stored.read() == content:
                        continue
            store.delete(name)
            store.save(name, io.BytesIO(content))


@pytest.fixture(scope="session")
def _standing_world(django_db_setup, django_db_blocker) -> Standing[World]:
    return Standing.made(django_db_blocker, build_world, lambda world: world.profile)


@pytest.fixture
def world(_standing_world: Standing[World], db) -> World:
    """One profile and everyone who might knock, as described at the top of this file."""
    return _standing_world.fresh()


Demo = tuple[User, list[Profile]]


def build_demos() -> dict[str, Demo]:
    made = {}
    for language in ("en", "es"):
        owner = make_account(f"keeper-{language}@example.org")
        made[language] = (owner, create_demo(owner, language=language))
    return made


@pytest.fixture(scope="session")
def _standing_demos(django_db_setup, django_db_blocker) -> Standing[dict[str, Demo]]:
    return Standing.made(django_db_blocker, build_demos, lambda demos: demos["en"][1][0])


@pytest.fixture
def demos(_standing_demos: Standing[dict[str, Demo]], db) -> dict[str, Demo]:
    """``myhealthhub demo``'s keeper with an adult and a child, in English and in Spanish."""
    return _standing_demos.fresh()


def build_world() -> World:
    accounts = {name: make_account(f"{name}@world.example.org") for name in ACCOUNTS}
    owner = accounts["owner"]
    profile = actions.create_profile(
        owner, request=None, given_name="Ana", family_name="García", language="es"
    )
    grants = {"owner": Grant.objects.get(profile=profile, account=owner)}
    for name, role in (
        ("editor", Role.EDITOR),
        ("viewer", Role.VIEWER),
        ("revoked", Role.EDITOR),
        ("expired", Role.EDITOR),
    ):
        grants[name] = actions.grant_access(
            profile,
            accounts[name],
            role,
            actor=owner,
            request=None,
            consent_note="Family caregiver",
        )
    actions.revoke_grant(grants["revoked"], actor=owner, request=None)
    Grant.objects.filter(pk=grants["expired"].pk).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    for grant in grants.values():
        grant.refresh_from_db()
    rows = fill(profile, owner, grants["viewer"], MAIN)
    other = actions.create_profile(owner, request=None, given_name="Luis", family_name="Moreno")
    carer = actions.grant_access(other, accounts["carer"], Role.VIEWER, actor=owner, request=None)
    return World(
        **vars(rows), other=fill(other, owner, carer, OTHER), accounts=accounts, grants=grants
    )


@dataclass(frozen=True)
class Names:
    """What tells one world profile's things from the other's on a page."""

    contact: str
    medication: str
    document: str
    # The medicine's brand, typed by hand: a group of its own, for linking by hand.
    brand: str


MAIN = Names(
    contact="Luis García",
    medication="Metformin",
    document="informe de alta.txt",
    brand="Glucophage",
)
OTHER = Names(
    contact="Marta Otero", medication="Hidroferol", document="receta.txt", brand="Deltius"
)


def fill(profile: Profile, owner: User, grant: Grant, names: Names) -> Rows:
    """One of everything in ``profile``, made by its ``owner``."""
    contact = actions.add_contact(
        profile, actor=owner, request=None, name=names.contact, phone="+34 600 000 000"
    )
    medication = create_entry(
        KINDS["medications"],
        profile,
        actor=owner,
        request=None,
        values={
            "display": names.medication,
            "strength": "500 mg",
            "dose": "1 tablet",
            "frequency": "twice a day",
        },
    )
    # The same medicine as the pharmacy states it, taken once a day: a disagreement.
    create_entry(
        KINDS["medications"],
        profile,
        actor=owner,
        request=None,
        values={"display": names.medication, "strength": "500 mg", "frequency": "once a day"},
        source=Source.objects.create(
            profile=profile, kind=SourceKind.IMPORT, label="Dispensed", facility="Pharmacy"
        ),
    )
    create_entry(
        KINDS["medications"], profile, actor=owner, request=None, values={"display": names.brand}
    )
    condition = create_entry(
        KINDS["conditions"],
        profile,
        actor=owner,
        request=None,
        values={"display": "Type 2 diabetes"},
    )
    delete_entry(condition, actor=owner, request=None)
    appointment = create_entry(
        KINDS["appointments"],
        profile,
        actor=owner,
        request=None,
        values={"display": "Eye exam", "starts_at": timezone.now() + dt.timedelta(days=20)},
    )
    watch = Source.objects.create(profile=profile, kind=SourceKind.DEVICE, label="Watch")
    add_samples(
        profile,
        watch,
        [
            ("heart_rate", timezone.now() - dt.timedelta(minutes=5 * index), 60.0 + index % 20)
            for index in range(50)
        ],
    )
    # The same hour's steps from the watch and a phone: a day's total takes one of them.
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    add_samples(profile, watch, [("steps", an_hour_ago, 450.0)])
    phone = Source.objects.create(
        profile=profile, kind=SourceKind.DEVICE, label="Phone", facility="iPhone"
    )
    add_samples(profile, phone, [("steps", an_hour_ago, 500.0)])
    create_entry(
        KINDS["results"],
        profile,
        actor=owner,
        request=None,
        values={
            "display": "Hemoglobin A1c",
            "code": "4548-4",
            "value_number": 7.1,
            "unit_text": "%",
            "date": dt.date(2025, 9, 1),
            "reference_high": 5.7,
        },
    )
    document = add_document(
        profile,
        io.BytesIO("Informe de alta: metformina 500 mg, revisión en 3 meses.".encode()),
        filename=names.document,
        actor=owner,
        request=None,
        details=Details(
            kind=DocumentKind.DISCHARGE_LETTER,
            facility="Hospital Clínico",
            links=[("medications", medication.uuid)],
        ),
    )
    deleted_document = add_document(
        profile, io.BytesIO(b"old note"), filename="old.txt", actor=owner, request=None
    )
    delete_document(deleted_document, actor=owner, request=None)
    import_job = start_import(
        profile, [("portal.json", io.BytesIO(IMPORT_BUNDLE))], actor=owner, request=None
    )
    import_job.refresh_from_db()
    choosing_job = start_import(
        profile, [("family.json", io.BytesIO(FAMILY_BUNDLE))], actor=owner, request=None
    )
    choosing_job.refresh_from_db()
    assert choosing_job.state == JobState.CHOOSING, choosing_job.message
    failed_job = start_import(
        profile,
        [("stopped.json", io.BytesIO(IMPORT_BUNDLE + b"\n"))],
        actor=owner,
        request=None,
        enqueue=False,
    )
    fail_jobs([failed_job], "The worker stopped while working on this import.")
    failed_job.refresh_from_db()
    export_job = start_export(
        profile, CsvExport(), ExportOptions(), actor=owner, role=Role.OWNER, request=None
    )
    share_link = create_link(
        profile,
        LinkChoices(
            expires_at=timezone.now() + dt.timedelta(days=7),
            label=f"For {names.contact}",
            with_summary_pdf=False,
        ),
        actor=owner,
        request=None,
    ).link
    invited = invite(
        profile,
        email="stranger@world.example.org",
        role=Role.VIEWER,
        consent_note="To help with appointments",
        access_ends_at=None,
        actor=owner,
        request=None,
        link_for=lambda token: token,
    )
    assert isinstance(medication, Medication) and isinstance(condition, Condition)
    assert isinstance(appointment, Appointment)
    return Rows(
        profile=profile,
        contact=contact,
        grant=grant,
        medication=medication,
        deleted_condition=condition,
        appointment=appointment,
        document=document,
        deleted_document=deleted_document,
        import_job=import_job,
        choosing_job=choosing_job,
        failed_job=failed_job,
        export_job=export_job,
        share_link=share_link,
        invitation=invited.invitation,
        invitation_token=invited.token,
    )


@pytest.fixture
def rotating_keys(settings) -> Iterator[None]:
    """For a test that rotates the master key: the key files are put back after it,
    so the files of the standing world, wrapped under the first key, still open."""

    paths = [settings.MASTER_KEY_FILE, keyring.next_key_path(), keyring.previous_key_path()]
    kept = {path: path.read_bytes() if path.exists() else None for path in paths if path}
    yield
    for path, content in kept.items():
        if content is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(content)


@pytest.fixture
def owner_client(world: World) -> Client:
    return world.client("owner")


class _Recorder(http.server.BaseHTTPRequestHandler):
    # Answers every request with an entity declaration, the payload an XML
    # parser that resolves external references would take in.
    requests: list[str] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'<!ENTITY remote "fetched">')

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Listening:
    """A local web server and what was asked of it; it formats as its address."""

    url: str
    requests: list[str]

    def __str__(self) -> str:
        return self.url


@pytest.fixture
def listening() -> Iterator[Listening]:
    """A local web server that records every request made to it: proof that nothing was fetched."""
    _Recorder.requests = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Listening(f"http://127.0.0.1:{server.server_address[1]}", _Recorder.requests)
    finally:
        server.shutdown()
        server.server_close()
