"""The SMART Health Link viewer: its page, and links read by the specification's own examples.

The examples are the HL7 guide's (tests/data/shl/README.md): its links, its
manifests, and its encrypted files with their key. The viewer itself runs in
the browser (test_viewer_browser.py); here are the page it is served in, and
``decode_link`` and ``read_manifest``, which read links and manifests by the
same rules.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from myhealthhub.errors import Refused
from myhealthhub.sharing.viewer.manifest import read_manifest
from myhealthhub.sharing.viewer.payload import LinkRefused, Payload, decode_link
from myhealthhub.sharing.viewer.wording import wording
from myhealthhub.tests.real_files import ours

DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "shl"
PACKAGE = Path(__file__).resolve().parents[2]
# The viewer's classic scripts, in the order they run: each uses what those before it share.
SCRIPTS = [
    "shl-core",
    "shl-link",
    "shl-decrypt",
    "shl-fetch",
    "shl-fhir-text",
    "shl-fhir",
    "shl-viewer",
]
STATIC = PACKAGE / "static" / "myhealthhub"
SPEC_KEY = "rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q"
# The guide's IPS example decrypts to HL7's IPS example bundle, which the repository keeps.
IPS_BUNDLE = "ips/hl7ri_IPS-bundle-01.json"


def spec(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def encoded(payload: dict[str, Any]) -> str:
    """A link as the guide builds one: minified JSON, base64url without padding, prefixed."""
    text = json.dumps(payload, separators=(",", ":")).encode()
    return "shlink:/" + base64.urlsafe_b64encode(text).decode().rstrip("=")


# --- The page ----------------------------------------------------------------


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline_scripts = 0
        self.inline_handlers: list[str] = []
        self.data: dict[str, str] = {}
        self._in_script = False
        self._data_value: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.inline_handlers += [name for name in attributes if name.startswith("on")]
        if "style" in attributes:
            self.inline_handlers.append("style")
        if tag == "script":
            self.scripts.append(attributes)
            self._in_script = "src" not in attributes
        if tag == "data":
            self._data_value = attributes.get("value")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1
        if self._data_value is not None:
            self.data[self._data_value] = self.data.get(self._data_value, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
        if tag == "data":
            self._data_value = None


def test_the_viewer_answers_anyone_with_its_script_and_no_inline_script(db):
    response = Client().get("/view/")
    assert response.status_code == 200
    page = Page()
    page.feed(response.content.decode())
    sources = [str(script.get("src")) for script in page.scripts]
    assert all(source.startswith("/static/") for source in sources), "nothing from another host"
    viewer = [source for source in sources if source.startswith("/static/myhealthhub/shl-")]
    assert viewer == [f"/static/myhealthhub/{name}.js" for name in SCRIPTS]
    assert page.inline_scripts == 0
    assert page.inline_handlers == []
    assert "data-shl-viewer" in response.content.decode()
    # The site's policy, as it is: no inline script, nothing from another host.
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "default-src 'self'" in policy
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"] == ["'self'"]
    # Decrypted information must not come back from the back-forward cache.
    assert "no-store" in response["Cache-Control"]


def test_the_viewer_takes_no_post(db):
    assert Client().post("/view/").status_code == 405


def test_the_viewer_speaks_the_readers_language(db):
    response = Client(headers={"accept-language": "es"}).get("/view/")
    text = response.content.decode()
    assert '<html lang="es">' in text
    page = Page()
    page.feed(text)
    assert page.data["allergies"] == "Alergias"
    assert page.data["download"] == "Descargar"


def test_the_banner_is_the_summarys_own():
    """The same words as the summary's banner, so one translation serves both."""
    templates = PACKAGE / "templates"
    banner = re.compile(r'class="(?:summary|shl)-banner" role="note">\{% translate "([^"]+)" %\}')
    summary = banner.search((templates / "summary/document.html").read_text(encoding="utf-8"))
    viewer = banner.search((templates / "sharing/viewer/page.html").read_text(encoding="utf-8"))
    assert summary and viewer
    assert viewer.group(1) == summary.group(1)


def viewer_script() -> str:
    return "\n".join((STATIC / f"{name}.js").read_text(encoding="utf-8") for name in SCRIPTS)


