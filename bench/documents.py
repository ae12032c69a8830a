"""How much memory a 200 MB document costs the server, uploaded and downloaded.

Builds a fresh instance in a temporary data folder through the `myhealthhub`
command (migrate, createuser, profiles create), starts `myhealthhub serve`
with one web worker, so there is one process to measure, and no task worker,
signs in over HTTP and warms the server up with a couple of pages. That
worker's RSS is then its idle size. A real 200 MiB PDF (pages of scanned-page
JPEGs under a text line, as a scanner's output) is uploaded from this
process, streamed from disk, and downloaded again, its SHA-256 checked. The
worker's peak RSS (VmHWM, reset between the two with clear_refs, and sampled
as a cross-check) during each is compared with the idle size. Goal: growth
under 100 MiB.

The task worker (`myhealthhub worker --batch`, the database backend) then
reads the file; its peak is compared with the same worker reading a one-page
PDF in the same run. That is reported for information only.

    python bench/documents.py [--size-mb N] [--keep] [--write]

--write replaces the "Documents" section of bench/RESULTS.md with this run.
Exits 1 if the web worker grows by 100 MiB or more.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import io
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import harness

MIB = 1024 * 1024
GOAL_MIB = 100
HOST = "127.0.0.1"
EMAIL = "bench@example.org"
PASSWORD = "bench-" + secrets.token_hex(8)
SECTION = "## Documents: 200 MB upload and download"
CLI = [sys.executable, "-m", "myhealthhub.cli"]
# A scanned A4 page at 150 dpi; random pixels keep JPEG from shrinking it.
PAGE_PIXELS = (1240, 1754)
SEND_CHUNK = MIB


# --- The file ---------------------------------------------------------------


def noise_jpeg(pixels: tuple[int, int]) -> bytes:
    from PIL import Image

    image = Image.frombytes("RGB", pixels, os.urandom(pixels[0] * pixels[1] * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def write_pdf(
    path: Path, target_bytes: int, *, label: str, pixels: tuple[int, int] = PAGE_PIXELS
) -> int:
    """Write a PDF of at least ``target_bytes`` to ``path``; returns its page count.

    Written by hand, straight to disk, so a 200 MiB file costs this process
    no memory and a second or two; the server's task worker checks that it
    is valid (it must find every page and its text).
    """
    jpeg = noise_jpeg(pixels)
    pages = max(1, math.ceil(target_bytes / (len(jpeg) + 600)))
    width, height = pixels
    offsets: dict[int, int] = {}
    with path.open("wb") as out:

        def obj(number: int, *parts: bytes) -> None:
            offsets[number] = out.tell()
            out.write(b"%d 0 obj\n" % number)
            for part in parts:
                out.write(part)
            out.write(b"\nendobj\n")

        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        kids = " ".join(f"{4 + 3 * i} 0 R" for i in range(pages)).encode()
        obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
        obj(2, b"<< /Type /Pages /Count %d /Kids [%s] >>" % (pages, kids))
        obj(3, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
        for i in range(pages):
            page, content, image = 4 + 3 * i, 5 + 3 * i, 6 + 3 * i
            obj(
                page,
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /Font << /F1 3 0 R >> /XObject << /Im0 %d 0 R >> >> "
                b"/Contents %d 0 R >>" % (image, content),
            )
            text = (
                b"q 483 0 0 683 56 56 cm /Im0 Do Q\n"
                b"BT /F1 14 Tf 56 790 Td (%s, page %d of %d: haemoglobin 14.1 g/dL) Tj ET"
                % (label.encode(), i + 1, pages)
            )
            obj(content, b"<< /Length %d >>\nstream\n" % len(text), text, b"\nendstream")
            obj(
                image,
                b"<< /Type /XObject /Subtype /Image /Width %d /Height %d "
                b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode "
                b"/Length %d >>\nstream\n" % (width, height, len(jpeg)),
                jpeg,
                b"\nendstream",
            )
        xref = out.tell()
        count = 4 + 3 * pages - 1
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (count + 1))
        for number in range(1, count + 1):
            out.write(b"%010d 00000 n \n" % offsets[number])
        out.write(
            b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count + 1, xref)
        )
    return pages


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(SEND_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- Processes and their memory ---------------------------------------------


def status_kib(pid: int, field: str) -> int | None:
    """A ``Vm*`` figure of /proc/<pid>/status in KiB; None once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None  # a zombie has no memory lines


def rss_kib(pid: int) -> int:
    value = status_kib(pid, "VmRSS")
    if value is None:
        raise RuntimeError(f"process {pid} is gone")
    return value


