from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from myhealthhub.lib import keyfiles


def test_created_once_with_mode_0600(tmp_path):
    path = tmp_path / "data" / "master.key"
    first = keyfiles.read_or_create(path, keyfiles.new_master_key())
    assert path.stat().st_mode & 0o777 == 0o600
    assert keyfiles.read_or_create(path, keyfiles.new_master_key()) == first
    assert len(keyfiles.decode_master_key(first)) == 32


def test_concurrent_first_runs_agree_on_one_key(tmp_path):
    path = tmp_path / "secret_key"
    with ThreadPoolExecutor(8) as pool:
        keys = set(
            pool.map(lambda _: keyfiles.read_or_create(path, keyfiles.new_secret_key()), range(32))
        )
    assert len(keys) == 1


@pytest.mark.parametrize("text", ["not base64!", "c2hvcnQ="])
def test_bad_master_keys_are_refused(text):
    with pytest.raises(ValueError, match="master key"):
        keyfiles.decode_master_key(text)