def test_the_viewers_scripts_are_classic_deferred_and_all_on_the_page(db):
    """Classic scripts, named by {% static %} so hashed names serve them: no module imports."""
    page = Page()
    page.feed(Client().get("/view/").content.decode())
    viewer = [script for script in page.scripts if "/shl-" in str(script.get("src"))]
    assert len(viewer) == len(SCRIPTS)
    assert all("defer" in script and "type" not in script for script in viewer)
    assert sorted(path.stem for path in STATIC.glob("shl-*.js")) == sorted(SCRIPTS)
    assert not re.search(r"^\s*(import|export)\b", viewer_script(), re.MULTILINE)


def test_every_message_the_script_shows_is_on_the_page():
    script = viewer_script()
    asked = set(re.findall(r'\bsay\("(\w+)"[,)]', script))
    asked |= set(re.findall(r'new ViewerError\(\s*"(\w+)"', script))
    asked |= set(re.findall(r'^\s+key: "(\w+)",$', script, re.MULTILINE))
    # Said by a FHIR code: the patient's gender, a clinical status.
    asked |= {"female", "male", "other", "unknown"}
    statuses = ("recurrence", "relapse", "inactive", "remission", "resolved")
    asked |= {f"status_{code}" for code in statuses}
    given = set(wording())
    assert asked - given == set()
    assert {"allergies", "medications", "problems", "immunizations", "results"} <= asked


def test_the_script_has_no_words_of_its_own():
    """Every message comes from the page: no sentence written into the script."""
    script = viewer_script()
    code = "\n".join(line for line in script.splitlines() if not line.strip().startswith("//"))
    texts = re.findall(r'"([A-Za-z][A-Za-z-]* [a-z][^"]*)"', code)
    sentences = [text for text in texts if text != "use strict" and "shl-" not in text]
    # The recipient sent when the reader gives no name: the product's name, not a sentence.
    assert sentences == ["MyHealthHub viewer"], sentences


# --- Links: the specification's examples ---------------------------------------


def test_the_specifications_example_link_reads_bare_and_after_a_viewer():
    example = spec("spec-link-generation.json")
    stated = example["shlinkJsonPayload"]
    for link in (example["shlinkBare"], example["shlink"]):
        payload = decode_link(link)
        assert payload == Payload(
            url=stated["url"], key=stated["key"], flag="LP", label=stated["label"]
        )
        assert payload.needs_passcode and payload.long_term and not payload.direct_file
        assert payload.key_bytes == base64.urlsafe_b64decode(SPEC_KEY + "=")
        assert len(payload.key_bytes) == 32


@pytest.mark.parametrize(
    "name", ["IPS_IG-bundle-01-shl-details.json", "carin-ins-card-shl-details.json"]
)
def test_every_published_example_link_reads_as_its_payload(name: str):
    details = spec(name)
    stated = details["shlinkJsonPayload"]
    for link in (details["shlinkBare"], details["shlink"]):
        payload = decode_link(link)
        assert (payload.url, payload.key, payload.flag, payload.label) == (
            stated["url"],
            stated["key"],
            stated["flag"],
            stated["label"],
        )
        assert payload.direct_file and payload.long_term and not payload.needs_passcode


def test_the_published_link_file_is_the_ips_example():
    text = (DATA / "IPS_IG-bundle-01-shl.txt").read_text(encoding="utf-8")
    assert decode_link(text) == decode_link(spec("IPS_IG-bundle-01-shl-details.json")["shlink"])


def test_the_example_payload_with_a_string_expiry_in_milliseconds_reads():
    """The guide's own instance writes exp as "1767225600000", and a property no one knows."""
    payload = decode_link(encoded(spec("Binary-shl-payload-1.json")))
    assert payload.expires_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert payload.is_expired(datetime(2026, 1, 1, tzinfo=UTC))
    assert not payload.is_expired(datetime(2025, 12, 31, 23, 59, tzinfo=UTC))
    assert payload.label == ""  # "labelzzz" is ignored, as a reader must
    assert payload.flag == "LP"


