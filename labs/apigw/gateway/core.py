"""The values the gateway works on: a request, a response, a trace step, a gateway error, the clock.

All plain data; nothing here knows of Django or of the network. Headers are kept as the caller sent
them (a dict) and read case-insensitively, as HTTP has them.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

#: The virtual clock starts here (2025-01-01T00:00:00Z) so that dates in events look real.
EPOCH_MS = 1_735_689_600_000
#: The sandbox's AWS account, the one the labs' ARNs use.
ACCOUNT_ID = "123456789012"
DEFAULT_SOURCE_IP = "198.51.100.7"
USER_AGENT = "gateway-academy-sandbox"


def header(headers: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return default


def parse_query(query: str | Mapping[str, Any] | None) -> tuple[str, dict[str, list[str]]]:
    """``"a=1&a=2&b"`` -> (raw text, ``{"a": ["1", "2"], "b": [""]}``); a dict is encoded first."""
    if query is None or query == "":
        return "", {}
    if isinstance(query, Mapping):
        pairs = []
        for k, v in query.items():
            for item in v if isinstance(v, (list, tuple)) else [v]:
                pairs.append((str(k), str(item)))
        raw = urllib.parse.urlencode(pairs)
    else:
        raw = str(query).lstrip("?")
    parsed: dict[str, list[str]] = {}
    for k, v in urllib.parse.parse_qsl(raw, keep_blank_values=True):
        parsed.setdefault(k, []).append(v)
    return raw, parsed


@dataclass(frozen=True)
class Request:
    """One request to a sandbox API, as the client sent it.

    ``path`` is the path after the stage (``/orders/1``); ``stage`` names the stage (``$default`` for an
    HTTP API's root stage). ``identity`` names a sample IAM identity that signed the request with
    Signature Version 4 (see ``identities.SAMPLE_IDENTITIES``); ``source_vpce`` is the interface VPC
    endpoint the request came through (private APIs). ``at_ms`` is the arrival time on the sandbox's
    virtual clock (``None``: now); ``seed`` replays a request's random draws (canary arm, request id).
    """

    method: str = "GET"
    path: str = "/"
    stage: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    query: str = ""
    body: str = ""
    source_vpce: str = ""
    source_ip: str = DEFAULT_SOURCE_IP
    identity: str = ""
    at_ms: float | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", (self.method or "GET").upper())
        path = self.path or "/"
        object.__setattr__(self, "path", path if path.startswith("/") else "/" + path)
        object.__setattr__(self, "headers", dict(self.headers or {}))
        raw, _ = parse_query(self.query)
        object.__setattr__(self, "query", raw)

    def header(self, name: str, default: str | None = None) -> str | None:
        return header(self.headers, name, default)

    @property
    def query_params(self) -> dict[str, list[str]]:
        return parse_query(self.query)[1]

    def with_(self, **changes: Any) -> Request:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "stage": self.stage, "headers": dict(self.headers),
                "query": self.query, "body": self.body, "source_vpce": self.source_vpce,
                "source_ip": self.source_ip, "identity": self.identity, "at_ms": self.at_ms, "seed": self.seed}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Request:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True)
class TraceStep:
    """What one handler looked at, what it decided and why; ``ms`` is virtual time spent in it."""

    step: str
    decision: str
    detail: str
    ms: float = 0.0
    lesson: str = ""  # "lesson-slug#anchor" that explains the decision

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "decision": self.decision, "detail": self.detail, "ms": self.ms,
                "lesson": self.lesson}


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: str
    arm: str  # "base" | "canary"
    trace: tuple[TraceStep, ...]
    request_id: str = ""
    seed: int = 0
    latency_ms: float = 0.0
    error_type: str = ""  # the gateway response type ("THROTTLED"...), "" when the backend answered
    deployment_id: str = ""
    at_ms: float = 0.0  # arrival time on the virtual clock

    def header(self, name: str, default: str | None = None) -> str | None:
        return header(self.headers, name, default)

    def json(self) -> Any:
        return json.loads(self.body)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "headers": dict(self.headers), "body": self.body, "arm": self.arm,
                "trace": [s.to_dict() for s in self.trace], "request_id": self.request_id, "seed": self.seed,
                "latency_ms": self.latency_ms, "error_type": self.error_type, "deployment_id": self.deployment_id,
                "at_ms": self.at_ms}


class GatewayError(Exception):
    """A gateway response: API Gateway answers itself, and the pipeline stops."""

    def __init__(self, response_type: str, status: int, body: str, error_type: str = "",
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{response_type} {status}")
        self.response_type = response_type
        self.status = status
        self.body = body
        self.error_type = error_type
        self.headers = dict(headers or {})


@dataclass
class Clock:
    """Virtual time in milliseconds since ``EPOCH_MS``: nothing in the sandbox waits for real."""

    now_ms: float = 0.0

    def advance(self, ms: float) -> float:
        if ms < 0:
            raise ValueError("the clock only moves forward")
        self.now_ms += ms
        return self.now_ms

    @property
    def epoch_ms(self) -> int:
        return int(EPOCH_MS + self.now_ms)
