"""MYHEALTHHUB_STORAGE picks where documents go; the S3 choice is run as a deployment runs it."""

from __future__ import annotations

import json
import secrets
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from myhealthhub import checks
from myhealthhub.documents.backends import LOCAL_BACKEND, S3_BACKEND, s3_options, storage_from_env
from myhealthhub.lib.env import ConfigurationError
from myhealthhub.tests.commands import clean_environment, run_command


def run(args: list[str], data_dir: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return run_command(clean_environment(data_dir, **extra_env), *args)


PUT_AND_READ = """
import io, json
from django.conf import settings
from django.core.files.storage import storages
from django.core.management import call_command
from myhealthhub.documents import storage
call_command("check")
backend = storages["default"]
print("BACKEND", f"{type(backend).__module__}.{type(backend).__qualname__}")
options = dict(settings.STORAGES["default"]["OPTIONS"])
transfer = options.pop("transfer_config")
print("OPTIONS", json.dumps(options))
print("PARTS", transfer.multipart_chunksize, transfer.max_request_concurrency)
stored = storage.put(io.BytesIO(b"Ana Garcia: HbA1c 9.1 %"), master_key=settings.MASTER_KEY, folder="p")
print("STORED", stored.name)
print("READ", b"".join(storage.read(stored, master_key=settings.MASTER_KEY)).decode())
"""


def test_s3_settings_store_documents_in_the_bucket(seaweedfs, tmp_path):
    prefix = f"settings-{secrets.token_hex(8)}"
    secret_file = tmp_path / "s3_secret"
    secret_file.write_text(seaweedfs.secret_key + "\n")
    result = run(
        ["shell", "-c", PUT_AND_READ],
        tmp_path,
        MYHEALTHHUB_STORAGE="s3",
        MYHEALTHHUB_S3_BUCKET=seaweedfs.bucket,
        MYHEALTHHUB_S3_ENDPOINT_URL=seaweedfs.endpoint_url,
        MYHEALTHHUB_S3_REGION=seaweedfs.region,
        MYHEALTHHUB_S3_ACCESS_KEY_ID=seaweedfs.access_key,
        MYHEALTHHUB_S3_SECRET_ACCESS_KEY_FILE=str(secret_file),
        MYHEALTHHUB_S3_PREFIX=f"/{prefix}/",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert lines["BACKEND"] == S3_BACKEND
    # Exactly what the S3 tests run against, so they prove the deployed configuration.
    expected = seaweedfs.options(prefix)
    del expected["transfer_config"]
    assert json.loads(lines["OPTIONS"]) == expected
    assert lines["PARTS"] == "8388608 2"
    assert lines["READ"] == "Ana Garcia: HbA1c 9.1 %"

    client = seaweedfs.client()
    listing = client.list_objects_v2(Bucket=seaweedfs.bucket, Prefix=f"{prefix}/")
    assert [entry["Key"] for entry in listing["Contents"]] == [f"{prefix}/{lines['STORED']}"]
    blob = client.get_object(Bucket=seaweedfs.bucket, Key=f"{prefix}/{lines['STORED']}")
    assert b"Ana Garcia" not in blob["Body"].read()


def test_s3_without_a_bucket_is_refused_at_start(tmp_path):
    result = run(["check"], tmp_path, MYHEALTHHUB_STORAGE="s3")
    assert result.returncode != 0
    assert "myhealthhub.E002" in result.stderr
    assert "MYHEALTHHUB_STORAGE is s3 but MYHEALTHHUB_S3_BUCKET is not set" in result.stderr
    assert "Set MYHEALTHHUB_S3_BUCKET to the name of a private bucket" in result.stderr


def test_one_s3_key_without_the_other_is_refused(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": S3_BACKEND,
            "OPTIONS": s3_options(bucket="documents", access_key="AKIA", secret_key=None),
        },
    }
    assert [message.id for message in checks.check_file_storage()] == ["myhealthhub.E003"]


def test_the_local_folder_is_the_default_and_needs_no_bucket(settings, monkeypatch):
    monkeypatch.delenv("MYHEALTHHUB_STORAGE", raising=False)
    assert storage_from_env() == {"BACKEND": LOCAL_BACKEND}
    settings.STORAGES = {**settings.STORAGES, "default": storage_from_env()}
    assert checks.check_file_storage() == []


def test_an_unknown_storage_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("MYHEALTHHUB_STORAGE", "dropbox")
    with pytest.raises(ConfigurationError, match="MYHEALTHHUB_STORAGE must be local or s3"):
        storage_from_env()


def test_s3_objects_are_private_signed_and_never_replaced():
    options = s3_options(bucket="documents")
    assert options["default_acl"] is None
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False
    assert options["signature_version"] == "s3v4"
    assert options["custom_domain"] is None
    # Path-style addressing only where an endpoint is given: AWS keeps its default.
    assert options["addressing_style"] is None
    assert s3_options(bucket="d", endpoint_url="http://minio:9000")["addressing_style"] == "path"


def test_an_object_url_works_only_with_its_signature(s3_storage):
    name = s3_storage.save("p/object.sealed", ContentFile(b"sealed bytes"))
    url = s3_storage.url(name)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=" in url
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
        assert response.read() == b"sealed bytes"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url.split("?")[0], timeout=10)  # noqa: S310
    assert refused.value.code == 403
