"""Second-factor secrets are sealed by the master key, and survive its rotation."""

from __future__ import annotations

import io

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


def test_a_totp_secret_is_stored_sealed_and_still_works_after_key_rotation(world: World):
    user = world.accounts["owner"]
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user)
    first_codes = codes.get_unused_codes()
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]
    assert secret not in stored and stored.startswith("sealed:v1:")
    seed = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    assert seed.data["seed"].startswith("sealed:v1:")

    try:
        call_command("keys", "rotate", stdout=io.StringIO())
        totp = TOTP(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP))
        assert totp.instance.data["secret"] != stored, "resealed under the new key"
        assert totp.validate_code(current_code(secret))
        again = RecoveryCodes(
            Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
        )
        assert again.get_unused_codes() == first_codes
    finally:
        call_command("keys", "rotate", stdout=io.StringIO())
