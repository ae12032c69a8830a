"""The people of bench/load.py: signed-in browsers, what they do, and the open-loop driver.

Requests arrive at a fixed rate whatever the server does (an open loop: a
slow answer does not slow the next arrival, as it would with a fixed number
of clients each waiting for its answer). Each arrival picks a person and a
route by weight and runs on a pool of threads; its time runs from the moment
it was due, so a request that had to wait for a free thread counts that wait.
Every request opens its own connection and asks the server to close it
(`Connection: close`): no answer is lost to a kept-alive connection the server
closed meanwhile, and loopback connections cost the server next to nothing.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import http.client
import itertools
import random
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

from documents import Browser, write_pdf
from load_instance import HOST, Account

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SEARCHES = ("metformin", "glucose", "cholesterol", "penicillin", "diabetes", "dizzy", "dentist")
LISTS = (
    "medications",
    "conditions",
    "allergies",
    "immunizations",
    "results",
    "visits",
    "documents",
)
REAUTHENTICATE = "/accounts/reauthenticate/"
NOT_SENT = "not sent: every client thread was busy for longer than the timeout"


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer at all
    error: str = ""  # empty when the answer is the one a browser expects


@dataclass(frozen=True)
class Sample:
    route: str
    due: float  # time.monotonic() at which the request was meant to leave
    ms: float  # from `due` to the end of the answer
    status: int
    error: str


class Person(Browser):
    """One signed-in account: its cookies, shared by the requests it has in flight at once."""

    def __init__(self, port: int, account: Account, timeout: float, scratch: Path) -> None:
        super().__init__(port)
        self.account = account
        self.timeout = timeout
        self.scratch = scratch  # where the PDFs it uploads are written
        self.reauthentications = 0
        self._lock = threading.Lock()

    def send(
        self,
        method: str,
        path: str,
        body: bytes | Iterator[bytes] | None = None,
        headers: dict[str, str] | None = None,
    ) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        with self._lock:
            sent = {
                "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                "Connection": "close",
            }
            if method == "POST":
                sent["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        connection.request(method, path, body=body, headers={**sent, **(headers or {})})
        response = connection.getresponse()
        updated = response.headers.get_all("Set-Cookie") or []
        if updated:
            with self._lock:
                for header in updated:
                    for name, morsel in SimpleCookie(header).items():
                        self.cookies[name] = morsel.value
        return response

    def ask(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        *,
        expect: int = 200,
    ) -> tuple[Answer, str, str]:
        """The whole answer read: the Answer, where it redirects to, and the page."""
        response = self.send(method, path, body, headers)
        page = response.read().decode(errors="replace")
        location = response.getheader("Location") or ""
        response.close()
        if response.status != expect:
            return (
                Answer(response.status, f"{response.status} from {method} {route_of(path)}"),
                "",
                "",
            )
        return Answer(response.status), location, page

    def profile(self, rng: random.Random) -> str:
        """The adult most of the time, the child now and then."""
        return self.account.profiles[0 if rng.random() < 0.8 else -1]


def route_of(path: str) -> str:
    """The path without profile UUIDs or query, for error messages."""
    parts = [
        "<uuid>" if len(part) == 36 and part.count("-") == 4 else part for part in path.split("/")
    ]
    return "/".join(parts).split("?")[0]


def multipart(
    fields: dict[str, str], name: str, filename: str, kind: str, data: bytes
) -> tuple[bytes, dict[str, str]]:
    """A form with one file, as a browser posts it."""
    boundary = "load" + secrets.token_hex(12)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        f"Content-Type: {kind}\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


# --- What people do --------------------------------------------------------------------------


def sign_in_page(person: Person, rng: random.Random) -> Answer:
    """The baseline: a page with no session, no profile and no query beyond the framework's."""
    connection = http.client.HTTPConnection(HOST, person.port, timeout=person.timeout)
    try:
        connection.request("GET", "/accounts/login/", headers={"Connection": "close"})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    return Answer(response.status, "" if response.status == 200 else f"{response.status}")


def profiles_list(person: Person, rng: random.Random) -> Answer:
    return person.ask("GET", "/")[0]


def overview(person: Person, rng: random.Random) -> Answer:
    return person.ask("GET", f"/p/{person.profile(rng)}/")[0]


def timeline(person: Person, rng: random.Random) -> Answer:
    return person.ask("GET", f"/p/{person.profile(rng)}/timeline/")[0]


def a_list(person: Person, rng: random.Random) -> Answer:
    return person.ask("GET", f"/p/{person.profile(rng)}/{rng.choice(LISTS)}/")[0]


def search(person: Person, rng: random.Random) -> Answer:
    query = urllib.parse.urlencode({"q": rng.choice(SEARCHES)})
    return person.ask("GET", f"/p/{person.profile(rng)}/search/?{query}")[0]


def summary(person: Person, rng: random.Random) -> Answer:
    return person.ask("GET", f"/p/{person.profile(rng)}/summary/")[0]


