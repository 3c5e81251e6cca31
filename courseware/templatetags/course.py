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


@register.filter
def md(text: str) -> str:
    """Inline course Markdown (lab guidance, hints) to sanitized HTML."""
    from django.utils.safestring import mark_safe

    from ..rendering import render_inline

    return mark_safe(render_inline(text or "").html)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
