"""``/healthz``: whether this instance can serve, for a reverse proxy and monitors.

No sign-in, and nothing of anyone's record: whether the database answers,
whether the stored files can be reached, and how long the oldest task has
waited for a worker. 200 when all is well; 503, naming what is not,
otherwise. What failed is named by its kind only: an error's own text can
carry a host name or a path.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from myhealthhub.documents.storage import default_storage

# A task waiting longer than this has no worker taking it: the worker is down or stuck.
TASKS_WAIT_AT_MOST = dt.timedelta(minutes=10)

Check = dict[str, Any]


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": _timed(_database),
        "storage": _timed(_storage),
        "tasks": _timed(_tasks),
    }
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "failing", "checks": checks},
        status=200 if healthy else 503,
    )


def _timed(check: Callable[[], Check]) -> Check:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as error:  # whatever breaks, the answer is "failing", not a 500
        result = {"ok": False, "error": type(error).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database() -> Check:
    with connection.cursor() as cursor:  # an error is said by ``_timed``
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def _storage() -> Check:
    store = default_storage()
    if isinstance(store, FileSystemStorage):
        # A missing file is not an error on a local folder: ask whether the folder
        # is there, or (before the first document) whether it can be made.
        folder = Path(store.location)
        if not (folder.is_dir() or (not folder.exists() and folder.parent.is_dir())):
            return {"ok": False, "error": "the documents folder is missing"}
        return {"ok": True}
    store.exists("healthz")  # a request to the bucket: reachable, and the keys accepted
    return {"ok": True}


def _tasks() -> Check:
    oldest = (
        DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        .order_by("enqueued_at")
        .values_list("enqueued_at", flat=True)
        .first()
    )
    waited = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {"ok": waited <= TASKS_WAIT_AT_MOST.total_seconds(), "oldest_waiting_s": round(waited)}