def add_entry(person: Person, rng: random.Random) -> Answer:
    """A glucose reading typed in by hand, as the results form posts it."""
    today = dt.datetime.now(dt.UTC).date()
    form = {
        "display": "Glucose",
        "code": "2339-0",
        "category": "laboratory",
        "date_year": str(today.year),
        "date_month": str(today.month),
        "date_day": str(today.day),
        "value_number": str(rng.randint(70, 180)),
        "unit_text": "mg/dL",
    }
    body = urllib.parse.urlencode(form).encode()
    return person.ask(
        "POST", f"/p/{person.account.profiles[0]}/results/new/", body, FORM, expect=302
    )[0]


def upload_document(person: Person, rng: random.Random) -> Answer:
    """A one-page scanned lab report, its pixels random so that no two uploads are the same file."""
    scan = person.scratch / f"scan-{threading.get_ident()}.pdf"
    write_pdf(scan, 1, label="Lipid panel", pixels=(124, 175))
    fields = {
        "kind": "lab_report",
        "facility": "Central Laboratory",
        "why": "Yearly blood test",
        "when_year": str(dt.datetime.now(dt.UTC).date().year),
    }
    body, headers = multipart(
        fields, "files", "lipid-panel.pdf", "application/pdf", scan.read_bytes()
    )
    return person.ask(
        "POST", f"/p/{person.account.profiles[0]}/documents/add/", body, headers, expect=302
    )[0]


def start_export(person: Person, rng: random.Random) -> Answer:
    """The spreadsheets export, made by the task worker; the password again when allauth asks."""
    path = f"/p/{person.account.profiles[0]}/exports/"
    body = urllib.parse.urlencode({"format": "csv", "language": "en"}).encode()
    answer, location, _page = person.ask("POST", path, body, FORM, expect=302)
    if answer.error or not location.startswith(REAUTHENTICATE):
        return answer
    # At a person's first export, and five minutes after the password was last
    # given, allauth asks for it again; it then replays the export's POST itself.
    person.reauthentications += 1
    answer, _location, form = person.ask("GET", location)
    if answer.error:
        return answer
    token = form.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "password": person.account.password}
    ).encode()
    return person.ask("POST", location, body, FORM, expect=302)[0]


@dataclass(frozen=True)
class Route:
    name: str
    weight: int  # in a hundred requests
    act: Callable[[Person, random.Random], Answer]


BASELINE = "sign-in page, no session (baseline)"
# The mix, per hundred requests: mostly reading the record; 18 write.
ROUTES = (
    Route(BASELINE, 8, sign_in_page),
    Route("profiles list", 5, profiles_list),
    Route("overview", 20, overview),
    Route("timeline", 10, timeline),
    Route("a list (medicines, conditions, results, documents…)", 24, a_list),
    Route("search", 10, search),
    Route("summary", 5, summary),
    Route("add an entry (POST)", 11, add_entry),
    Route("upload a one-page PDF (multipart POST)", 5, upload_document),
    Route("start a CSV export (POST)", 2, start_export),
)
assert sum(route.weight for route in ROUTES) == 100


# --- The open loop ---------------------------------------------------------------------------


class Driver:
    """Sends the mix at a fixed rate; every answer becomes a Sample."""

    def __init__(self, people: list[Person], timeout: float, threads: int, seed: int) -> None:
        self.people = people
        self.timeout = timeout
        self.rng = random.Random(seed)  # noqa: S311  (a repeatable mix, by its seed)
        self.pool = concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="load")
        self._weights = [route.weight for route in ROUTES]

    def run(
        self, rate: float, seconds: float, keep_going: Callable[[], bool] | None = None
    ) -> list[Sample]:
        """``rate`` arrivals a second for ``seconds``, and on while ``keep_going()``."""
        samples: list[Sample] = []
        futures: dict[concurrent.futures.Future[None], tuple[str, float]] = {}
        start = time.monotonic()
        for number in itertools.count():
            due = start + number / rate
            if due - start >= seconds and not (keep_going and keep_going()):
                break
            time.sleep(max(0.0, due - time.monotonic()))
            person = self.rng.choice(self.people)
            route = self.rng.choices(ROUTES, self._weights)[0]
            seed = self.rng.getrandbits(32)
            future = self.pool.submit(self._one, person, route, due, seed, samples)
            futures[future] = (route.name, due)
        _done, late = concurrent.futures.wait(futures, timeout=self.timeout + 10)
        for future in late:
            if future.cancel():  # never started: every thread was stuck
                name, due = futures[future]
                samples.append(Sample(name, due, self.timeout * 1000, 0, NOT_SENT))
        return samples

    def _one(
        self, person: Person, route: Route, due: float, seed: int, samples: list[Sample]
    ) -> None:
        if time.monotonic() - due > self.timeout:
            # Every thread was busy for longer than a request may take.
            answer = Answer(0, NOT_SENT)
        else:
            try:
                answer = route.act(person, random.Random(seed))  # noqa: S311
            except (OSError, http.client.HTTPException) as error:
                answer = Answer(0, f"no answer ({type(error).__name__})")
            except Exception as error:  # an answer this client cannot read
                answer = Answer(0, f"unreadable answer ({type(error).__name__}: {error})")
        samples.append(
            Sample(route.name, due, (time.monotonic() - due) * 1000, answer.status, answer.error)
        )

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
