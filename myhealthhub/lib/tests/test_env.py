from __future__ import annotations

import pytest

from myhealthhub.lib.env import ConfigurationError, env_bool, env_int, env_list, env_secret


def test_booleans(monkeypatch):
    monkeypatch.setenv("MYHEALTHHUB_FLAG", "yes")
    assert env_bool("FLAG", False) is True
    monkeypatch.setenv("MYHEALTHHUB_FLAG", "off")
    assert env_bool("FLAG", True) is False
    monkeypatch.delenv("MYHEALTHHUB_FLAG")
    assert env_bool("FLAG", True) is True
    monkeypatch.setenv("MYHEALTHHUB_FLAG", "maybe")
    with pytest.raises(ConfigurationError, match="MYHEALTHHUB_FLAG must be true or false"):
        env_bool("FLAG", True)


def test_numbers_and_lists(monkeypatch):
    monkeypatch.setenv("MYHEALTHHUB_PORT", "8080")
    assert env_int("PORT", 1) == 8080
    monkeypatch.setenv("MYHEALTHHUB_PORT", "eighty")
    with pytest.raises(ConfigurationError, match="whole number"):
        env_int("PORT", 1)
    monkeypatch.setenv("MYHEALTHHUB_HOSTS", " a.example , b.example,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def test_secret_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    monkeypatch.delenv("MYHEALTHHUB_TOKEN", raising=False)
    monkeypatch.setenv("MYHEALTHHUB_TOKEN_FILE", str(secret))
    assert env_secret("TOKEN") == "s3cret"
    monkeypatch.setenv("MYHEALTHHUB_TOKEN", "direct")
    assert env_secret("TOKEN") == "direct"
    monkeypatch.delenv("MYHEALTHHUB_TOKEN")
    monkeypatch.setenv("MYHEALTHHUB_TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigurationError, match="cannot be read"):
        env_secret("TOKEN")
