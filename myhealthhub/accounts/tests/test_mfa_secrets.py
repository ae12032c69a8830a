"""Second-factor secrets are sealed by the master key, and survive its rotation."""

from __future__ import annotations

import io
from typing import Any, cast

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.management import call_command

from myhealthhub.conftest import World


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def test_a_totp_secret_is_stored_sealed_and_still_works_after_key_rotation(
    rotating_keys, world: World
):
    user = world.accounts["owner"]
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user)
    first_codes = codes.get_unused_codes()
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]
    assert secret not in stored and stored.startswith("sealed:v1:")
    seed = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    assert seed.data["seed"].startswith("sealed:v1:")

    call_command("keys", "rotate", stdout=io.StringIO())
    totp = TOTP(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP))
    assert totp.instance.data["secret"] != stored, "resealed under the new key"
    assert totp.validate_code(current_code(secret))
    again = RecoveryCodes(
        Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    )
    assert again.get_unused_codes() == first_codes


def test_secrets_stored_before_sealing_are_sealed_by_the_migration(world: World):
    from django.db import connection
    from django.db.migrations import RunPython
    from django.db.migrations.executor import MigrationExecutor

    user = world.accounts["owner"]
    secret = generate_totp_secret()
    # As an older version stored it: in the clear.
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": secret})
    executor = MigrationExecutor(connection)
    migration = executor.loader.get_migration("accounts", "0003_seal_second_factor_secrets")
    seal = migration.operations[0]
    assert isinstance(seal, RunPython)
    # The function reads and writes rows only; it never touches the schema.
    seal.code(executor.loader.project_state().apps, cast(Any, None))
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert stored.data["secret"].startswith("sealed:v1:") and secret not in stored.data["secret"]
    assert TOTP(stored).validate_code(current_code(secret))
