from __future__ import annotations

import functools

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

    return mark_safe(_inline_html(text or ""))


@functools.lru_cache(maxsize=2048)
def _inline_html(text: str) -> str:
    """The same few hundred texts (a step's guidance, the rules' findings) come back on every builder
    check, and building a Markdown converter for each was most of a check's time: each text is
    rendered once per process. Bounded, so texts that name a learner's resources age out."""
    from ..rendering import render_inline

    return render_inline(text).html


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