def reset_peak(pid: int) -> bool:
    """Start VmHWM afresh from the current RSS (Linux 4.0+, same user)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


class PeakSampler:
    """The highest VmRSS seen while running: a cross-check of VmHWM, and the
    only peak when clear_refs cannot be written."""

    def __init__(self, pid: int, interval: float = 0.005) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            value = status_kib(self.pid, "VmRSS")
            if value is not None:
                self.peak_kib = max(self.peak_kib, value)
            time.sleep(self.interval)


@dataclass(frozen=True)
class Peak:
    hwm_kib: int | None  # VmHWM since the reset; None if it could not be reset
    sampled_kib: int

    @property
    def kib(self) -> int:
        return max(self.hwm_kib or 0, self.sampled_kib)


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [*CLI, *args], env=env, input=stdin, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(f"myhealthhub {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    worker_pid: int
    port: int


def start_server(env: dict[str, str], log: Path) -> Server:
    """`myhealthhub serve` itself, so gunicorn runs with its real settings, with one worker."""
    port = free_port()
    with log.open("ab") as output:
        process = subprocess.Popen(
            [*CLI, "serve", "--workers", "1", "--no-task-worker", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                pass
        except OSError:
            time.sleep(0.2)
            continue
        # serve → gunicorn's arbiter → its one worker.
        arbiters = children(process.pid)
        workers = children(arbiters[0]) if arbiters else []
        if len(workers) == 1:
            return Server(process, workers[0], port)
        time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"the server did not start; see {log}:\n{log.read_text()[-3000:]}")


@dataclass(frozen=True)
class WorkerRun:
    peak_kib: int  # ru_maxrss: the whole life of the process
    seconds: float


def run_task_worker(env: dict[str, str], log: Path) -> WorkerRun:
    """`myhealthhub worker --batch`: runs what is queued, then exits."""
    started = time.perf_counter()
    with log.open("ab") as output:
        process = subprocess.Popen(
            [*CLI, "worker", "--batch", "--no-startup-delay"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    # wait4 rather than Popen.wait: it also returns the child's peak RSS.
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"the task worker failed; see {log}:\n{log.read_text()[-3000:]}")
    return WorkerRun(peak_kib=usage.ru_maxrss, seconds=time.perf_counter() - started)


# --- HTTP -------------------------------------------------------------------


class Browser:
    """Just enough of a browser: cookies, the CSRF token, streamed bodies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def send(
        self,
        method: str,
        path: str,
        body: bytes | Iterator[bytes] | None = None,
        headers: dict[str, str] | None = None,
    ) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=600)
        all_headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if method == "POST":
            all_headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        connection.request(method, path, body=body, headers={**all_headers, **(headers or {})})
        response = connection.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie: SimpleCookie = SimpleCookie(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return response

    def page(self, path: str) -> str:
        response = self.send("GET", path)
        text = response.read().decode()
        if response.status != 200:
            raise SystemExit(f"GET {path}: {response.status}")
        return text

    def sign_in(self, email: str, password: str) -> None:
        form = self.page("/accounts/login/")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        assert match, "no CSRF token on the sign-in page"
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": match[1], "login": email, "password": password}
        ).encode()
        response = self.send(
            "POST",
            "/accounts/login/",
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        response.read()
        if response.status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"sign-in failed: {response.status}")

    def upload(self, profile: str, path: Path, fields: dict[str, str]) -> str:
        """POST the file as the upload form does; returns the new document's UUID."""
        boundary = "bench" + secrets.token_hex(12)
        head = (
            b"".join(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
                for name, value in fields.items()
            )
            + (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                f'filename="{path.name}"\r\nContent-Type: application/pdf\r\n\r\n'
            ).encode()
        )
        tail = f"\r\n--{boundary}--\r\n".encode()

        def body() -> Iterator[bytes]:
            yield head
            with path.open("rb") as handle:
                while chunk := handle.read(SEND_CHUNK):
                    yield chunk
            yield tail

        response = self.send(
            "POST",
            f"/p/{profile}/documents/add/",
            body(),
            {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(len(head) + path.stat().st_size + len(tail)),
            },
        )
        text = response.read().decode(errors="replace")
        location = response.getheader("Location") or ""
        match = re.fullmatch(rf"/p/{profile}/documents/([0-9a-f-]{{36}})/", location)
        if response.status != 302 or not match:
            errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)<', text, re.S)
            raise SystemExit(f"upload of {path.name}: {response.status} {location} {errors}")
        return match[1]

    def download(self, profile: str, document: str) -> tuple[int, str]:
        """Stream the file and hash it as it arrives; returns (bytes, SHA-256)."""
        response = self.send("GET", f"/p/{profile}/documents/{document}/file")
        if response.status != 200:
            raise SystemExit(f"download: {response.status}")
        digest = hashlib.sha256()
        size = 0
        while chunk := response.read(SEND_CHUNK):
            digest.update(chunk)
            size += len(chunk)
        if size != int(response.getheader("Content-Length") or -1):
            raise SystemExit(f"download: {size} bytes, not {response.getheader('Content-Length')}")
        return size, digest.hexdigest()


