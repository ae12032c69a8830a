"""Where sealed files live: the storage backend that ``MYHEALTHHUB_STORAGE`` names.

settings.py builds ``STORAGES["default"]`` here, and the test suite builds its
SeaweedFS-backed storage with the same ``s3_options()``, so the S3 tests run
the configuration a deployment runs. No Django import, and boto3 only once
S3 is chosen: settings.py calls this before Django is configured.
"""

from __future__ import annotations

from typing import Any

from myhealthhub.lib.env import PREFIX, ConfigurationError, env, env_secret

LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"
S3_BACKEND = "storages.backends.s3.S3Storage"

# django-storages keeps a downloaded object wholly in memory unless told
# otherwise; past this size it spools to a temporary file, so reading a large
# document costs disk, not memory.
S3_SPOOL_BYTES = 1024 * 1024
# Uploads go up in parts of this size, at most two at a time and two waiting:
# boto3's defaults (ten and ten) held a whole 100 MB upload in memory, these
# keep any upload near 40 MB.
S3_PART_BYTES = 8 * 1024 * 1024
S3_PARTS_AT_ONCE = 2


def s3_options(
    *,
    bucket: str,
    endpoint_url: str = "",
    region: str = "",
    access_key: str | None = None,
    secret_key: str | None = None,
    prefix: str = "",
) -> dict[str, Any]:
    """The ``S3Storage`` options for one bucket; everything else is fixed here, on purpose."""
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,
        "region_name": region or None,
        # Without keys, boto3 finds credentials itself (an instance role,
        # AWS_* variables, ~/.aws), which is how a deployment on AWS should run.
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "location": prefix.strip("/"),
        # Objects get the bucket's own policy, which must be private: a
        # public-read ACL would publish every sealed file to the world.
        "default_acl": None,
        "querystring_auth": True,
        # Names are random, yet a collision must add a file, never replace one.
        "file_overwrite": False,
        "signature_version": "s3v4",
        "custom_domain": None,
        # Self-hosted servers (SeaweedFS, MinIO, Garage) answer on one host
        # name; bucket-in-the-host-name addressing needs wildcard DNS they
        # rarely have. AWS itself keeps boto3's default.
        "addressing_style": "path" if endpoint_url else None,
        "max_memory_size": S3_SPOOL_BYTES,
        "transfer_config": transfer_config(),
    }


def transfer_config() -> Any:
    # Imported here so settings.py loads boto3 only when S3 is configured.
    from boto3.s3.transfer import TransferConfig  # type: ignore[import-untyped]

    config = TransferConfig(
        multipart_chunksize=S3_PART_BYTES,
        max_concurrency=S3_PARTS_AT_ONCE,
        # Downloaded pieces (256 KiB each) waiting to be written to the spool file.
        max_io_queue=16,
    )
    # boto3 takes no argument for this one, but s3transfer honours it.
    config.max_in_memory_upload_chunks = S3_PARTS_AT_ONCE
    return config


def storage_from_env() -> dict[str, Any]:
    """The ``STORAGES["default"]`` entry described by the ``MYHEALTHHUB_*`` variables.

    An ``s3`` entry without a bucket is still returned: the system check in
    myhealthhub/checks.py refuses it with a message that says what to set.
    """
    kind = env("STORAGE", "local").strip().lower()
    if kind == "local":
        # FileSystemStorage keeps files under MEDIA_ROOT, the data folder's files/.
        return {"BACKEND": LOCAL_BACKEND}
    if kind == "s3":
        return {
            "BACKEND": S3_BACKEND,
            "OPTIONS": s3_options(
                bucket=env("S3_BUCKET").strip(),
                endpoint_url=env("S3_ENDPOINT_URL").strip(),
                region=env("S3_REGION").strip(),
                access_key=env_secret("S3_ACCESS_KEY_ID"),
                secret_key=env_secret("S3_SECRET_ACCESS_KEY"),
                prefix=env("S3_PREFIX"),
            ),
        }
    raise ConfigurationError(f"{PREFIX}STORAGE must be local or s3, not {kind!r}")
