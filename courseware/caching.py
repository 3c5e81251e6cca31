"""HTTP caching rules that hold for every page.

A page rendered for a signed-in learner holds their name, progress and answers: no shared cache (a
proxy, a CDN) may keep it. Django adds ``Vary: Cookie`` when the session is read, which is not the
same promise; ``Cache-Control: private`` is.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class PrivateForSignedInMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "public" not in response.get("Cache-Control", ""):
            patch_cache_control(response, private=True)
        return response