GOOD = {"url": "https://shl.example.org/m/abc", "key": SPEC_KEY}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"exp": 1767225600}, {"expires_at": datetime(2026, 1, 1, tzinfo=UTC)}),
        ({"exp": 1767225600.5}, {"expires_at": datetime(2026, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)}),
        ({"url": "http://localhost:8000/shl/x"}, {"url": "http://localhost:8000/shl/x"}),
        ({"url": "http://127.0.0.1:8000/shl/x"}, {"url": "http://127.0.0.1:8000/shl/x"}),
        ({"flag": "LX"}, {"flag": "LX"}),  # a letter this reader does not know is ignored
        ({"flag": ""}, {"flag": ""}),
        ({"v": 1, "extension": {"a": 1}, "_ours": True}, {"version": 1}),
        ({"label": "x" * 80}, {"label": "x" * 80}),
    ],
)
def test_a_link_reads_what_the_guide_allows(changes: dict[str, Any], expected: dict[str, Any]):
    payload = decode_link(encoded(GOOD | changes))
    for name, value in expected.items():
        assert getattr(payload, name) == value


def test_padding_and_a_viewer_address_with_a_query_are_tolerated():
    link = encoded(GOOD)
    padded = link + "=" * (-len(link.removeprefix("shlink:/")) % 4)
    assert decode_link(padded) == decode_link(link)
    assert decode_link(f"  https://viewer.example.org/view/?lang=es#{link}\n") == decode_link(link)
    assert decode_link(link.replace("shlink:/", "SHLINK:/")) == decode_link(link)


def raw(text: str) -> str:
    return "shlink:/" + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("link", "problem"),
    [
        ("https://viewer.example.org/view/", "not_a_link"),
        ("eyJ1cmwiOiJodHRwczovL2V4YW1wbGUub3JnIn0", "not_a_link"),
        ("shlink:/", "encoding"),
        ("shlink:/eyJ1cmwi+/", "encoding"),
        ("shlink:/A", "encoding"),
        (raw("not json"), "encoding"),
        (raw("[1, 2]"), "encoding"),
        (raw('"a string"'), "encoding"),
        (encoded({"key": SPEC_KEY}), "url"),
        (encoded(GOOD | {"url": "http://shl.example.org/m"}), "url"),
        (encoded(GOOD | {"url": "ftp://shl.example.org/m"}), "url"),
        (encoded(GOOD | {"url": "https:///m"}), "url"),
        (encoded(GOOD | {"url": "https://shl.example.org/a b"}), "url"),
        (encoded(GOOD | {"url": "https://shl.example.org:port/m"}), "url"),
        (encoded(GOOD | {"url": 42}), "url"),
        (encoded({"url": GOOD["url"]}), "key"),
        (encoded(GOOD | {"key": SPEC_KEY[:-1]}), "key"),
        (encoded(GOOD | {"key": SPEC_KEY + "A"}), "key"),
        (encoded(GOOD | {"key": "+" + SPEC_KEY[1:]}), "key"),
        (encoded(GOOD | {"flag": "PL"}), "flag"),
        (encoded(GOOD | {"flag": "LL"}), "flag"),
        (encoded(GOOD | {"flag": "lp"}), "flag"),
        (encoded(GOOD | {"flag": "L P"}), "flag"),
        (encoded(GOOD | {"flag": "PU"}), "flag"),
        (encoded(GOOD | {"flag": "LPU"}), "flag"),
        (encoded(GOOD | {"flag": ["L"]}), "flag"),
        (encoded(GOOD | {"label": "x" * 81}), "label"),
        (encoded(GOOD | {"label": 7}), "label"),
        (encoded(GOOD | {"exp": "soon"}), "exp"),
        (encoded(GOOD | {"exp": True}), "exp"),
        (encoded(GOOD | {"exp": -1}), "exp"),
        (encoded(GOOD | {"exp": 1e300}), "exp"),
        (encoded(GOOD | {"v": 2}), "version"),
        (encoded(GOOD | {"v": "1"}), "version"),
        (encoded(GOOD | {"v": 0}), "version"),
        ("shlink:/" + "A" * 40_000, "too_long"),
    ],
)
def test_a_bad_link_is_refused_saying_why(link: str, problem: str):
    with pytest.raises(LinkRefused) as refused:
        decode_link(link)
    assert refused.value.problem == problem
    assert refused.value.message.startswith("This")


