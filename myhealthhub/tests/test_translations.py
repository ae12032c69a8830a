"""Everything a person sees is in English and Spanish (DESIGN.md principle 9)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.urls import reverse

import myhealthhub
from myhealthhub.conftest import World, make_account

PACKAGE = Path(myhealthhub.__file__).parent
CATALOGUE = PACKAGE / "locale" / "es" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")


def test_spanish_catalogue_has_no_missing_untranslated_or_fuzzy_entry():
    catalogue = polib.pofile(str(CATALOGUE))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    for entry in catalogue.translated_entries():
        if entry.msgid_plural:
            assert all(entry.msgstr_plural.values()), entry.msgid


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="needs GNU gettext (apt-get install gettext)"
)
def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    """Extract the strings afresh and compare: a new string without Spanish fails here."""
    copy = tmp_path / "myhealthhub"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("tests", "__pycache__", "*.mo"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "es",
            "--no-obsolete",
            "--settings",
            "myhealthhub.settings",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    extracted = {
        entry.msgid for entry in polib.pofile(str(copy / "locale/es/LC_MESSAGES/django.po"))
    }
    translated = {entry.msgid for entry in polib.pofile(str(CATALOGUE)).translated_entries()}
    assert extracted - translated == set()


def test_compiled_catalogue_matches_the_source():
    source = {
        (entry.msgid, entry.msgstr)
        for entry in polib.pofile(str(CATALOGUE)).translated_entries()
        if not entry.msgid_plural
    }
    compiled = {
        (entry.msgid, entry.msgstr)
        for entry in polib.mofile(str(COMPILED))
        if not entry.msgid_plural
    }
    assert source == compiled, (
        "run: msgfmt -o django.mo django.po (or `myhealthhub compilemessages`)"
    )


def test_language_switch_is_remembered_on_the_account(db):
    account = make_account("ana@example.org")
    client = Client()
    client.force_login(account)
    response = client.post(
        reverse("accounts:set_language"), {"language": "es", "next": reverse("home")}
    )
    assert response["Location"] == reverse("home")
    account.refresh_from_db()
    assert account.language == "es"
    # Another browser, with an English Accept-Language, still gets Spanish.
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(account)
    page = other.get(reverse("home"))
    assert page["Content-Language"] == "es"
    assert '<html lang="es">' in page.content.decode()
    assert "Perfiles" in page.content.decode()


def test_language_switch_for_visitors_uses_a_cookie_and_ignores_foreign_next(db):
    client = Client()
    response = client.post(
        reverse("accounts:set_language"), {"language": "es", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")
    page = client.get(reverse("account_login")).content.decode()
    assert '<html lang="es">' in page
    assert "Iniciar sesión" in page


def test_every_page_offers_the_other_language(world: World):
    for url in (
        reverse("accounts:account"),
        reverse("home"),
        reverse("profiles:overview", kwargs={"profile_uuid": world.profile.uuid}),
    ):
        page = world.client("owner").get(url).content.decode()
        assert 'name="language" value="es"' in page, url


@pytest.mark.parametrize(
    ("url_name", "spanish"),
    [
        ("account_login", "Iniciar sesión"),
        ("account_signup", "Registrarse"),
        ("account_reset_password", "Restablecer la contraseña"),
    ],
)
def test_account_pages_in_spanish(db, url_name, spanish):
    page = Client(HTTP_ACCEPT_LANGUAGE="es").get(reverse(url_name)).content.decode()
    assert spanish in page


def test_form_errors_in_spanish(db):
    client = Client()
    client.force_login(make_account("ana@example.org", language="es"))
    page = client.post(
        reverse("profiles:create"),
        {
            "given_name": "Rosa",
            "birth_year": "1948",
            "birth_day": "3",
            "sex": "female",
            "language": "es",
        },
    )
    assert "Elige un mes para este día o deja el día en blanco." in page.content.decode()
