"""A large import during bench/load.py: an Apple Health export through the import page."""

from __future__ import annotations

import threading
import time
import urllib.parse
from pathlib import Path

from load_client import FORM, Person, multipart
from load_instance import Instance

FINAL_IMPORT_STATES = ("committed", "discarded", "refused", "failed", "choosing")


class BigImport(threading.Thread):
    """An Apple Health export through the import page: uploaded, read, committed by the worker."""

    def __init__(self, person: Person, archive: Path, instance: Instance, limit: float) -> None:
        super().__init__(daemon=True)
        self.person = person
        self.archive = archive
        self.instance = instance
        self.limit = limit
        self.phases: dict[str, tuple[float, float]] = {}
        self.outcome = "not finished"

    def run(self) -> None:
        try:
            self.outcome = self._run()
        except Exception as error:  # reported, and the load goes on
            self.outcome = f"failed in the client: {error!r}"

    def _run(self) -> str:
        profile = self.person.account.profiles[0]
        begun = time.monotonic()
        body, headers = multipart(
            {}, "files", "export.zip", "application/zip", self.archive.read_bytes()
        )
        answer, location, _page = self.person.ask(
            "POST", f"/p/{profile}/imports/", body, headers, expect=302
        )
        if answer.error:
            return f"upload refused: {answer.error}"
        self.phases["upload"] = (begun, time.monotonic())
        job = location.rstrip("/").rsplit("/", 1)[-1]
        state = self._wait(job, ("ready", *FINAL_IMPORT_STATES), "read")
        if state != "ready":
            return f"read: {state}"
        body = urllib.parse.urlencode({"other_person": "on"}).encode()
        answer, _location, _page = self.person.ask(
            "POST", f"/p/{profile}/imports/{job}/commit/", body, FORM, expect=302
        )
        if answer.error:
            return f"commit refused: {answer.error}"
        return self._wait(job, FINAL_IMPORT_STATES, "commit")

    def _wait(self, job: str, states: tuple[str, ...], phase: str) -> str:
        # UUIDs are 32 hex digits in SQLite, PostgreSQL's uuid type otherwise.
        stored = job if self.instance.server_url else job.replace("-", "")
        begun = time.monotonic()
        state = ""
        while time.monotonic() < self.limit:
            rows = self.instance.query(
                f"SELECT state FROM imports_importjob WHERE uuid = '{stored}'"  # noqa: S608
            )
            state = rows[0][0] if rows else "missing"
            if state in states:
                break
            time.sleep(0.25)
        self.phases[phase] = (begun, time.monotonic())
        return state if state in states else f"still {state} at the time limit"