# --- The run ----------------------------------------------------------------


@dataclass(frozen=True)
class Results:
    size: int
    pages: int
    built_seconds: float
    idle_kib: int
    warmed_kib: int
    upload: Peak
    upload_seconds: float
    download: Peak
    download_seconds: float
    after_kib: int
    reader_baseline: WorkerRun
    reader: WorkerRun
    text_state: str
    page_count: int | None
    text_chars: int
    thumbnail: bool
    vendor: str


def measured_peak(pid: int, sampler: PeakSampler, reset: bool) -> Peak:
    return Peak(status_kib(pid, "VmHWM") if reset else None, sampler.peak_kib)


def run(options: argparse.Namespace, data_dir: Path, env: dict[str, str]) -> Results:
    started = time.perf_counter()
    big = data_dir / "bench-200mb.pdf"
    small = data_dir / "bench-small.pdf"
    pages = write_pdf(big, options.size_mb * MIB, label="Bench scan")
    write_pdf(small, 1, label="Warm-up", pixels=(124, 175))
    expected = sha256_of(big)
    built = time.perf_counter() - started
    size = big.stat().st_size
    print(f"Wrote a {size / MIB:.1f} MiB PDF of {pages} pages in {built:.1f} s.")

    cli(env, "migrate", "--verbosity", "0")
    cli(env, "createuser", "--email", EMAIL, "--password-stdin", stdin=PASSWORD + "\n")
    profile = cli(env, "profiles", "create", "--owner", EMAIL, "--name", "Bench Person").strip()
    server = start_server(env, data_dir / "serve.log")
    pid = server.worker_pid
    try:
        browser = Browser(server.port)
        browser.sign_in(EMAIL, PASSWORD)
        browser.page("/")
        browser.page(f"/p/{profile}/documents/")
        time.sleep(1)
        idle = rss_kib(pid)

        # Pays the one-time cost of a first upload (pypdf, pypdfium2 and the
        # task queue are imported then); reported, and the growth is still
        # counted from the idle size above.
        fields = {
            "kind": "lab_report",
            "facility": "Bench Laboratory",
            "why": "Yearly blood test",
            "description": "Scanned, every page",
            "when_year": "2026",
            "when_month": "11",
            "when_day": "25",
        }
        warm = browser.upload(profile, small, fields)
        browser.download(profile, warm)
        time.sleep(1)
        warmed = rss_kib(pid)
        reader_baseline = run_task_worker(env, data_dir / "worker.log")

        reset = reset_peak(pid)
        with PeakSampler(pid) as sampler:
            started = time.perf_counter()
            document = browser.upload(profile, big, fields)
            upload_seconds = time.perf_counter() - started
        upload = measured_peak(pid, sampler, reset)
        print(f"Uploaded in {upload_seconds:.1f} s; peak {upload.kib / 1024:.0f} MiB.")

        reset = reset_peak(pid)
        with PeakSampler(pid) as sampler:
            started = time.perf_counter()
            received, digest = browser.download(profile, document)
            download_seconds = time.perf_counter() - started
        download = measured_peak(pid, sampler, reset)
        print(f"Downloaded in {download_seconds:.1f} s; peak {download.kib / 1024:.0f} MiB.")
        if (received, digest) != (size, expected):
            raise SystemExit("the downloaded file differs from the uploaded one")
        if children(children(server.process.pid)[0]) != [pid]:
            raise SystemExit("gunicorn replaced its worker mid-run (a timeout?); see serve.log")
        after = rss_kib(pid)
    finally:
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=60)

    reader = run_task_worker(env, data_dir / "worker.log")
    state = read_state(document)
    if state[1:3] != ("extracted", pages):
        # The file was not the valid PDF this bench means to measure.
        raise SystemExit(f"the task worker read {state[2]} pages, text {state[1]}; see worker.log")
    return Results(
        size=size,
        pages=pages,
        built_seconds=built,
        idle_kib=idle,
        warmed_kib=warmed,
        upload=upload,
        upload_seconds=upload_seconds,
        download=download,
        download_seconds=download_seconds,
        after_kib=after,
        reader_baseline=reader_baseline,
        reader=reader,
        vendor=state[0],
        text_state=state[1],
        page_count=state[2],
        text_chars=state[3],
        thumbnail=state[4],
    )


