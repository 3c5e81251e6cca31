"""Sample HTTP backends for HTTP and HTTP proxy integrations (and private ones over a VPC link).

The sandbox makes no network calls: an integration URI reaches one of these by its host. They are
plain functions ``(method, path, query, headers, body) -> BackendAnswer`` that the web side can also
serve as pages, so a learner can open the same backend in a browser.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class BackendAnswer:
    status: int
    body: str
    headers: Mapping[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    duration_ms: float = 15.0


Backend = Callable[[str, str, str, Mapping[str, str], str], BackendAnswer]

_ITEMS = {"1": {"id": "1", "name": "blue widget", "price": 10.0}, "2": {"id": "2", "name": "red widget", "price": 12.5}}


def _json(status: int, body: Any, duration: float = 15.0, **headers: str) -> BackendAnswer:
    return BackendAnswer(status, json.dumps(body), {"Content-Type": "application/json", **headers}, duration)


def items_backend(method: str, path: str, query: str, headers: Mapping[str, str], body: str) -> BackendAnswer:
    parts = [p for p in path.split("/") if p]
    if not parts or parts[0] != "items":
        return _json(404, {"error": f"no resource at {path}", "try": ["/items", "/items/1"]})
    if len(parts) == 1:
        if method == "GET":
            return _json(200, {"items": list(_ITEMS.values())})
        if method == "POST":
            try:
                data = json.loads(body) if body else {}
            except ValueError:
                return _json(400, {"error": "the body is not JSON"})
            return _json(201, {"id": "3", **(data if isinstance(data, dict) else {"value": data})})
        return _json(405, {"error": f"{method} not allowed"})
    item = _ITEMS.get(parts[1])
    if method != "GET":
        return _json(405, {"error": f"{method} not allowed"})
    return _json(200, item) if item else _json(404, {"error": f"item {parts[1]} not found"})


def echo_backend(method: str, path: str, query: str, headers: Mapping[str, str], body: str) -> BackendAnswer:
    return _json(200, {"method": method, "path": path, "query": dict(urllib.parse.parse_qsl(query)),
                       "headers": dict(headers), "body": body})


def status_backend(method: str, path: str, query: str, headers: Mapping[str, str], body: str) -> BackendAnswer:
    """``/status/503`` answers that status; ``/delay/40`` answers after 40 s (virtual)."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "status" and parts[1].isdigit() and 100 <= int(parts[1]) <= 599:
        return _json(int(parts[1]), {"status": int(parts[1])})
    if len(parts) >= 2 and parts[0] == "delay" and parts[1].isdigit():
        return _json(200, {"delayed_s": int(parts[1])}, duration=int(parts[1]) * 1000.0)
    return echo_backend(method, path, query, headers, body)


def slow_backend(method: str, path: str, query: str, headers: Mapping[str, str], body: str) -> BackendAnswer:
    return _json(200, {"message": "sorry for the wait"}, duration=60_000.0)


BACKENDS: dict[str, tuple[Backend, str]] = {
    "backend.example.com": (items_backend, "an item store: GET/POST /items, GET /items/{id}"),
    "internal-nlb.example.com": (items_backend, "the item store behind a private load balancer (VPC link)"),
    "echo.example.com": (echo_backend, "answers with the request it received"),
    "httpbin.example.com": (status_backend, "/status/{code} answers that status, /delay/{s} waits"),
    "slow.example.com": (slow_backend, "answers after 60 s"),
}


def find(uri: str) -> tuple[Backend | None, str, str, str]:
    """(backend or None, host, path, query) for an integration URI."""
    parsed = urllib.parse.urlsplit(uri)
    host = (parsed.hostname or "").lower()
    entry = BACKENDS.get(host)
    return (entry[0] if entry else None), host, parsed.path or "/", parsed.query
