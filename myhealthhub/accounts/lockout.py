"""django-axes hooks: which name an attempt counts against, and the locked-out page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def username_from_attempt(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    # allauth authenticates with {"email": ...}; the sign-in form posts "login".
    # Lower-cased, so "Ana@x" and "ana@x" count as one name.
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or request.POST.get("login")
    return str(value or "").strip().lower()


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = render(request, "account/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