def read_state(document_uuid: str) -> tuple[str, str, int | None, int, bool]:
    """What the task worker made of the file: database, text state, pages, text, thumbnail."""
    import django

    django.setup()
    from django.db import connection

    from myhealthhub.documents.models import Document

    document = Document.objects.get(uuid=document_uuid)
    return (
        connection.vendor,
        document.text_state,
        document.page_count,
        len(document.text),
        document.thumbnail_id is not None,
    )


# --- The report -------------------------------------------------------------


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f}"


def report(results: Results) -> str:
    r = results
    idle = r.idle_kib
    growth = max(r.upload.kib, r.download.kib) - idle
    verdict = "met" if growth < GOAL_MIB * 1024 else "**missed**"
    size_mib = r.size / MIB

    def peak_row(name: str, peak: Peak, seconds: float) -> str:
        hwm = mib(peak.hwm_kib) if peak.hwm_kib is not None else "n/a"
        return (
            f"| {name} | {mib(peak.kib)} | {mib(peak.kib - idle)} | {hwm} / "
            f"{mib(peak.sampled_kib)} | {seconds:.1f} s, {size_mib / seconds:.0f} MiB/s |"
        )

    reader_growth = r.reader.peak_kib - r.reader_baseline.peak_kib
    reader_note = (
        f" **The task worker grows by {mib(reader_growth)} MiB reading this file.**"
        if reader_growth >= GOAL_MIB * 1024
        else ""
    )
    return (
        f"### {time.strftime('%Y-%m-%d')} · {r.vendor} · {size_mib:.0f} MiB PDF "
        f"({r.pages} pages, each a scanned-page JPEG under a line of text)\n\n"
        f"{harness.machine()} File written in {r.built_seconds:.0f} s. "
        f"{harness.command(r.vendor)}\n\n"
        "Web worker (`myhealthhub serve --workers 1`, one gunicorn gthread worker). "
        f"Goal, peak under idle + {GOAL_MIB} MiB: {verdict} (+{mib(growth)} MiB).\n\n"
        "| web worker | RSS MiB | above idle MiB | VmHWM / sampled MiB | time |\n"
        "|---|---:|---:|---:|---:|\n"
        f"| idle: signed in, two pages served | {mib(idle)} | 0 | | |\n"
        f"| after a one-page PDF up and down (first-upload imports) | {mib(r.warmed_kib)} "
        f"| {mib(r.warmed_kib - idle)} | | |\n"
        + peak_row("peak while uploading the file", r.upload, r.upload_seconds)
        + "\n"
        + peak_row("peak while downloading it (SHA-256 matches)", r.download, r.download_seconds)
        + "\n"
        f"| afterwards | {mib(r.after_kib)} | {mib(r.after_kib - idle)} | | |\n\n"
        "Task worker (`myhealthhub worker --batch`, database backend), for information: "
        "peak RSS and run time of the whole process, Django start-up included.\n\n"
        "| task worker | peak RSS MiB | time |\n"
        "|---|---:|---:|\n"
        f"| reads a one-page PDF | {mib(r.reader_baseline.peak_kib)} "
        f"| {r.reader_baseline.seconds:.1f} s |\n"
        f"| reads this file: {r.text_state}, {r.page_count} pages, {r.text_chars:,} characters, "
        f"thumbnail {'drawn' if r.thumbnail else 'missing'} | {mib(r.reader.peak_kib)} "
        f"(+{mib(reader_growth)}) | {r.reader.seconds:.1f} s |\n"
        + (f"\n{reader_note.strip()}\n" if reader_note else "")
    )


SECTION_INTRO = """
Goal (documents issue): uploading and downloading a 200 MB PDF keeps the web
server's peak memory under 100 MB above its idle size. Measured on the real
server (`myhealthhub serve` with one gunicorn gthread worker) over HTTP from a
separate client process that streams the file from disk; memory is the
worker's VmRSS, and VmHWM from /proc reset before each transfer. MiB
throughout.
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=200, help="the PDF's size in MiB")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    parser.add_argument("--write", action="store_true")
    options = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="myhealthhub-bench-"))
    os.environ["MYHEALTHHUB_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myhealthhub.settings")
    # The tests' immediate backend would read the file inside the web worker.
    os.environ.pop("MYHEALTHHUB_TASKS_BACKEND", None)
    env = dict(os.environ)
    try:
        results = run(options, data_dir, env)
    finally:
        if options.keep:
            print(f"Data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    body = report(results)
    print("\n" + body)
    if options.write:
        harness.record(SECTION, SECTION_INTRO, body, replace=True)
    if max(results.upload.kib, results.download.kib) - results.idle_kib >= GOAL_MIB * 1024:
        print(f"The web worker grew by {GOAL_MIB} MiB or more.", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
