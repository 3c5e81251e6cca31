from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import pagecache

from .roles import is_instructor


def site(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    instructor = is_instructor(user) if signed_in else False
    return {
        "site_name": settings.SITE_NAME,
        "user_is_instructor": instructor,
        # What kept fragments differ by (courseware/templatetags/fragments.py), as plain values: a
        # template looking up ``user.…`` goes through the lazy user and a failed ``user[…]`` first.
        "signed_in": signed_in,
        "reader_key": (signed_in, instructor, user.is_staff, user.first_name, user.username) if signed_in else (),
        # What a kept fragment's form holds for a token: the reader's own replaces it on the way out.
        "csrf_placeholder": pagecache.CSRF_PLACEHOLDER,
        # Django's own `csrf_token`, but masked once for the page and its fragments' placeholder.
        "csrf_token": SimpleLazyObject(lambda: pagecache.reader_token(request)),
    }
