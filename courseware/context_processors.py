from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import pagecache

from .roles import is_instructor


def site(request: HttpRequest) -> dict:
    return {
        "site_name": settings.SITE_NAME,
        "user_is_instructor": is_instructor(request.user) if hasattr(request, "user") else False,
        # Read only by templates with cached fragments (courseware/pagecache.py), so other pages pay nothing.
        "content_release": SimpleLazyObject(lambda: pagecache.fragment_key(request)),
        # What a kept fragment's form holds for a token: the reader's own replaces it on the way out.
        "csrf_placeholder": pagecache.CSRF_PLACEHOLDER,
        # Django's own `csrf_token`, but masked once for the page and its fragments' placeholder.
        "csrf_token": SimpleLazyObject(lambda: pagecache.reader_token(request)),
    }
