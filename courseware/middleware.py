"""Small rules for every response."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template import loader


class MethodNotAllowedPageMiddleware:
    """`require_POST` and friends answer a wrong method with an empty 405, which a browser shows as
    a bare error page: a POST-only address opened from a bookmark or the history. Give it the site's
    page instead, with the same status and `Allow` header. A 405 that has a body of its own (a JSON
    answer, a view's message) is left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and not response.content:
            allowed = response["Allow"]
            page = loader.render_to_string(
                "405.html", {"allowed": [m.strip() for m in allowed.split(",") if m.strip()]}, request
            )
            replaced = HttpResponseNotAllowed([], page)
            replaced["Allow"] = allowed
            for header in ("Cache-Control", "Vary"):
                if header in response:
                    replaced[header] = response[header]
            return replaced
        return response
