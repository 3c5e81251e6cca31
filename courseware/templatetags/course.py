from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.filter
def lesson_url(reference: str) -> str:
    """"slug#anchor" (how content and rules name a lesson section) → its URL."""
    slug, _, anchor = (reference or "").partition("#")
    try:
        url = reverse("lesson", args=[slug])
    except NoReverseMatch:
        return reverse("outline")
    return f"{url}#{anchor}" if anchor else url
