"""What a SMART Health Link's recipient reaches, with no account: the manifest and its files.

These answer anyone who holds the link: the manifest's 256-bit address is
the capability, as the guide designs it, and the passcode when there is
one. They are not behind the profile gate (there is no signed-in reader),
never set a cookie, are not cached, and answer any origin (CORS), since the
recipient's viewer may be anyone's.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from myhealthhub.sharing.links import manifest
from myhealthhub.sharing.links.manifest import File, Gone, TooOften, WrongPasscode

JWE_TYPE = "application/jose"
# A manifest request is a small JSON object; anything larger is not one.
REQUEST_MOST = 10_000


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Expose-Headers"] = "Retry-After"
    response["Access-Control-Max-Age"] = "600"
    response["Cache-Control"] = "no-store"
    return response


def _gone() -> HttpResponse:
    return _cors(JsonResponse({"error": "not found"}, status=404))


def _refused(message: str) -> HttpResponse:
    return _cors(JsonResponse({"error": message}, status=400))


@csrf_exempt  # no cookie is read: the link itself is the credential
def manifest_view(request: HttpRequest, manifest_id: str) -> HttpResponse:
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    if request.method == "GET":
        return _direct(request, manifest_id)
    if request.method != "POST":
        return _cors(HttpResponse(status=405, headers={"Allow": "GET, POST, OPTIONS"}))
    if len(request.body) > REQUEST_MOST:
        return _refused("request too large")
    try:
        asked = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return _refused("the body is not JSON")
    if not isinstance(asked, dict):
        return _refused("the body is not a JSON object")
    recipient, passcode = asked.get("recipient"), asked.get("passcode", "")
    most = asked.get("embeddedLengthMax")
    if not isinstance(recipient, str) or not recipient.strip():
        return _refused("recipient is required")
    if not isinstance(passcode, str) or not (most is None or isinstance(most, int)):
        return _refused("passcode is a string and embeddedLengthMax a number")
    try:
        link, files = manifest.open_manifest(manifest_id, recipient.strip(), passcode, request)
    except Gone:
        return _gone()
    except WrongPasscode as wrong:
        return _cors(JsonResponse({"remainingAttempts": wrong.remaining}, status=401))
    except TooOften as often:
        response = JsonResponse({"error": "polled too often"}, status=429)
        response["Retry-After"] = str(often.retry_after)
        return _cors(response)

    def location(file: File) -> str:
        token = manifest.location_token(link, file.position)
        return request.build_absolute_uri(reverse("sharing:shl_file", args=[token]))

    return _cors(JsonResponse(manifest.manifest_body(link, files, most, location)))


def _direct(request: HttpRequest, manifest_id: str) -> HttpResponse:
    recipient = request.GET.get("recipient", "").strip()
    if not recipient:
        return _refused("recipient is required")
    try:
        file = manifest.direct_file(manifest_id, recipient, request)
    except Gone:
        return _gone()
    return _cors(HttpResponse(file.jwe, content_type=JWE_TYPE))


def file_view(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    if request.method != "GET":
        return _cors(HttpResponse(status=405, headers={"Allow": "GET, OPTIONS"}))
    try:
        _link, file = manifest.file_at(token)
    except Gone:
        return _gone()
    return _cors(HttpResponse(file.jwe, content_type=JWE_TYPE))
