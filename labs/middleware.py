"""The invoke URL is an API, not a page of the site: it reads no session, cookie or user and renders
no template. So it is answered here, just inside the security and static-files middleware, and skips
the rest of the stack (sessions, CSRF, authentication, messages, the page CSP, htmx, django-axes),
about a third of what a request to it cost (bench/bench_pages.py, "sandbox invoke").

What a learner's API sends back is theirs (a MOCK can answer with HTML and script), and it is served
from the site's own origin: so every answer carries a policy that lets nothing in it run, load or
frame (`CONTAINED`), whatever headers the learner's design set.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver

PREFIX = "/sandbox/"
CONTAINED = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox",
    "X-Frame-Options": "DENY",
}


class InvokeUrlMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        try:
            match = get_resolver("labs.invoke_urls").resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        request.resolver_match = match
        response = match.func(request, *match.args, **match.kwargs)
        for name, value in CONTAINED.items():
            response[name] = value
        return response