# --- Manifests ---------------------------------------------------------------


def test_the_specifications_example_manifest_reads():
    files = read_manifest((DATA / "spec-manifest-example.json").read_bytes())
    assert [file.media_type for file in files] == [
        "application/smart-health-card",
        "application/smart-health-card",
        "application/fhir+json",
    ]
    assert files[0].location.startswith("https://bucket.cloud.example.org/file1?")
    assert files[0].embedded == ""
    assert files[1].embedded.startswith("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..")
    assert (files[2].last_updated, files[2].status, files[2].fhir_version) == (
        "2025-03-09T15:29:46Z",
        "finalized",
        "4.0.1",
    )


def test_the_example_manifest_instance_with_a_typed_content_type_reads():
    files = read_manifest((DATA / "Binary-shl-manifest-1.json").read_bytes())
    assert len(files) == 3
    assert files[2].content_type == "application/fhir+json;fhirVersion=4.0.1"
    assert files[2].media_type == "application/fhir+json"


@pytest.mark.parametrize(
    "answer",
    [
        b"",
        b"<html>Not found</html>",
        b"[]",
        b'{"files": {}}',
        b'{"list": {"resourceType": "List"}}',
        b'{"files": ["eyJ..."]}',
        b'{"files": [{"embedded": "eyJ..."}]}',
        b'{"files": [{"contentType": "application/fhir+json"}]}',
        b'{"files": [{"contentType": "application/fhir+json", "location": ""}]}',
        b"[" * 100_000,
    ],
)
def test_an_answer_that_is_not_a_manifest_is_refused(answer: bytes):
    with pytest.raises(Refused):
        read_manifest(answer)


def test_an_empty_manifest_lists_nothing():
    assert read_manifest(b'{"files": []}') == []


# --- Encrypted files: the specification's, decrypted with its key ---------------------


class LargeFiles(jwe.JWERegistry):
    # joserfc refuses a ciphertext past 64 kB by default; the guide's IPS file is 81 kB.
    max_ciphertext_length = 16 * 1024 * 1024


def spec_key() -> OctKey:
    return OctKey.import_key(base64.urlsafe_b64decode(SPEC_KEY + "="))


def test_the_specifications_encrypted_health_card_decrypts_with_its_key():
    example = spec("spec-encryption-example.json")
    assert example["key"] == SPEC_KEY
    decrypted = jwe.decrypt_compact(example["encrypted"], spec_key())
    assert decrypted.protected == {"alg": "dir", "enc": "A256GCM", "cty": example["contentType"]}
    assert decrypted.plaintext is not None
    card = json.loads(decrypted.plaintext)
    [credential] = card["verifiableCredential"]
    assert credential.startswith(example["decryptedVerifiableCredentialStartsWith"])
    # Inside: a signed health card whose payload is raw DEFLATE ("zip": "DEF").
    header, body, _signature = credential.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "==")).get("zip") == "DEF"
    claims = json.loads(zlib.decompress(base64.urlsafe_b64decode(body + "=="), wbits=-15))
    bundle = claims["vc"]["credentialSubject"]["fhirBundle"]
    patient = bundle["entry"][0]["resource"]
    assert patient["name"] == [{"family": "Anyperson", "given": ["John", "B."]}]


def test_the_published_ips_link_file_decrypts_to_the_ips_example_bundle():
    link = decode_link(spec("IPS_IG-bundle-01-shl-details.json")["shlink"])
    encrypted = (DATA / "IPS_IG-bundle-01-enc.txt").read_text(encoding="ascii").strip()
    key = OctKey.import_key(link.key_bytes)
    decrypted = jwe.decrypt_compact(encrypted, key, registry=LargeFiles())
    assert decrypted.protected["alg"] == "dir"
    assert decrypted.protected["enc"] == "A256GCM"
    assert decrypted.plaintext == ours(IPS_BUNDLE).read_bytes()


def test_a_wrong_key_does_not_decrypt_the_specifications_file():
    example = spec("spec-encryption-example.json")
    wrong = OctKey.import_key(bytes(32))
    with pytest.raises(JoseError):
        jwe.decrypt_compact(example["encrypted"], wrong)
