"""/healthz answers a proxy or a monitor whether the instance can serve, and tells nothing else."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.test import Client
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from myhealthhub.conftest import World


def health(client: Client | None = None) -> tuple[int, dict[str, Any]]:
    response = (client or Client()).get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


def test_a_healthy_instance_says_so_to_anyone_and_nothing_more(world: World):
    status, body = health()
    assert status == 200 and body["status"] == "ok"
    assert set(body["checks"]) == {"database", "storage", "tasks"}
    assert all(check["ok"] for check in body["checks"].values())
    # Signed in or not, the same answer: nothing of a record, no session made.
    signed_in = world.client("owner")
    status, mine = health(signed_in)
    assert status == 200 and set(mine) == {"status", "checks"}
    anonymous = Client()
    anonymous.get("/healthz")
    assert not anonymous.cookies
    assert Client().head("/healthz").status_code == 200
    assert Client().post("/healthz").status_code == 405


def test_a_missing_documents_folder_fails_the_storage_check(world: World, settings, tmp_path):
    missing = tmp_path / "unmounted-disk" / "files"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(missing)},
        },
    }
    status, body = health()
    assert status == 503 and body["status"] == "failing"
    assert body["checks"]["storage"]["ok"] is False
    assert str(missing) not in json.dumps(body), "a path is not said to anyone who asks"
    assert body["checks"]["database"]["ok"] is True


def test_a_task_no_worker_took_fails_the_tasks_check(world: World):
    waiting = DBTaskResult.objects.create(
        status=TaskResultStatus.READY,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="myhealthhub.imports.tasks.read_import",
        backend_name="default",
        run_after=timezone.now(),
    )
    status, body = health()
    assert status == 200 and body["checks"]["tasks"]["ok"] is True
    DBTaskResult.objects.filter(pk=waiting.pk).update(
        enqueued_at=timezone.now() - dt.timedelta(minutes=30)
    )
    status, body = health()
    assert status == 503
    tasks = body["checks"]["tasks"]
    assert tasks["ok"] is False and 1790 < tasks["oldest_waiting_s"] < 1900
