"""What is the same for every visitor is rendered once per release of the course, in each process.

A lesson page is 50 KB of HTML that takes a few milliseconds of template work, although only its
progress ticks, bookmarks and header belong to the reader. So:

- **Whole pages for anonymous visitors** (`public_page`: home, outline, lessons, glossary, labs list)
  are kept after the first render and sent as they are.
- **Rows that are the same for every reader** (`kept`: a lesson, the course's lessons in order).
- **Fragments of everyone's pages** (`{% fragment <name> <vars> %}`,
  courseware/templatetags/fragments.py) are kept the same way, in `FRAGMENTS`; a signed-in page
  renders only what is theirs around them.

Both are keyed by the *release token* (`ContentRelease`), a random string the database changes in the
same transaction as the course (`sync_content`, an edit in the admin). Reading it is one indexed query
a request, so every app server sees a new course at once and none can pair the new token with old
content; nothing has to be told to forget anything, old keys are never asked for again and age out.

The stores are process-local and bounded: the `local` cache (LocMem) for pages and rows, about twenty
pages per worker, and `FRAGMENTS` for a few hundred fragments; a few MB at most, and no network round
trip on the hot path. Code changes arrive with a restart, which empties them (`forget` does it in
tests).

Nothing private may be kept: a page is kept only if the request carried no session or messages cookie
and its response set no cookie and used no CSRF token; a fragment holding a form gets the placeholder
`CSRF_PLACEHOLDER` for its token (`{% with csrf_token=csrf_placeholder %}`), and
`CsrfPlaceholderMiddleware` puts the reader's own token in its place on the way out.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Callable, Hashable
from typing import Any

from cachetools import LRUCache
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

STORE = "local"
# Letters only: it survives HTML escaping unchanged, and nothing in a page can spell it by chance.
CSRF_PLACEHOLDER = "csrfplaceholderXq7PzKw3"
_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()


class FragmentStore:
    """Rendered fragments by key (a tuple of the values they were rendered for), at most
    ``max_entries``, the least recently used going first (cachetools' ``LRUCache``); safe to share
    between threads."""

    def __init__(self, max_entries: int) -> None:
        self._items: LRUCache[Hashable, str] = LRUCache(maxsize=max_entries)
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            return self._items.get(key)

    def set(self, key: Hashable, html: str) -> None:
        with self._lock:
            self._items[key] = html

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


#: The fragments of this process (`{% fragment %}`): a site-header per kind of reader, a lesson's
#: head, foot and contents per set of bookmarks, its outline per set of ticks.
FRAGMENTS = FragmentStore(max_entries=2000)


def forget() -> None:
    """Drop every kept page, row and fragment of this process."""
    caches[STORE].clear()
    FRAGMENTS.clear()


def release(request: HttpRequest | None = None) -> str | None:
    """The current release token, read once per request; None when there is none (a database
    emptied by a test, before its course is loaded): then nothing is kept."""
    if request is not None and hasattr(request, "_content_release"):
        return request._content_release
    from .models import ContentRelease

    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(f"SELECT token FROM {ContentRelease._meta.db_table} WHERE id = 1")
        row = cursor.fetchone()
    token = row[0] if row else None
    if request is not None:
        request._content_release = token
    return token


def kept(request: HttpRequest, name: str, compute: Callable[[], Any]) -> Any:
    """`compute()`, kept in this process for the current release: rows that are the same for every
    reader (a lesson, the course's lessons in order). Each call gets its own copy (the store pickles)."""
    token = release(request)
    if token is None:
        return compute()
    key = f"{name}:{token}"
    store = caches[STORE]
    value = store.get(key)
    if value is None:
        value = compute()
        store.set(key, value, None)
    return value


def fragment_key(request: HttpRequest) -> str:
    """The token for `{% fragment %}` keys: a fresh one when there is no release, so nothing cached
    then is ever found again."""
    return release(request) or uuid.uuid4().hex


def content_changed(**kwargs) -> None:
    """A new release: called in the transaction that changes the course (signals, sync)."""
    from .models import ContentRelease

    fields = {"token": uuid.uuid4().hex, "released_at": timezone.now()}
    if not ContentRelease.objects.filter(pk=1).update(**fields):
        ContentRelease.objects.create(pk=1, **fields)


def reader_token(request: HttpRequest) -> str:
    """The reader's CSRF token (``get_token``), masked once per request: Django masks it anew on every
    call, 0.1 ms of random numbers each, and a page with a kept fragment needs it twice (its own forms
    and the fragments' placeholder). A new secret (``rotate_token`` at login) gets a new mask."""
    secret = request.META.get("CSRF_COOKIE")
    masked = getattr(request, "_reader_token", None)
    if secret is None or masked is None or masked[0] != secret:
        token = get_token(request)
        request._reader_token = masked = (request.META["CSRF_COOKIE"], token)
    return masked[1]


class CsrfPlaceholderMiddleware:
    """Fragments are kept for every reader, so a form inside one is rendered with `CSRF_PLACEHOLDER`
    for its token (`{% with csrf_token=csrf_placeholder %}`); on the way out the placeholder becomes
    the reader's own token. Inside `CsrfViewMiddleware`, which then sets the token's cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (not response.streaming and response.get("Content-Type", "").startswith("text/html")
                and _PLACEHOLDER_BYTES in response.content):
            response.content = response.content.replace(_PLACEHOLDER_BYTES, reader_token(request).encode())
        return response


def _may_serve_kept(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.GET
        and "HX-Request" not in request.headers
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and not request.user.is_authenticated
    )


def _may_keep(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # the page holds a CSRF token
        and not any(word in response.get("Cache-Control", "") for word in ("private", "no-store", "no-cache"))
        and response.get("Content-Type", "").startswith("text/html")
    )


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve `view`'s page to anonymous visitors from the process's store, rendered once per release.

    Anything else (a signed-in reader, a query string, htmx, a pending message) goes to the view."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        token = release(request) if _may_serve_kept(request) else None
        if token is None:
            return view(request, *args, **kwargs)
        store = caches[STORE]
        key = f"page:{token}:{request.path}"
        body = store.get(key)
        if body is not None:
            return HttpResponse(body)
        response = view(request, *args, **kwargs)
        if _may_keep(request, response):
            store.set(key, response.content, None)
        return response

    return wrapped
