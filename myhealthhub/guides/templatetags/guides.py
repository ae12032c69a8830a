"""Links to a guide from the page it is about: ``{% load guides %}{% guide_link "slug" %}``.

On a page of a profile (``access`` in the context), the guide's links then
open that profile's pages.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from myhealthhub.guides.catalogue import GUIDES, Guide

register = template.Library()


def _guide(slug: str) -> Guide:
    try:
        return GUIDES[slug]
    except KeyError:
        raise template.TemplateSyntaxError(f"no guide is called {slug!r}") from None


@register.simple_tag(takes_context=True)
def guide_url(context: template.Context, slug: str) -> str:
    """The guide's address, for the profile of the page when there is one."""
    url = reverse("guides:guide", kwargs={"slug": _guide(slug).slug})
    access: Any = context.get("access")
    profile = getattr(access, "profile", None)
    if profile is not None:
        url += "?" + urlencode({"profile": str(profile.uuid)})
    return url


@register.simple_tag(takes_context=True)
def guide_link(context: template.Context, slug: str) -> SafeString:
    """A small paragraph: "Guide: <title>", linking to the guide."""
    return format_html(
        '<p class="guide-link"><a href="{}">{}</a></p>',
        guide_url(context, slug),
        _("Guide: %(title)s") % {"title": _guide(slug).title},
    )
