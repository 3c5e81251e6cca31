"""The request context every handler reads and writes, and the trace it appends to.

One ``Ctx`` per request. Handlers run in API Gateway's order; each appends its own ``TraceStep`` with
``ctx.step(...)`` as it decides, raises a ``GatewayError`` (via ``ctx.fail``) to stop with a gateway
response, or sets ``ctx.response`` to answer early (a CORS preflight, a cache hit).
"""

from __future__ import annotations

import hashlib
import random
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from ..references import LESSONS
from ..resolved import Preflight, ResolvedApi, ResolvedApiKey, ResolvedRoute, ResolvedUsagePlan
from .responses import error as responses_error
from .core import ACCOUNT_ID, EPOCH_MS, USER_AGENT, GatewayError, Request, TraceStep
from .deployment import Deployment, StageState
from .dynamodb import Tables
from .identities import SampleIdentity
from .policy import Decision
from .state import MAX_CONNECTIONS, State

#: Topics -> "lesson#anchor": the course's own (references.LESSONS) and sections of the later lessons.
LESSON = {
    **LESSONS,
    "gateway-responses": "errors-gateway-responses#response-types",
    "cors-on-errors": "errors-gateway-responses#cors-on-errors",
    "who-answered": "errors-gateway-responses#who-answered",
    "templates": "mapping-templates#where-templates-run",
    "template-variables": "mapping-templates#variables",
    "template-selection": "mapping-templates#content-type-selection",
    "parameter-mapping": "mapping-templates#http-parameter-mapping",
    "ws-lifecycle": "websocket-in-depth#connection-lifecycle",
    "ws-route-selection": "websocket-in-depth#route-selection",
    "ws-connect-auth": "websocket-in-depth#connect-authorization",
    "ws-connections": "websocket-in-depth#connections-api",
    "ws-route-responses": "websocket-in-depth#route-responses",
    "ws-limits": "websocket-in-depth#limits",
    "request-flow": "synchronous-invocation#what-happens-on-a-request",
    "throttling-levels": "security#throttling",
}

PAYLOAD_LIMIT = {"rest": 10 * 1024 * 1024, "http": 10 * 1024 * 1024, "websocket": 128 * 1024}
ACCOUNT_RATE, ACCOUNT_BURST = 10_000.0, 5_000


def api_key_value(name: str) -> str:
    """The value of a design's API key in the sandbox: readable, stable, at least 20 characters (as AWS wants)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "key"
    return f"{slug}-" + hashlib.sha256(f"sandbox-api-key:{name}".encode()).hexdigest()[:20]


@lru_cache(maxsize=1024)
def api_id_for(seed: int) -> str:
    """A sandbox's API id (10 letters and digits, as AWS's), the same for the same seed: computed once per
    process per sandbox, as every request restores its sandbox."""
    digest = hashlib.sha256(f"sandbox-api:{seed}".encode()).hexdigest()
    return "".join(c for c in digest if c.isalnum())[:10]


def mask_account(arn: str) -> str:
    """API Gateway shows only the last four digits of the account in its denials."""
    return re.sub(r":(\d{8})(\d{4}):", r":********\2:", arn, count=1)


def request_time(epoch_ms: float) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")


@dataclass
class Delivery:
    connection_id: str
    data: str
    at_ms: float


class Services:
    """What sample functions may call: the tables and the WebSocket @connections API."""

    def __init__(self, ctx: Ctx) -> None:
        self._ctx = ctx
        self.tables = Tables(ctx.state.tables)

    def post_to_connection(self, connection_id: str, data: Any) -> bool:
        import json

        state = self._ctx.state
        if connection_id not in state.connections:
            self._ctx.note_delivery(connection_id, None)
            return False  # GoneException (410)
        text = data if isinstance(data, str) else json.dumps(data)
        at = self._ctx.at_ms + self._ctx.elapsed_ms
        state.outbox.setdefault(connection_id, []).append({"at_ms": at, "data": text})
        self._ctx.note_delivery(connection_id, text)
        return True

    def connection_ids(self) -> list[str]:
        return list(self._ctx.state.connections)


@dataclass
class Ctx:
    api: ResolvedApi
    deployment: Deployment
    stage: StageState
    request: Request
    state: State
    seed: int
    at_ms: float
    api_id: str
    deployments: Mapping[str, Deployment]
    rng: random.Random = field(init=False)
    request_id: str = ""
    extended_request_id: str = ""
    arm: str = "base"
    variables: dict[str, str] = field(default_factory=dict)
    elapsed_ms: float = 0.0
    trace: list[TraceStep] = field(default_factory=list)
    # what the handlers find out, in order
    route: ResolvedRoute | None = None
    preflight: Preflight | None = None
    cors_preflight: bool = False
    resource_path: str = ""
    path_params: dict[str, str] = field(default_factory=dict)
    signer: SampleIdentity | None = None
    signer_note: str = ""
    policy: Decision | None = None
    authorizer: dict[str, Any] = field(default_factory=dict)  # $context.authorizer
    principal_id: str = ""
    usage_identifier_key: str = ""
    api_key: ResolvedApiKey | None = None
    usage_plan: ResolvedUsagePlan | None = None
    cache_key: str = ""
    # WebSocket
    connection_id: str = ""
    event_type: str = ""  # CONNECT | MESSAGE | DISCONNECT
    route_key: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    # the integration request and its answer
    integ: dict[str, Any] = field(default_factory=dict)
    backend: dict[str, Any] = field(default_factory=dict)
    # the response
    response: dict[str, Any] | None = None  # {"status", "headers", "body"} once known
    error_type: str = ""
    wall_start: float = field(default_factory=time.perf_counter)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.request_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        self.extended_request_id = "".join(self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                                           for _ in range(15)) + "="
        self.variables = dict(self.stage.variables)

    # -- trace and errors -------------------------------------------------------------------------

    def step(self, step: str, decision: str, detail: str, ms: float = 0.0, lesson: str = "") -> None:
        self.elapsed_ms += ms
        self.trace.append(TraceStep(step, decision, detail, round(ms, 3), LESSON.get(lesson, lesson)))

    def not_emulated(self, step: str, what: str, lesson: str = "") -> None:
        self.step(step, "not emulated", f"not emulated: {what}", 0.0, lesson)

    def fail(self, step: str, response_type: str, detail: str, *, message: str | None = None, key: str | None = None,
             lesson: str = "gateway-responses", headers: Mapping[str, str] | None = None, ms: float = 0.0) -> GatewayError:
        error = responses_error(self.api.api_type, response_type, message, key=key, headers=dict(headers or {}))
        self.step(step, f"{error.status} {response_type}", detail, ms, lesson)
        return error

    def note_delivery(self, connection_id: str, data: str | None) -> None:
        if data is not None:
            self.deliveries.append(Delivery(connection_id, data, self.at_ms + self.elapsed_ms))

    # -- what templates, events and policies see ---------------------------------------------------

    @property
    def now_ms(self) -> float:
        return self.at_ms + self.elapsed_ms

    @property
    def epoch_ms(self) -> int:
        return int(EPOCH_MS + self.at_ms)

    @property
    def arn_prefix(self) -> str:
        return f"arn:aws:execute-api:{self.api.region}:{ACCOUNT_ID}:{self.api_id}"

    @property
    def method_arn(self) -> str:
        if self.api.api_type == "websocket":
            return f"{self.arn_prefix}/{self.stage.name}/{self.route_key or '$connect'}"
        path = self.request.path.lstrip("/")
        return f"{self.arn_prefix}/{self.stage.name}/{self.request.method}/{path}"

    @property
    def route_arn(self) -> str:
        key = self.route.key if self.route else self.request.method + " " + self.request.path
        return f"{self.arn_prefix}/{self.stage.name}/{key.replace(' ', '')}" if self.route and self.route.is_default \
            else f"{self.arn_prefix}/{self.stage.name}/{self.request.method}{self.request.path}"

    @property
    def domain_name(self) -> str:
        return f"{self.api_id}.execute-api.{self.api.region}.amazonaws.com"

    @property
    def public_path(self) -> str:
        stage = "" if self.stage.name == "$default" else f"/{self.stage.name}"
        return stage + self.request.path

    def services(self) -> Services:
        return Services(self)

    def identity(self) -> dict[str, Any]:
        ident = self.signer
        return {
            "accountId": ident.account if ident else None, "apiKey": api_key_value(self.api_key.name) if self.api_key else None,
            "apiKeyId": (hashlib.sha256(self.api_key.name.encode()).hexdigest()[:10] if self.api_key else None),
            "caller": ident.arn.rsplit("/", 1)[-1] if ident else None, "user": ident.arn if ident else None,
            "userArn": ident.arn if ident else None, "accessKey": ident.access_key if ident else None,
            "cognitoIdentityPoolId": None, "cognitoIdentityId": None, "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None, "principalOrgId": None,
            "sourceIp": self.request.source_ip, "userAgent": self.request.header("User-Agent", USER_AGENT),
            "vpceId": self.request.source_vpce or None,
        }

    def context_variables(self) -> dict[str, Any]:
        """``$context`` for mapping templates and the requestContext of REST (1.0) events."""
        return {
            "accountId": ACCOUNT_ID, "apiId": self.api_id, "authorizer": dict(self.authorizer),
            "deploymentId": self.deployment.id, "domainName": self.domain_name, "domainPrefix": self.api_id,
            "extendedRequestId": self.extended_request_id, "httpMethod": self.request.method,
            "identity": self.identity(), "isCanaryRequest": self.arm == "canary", "path": self.public_path,
            "protocol": "HTTP/1.1", "requestId": self.request_id, "requestTime": request_time(self.epoch_ms),
            "requestTimeEpoch": self.epoch_ms, "resourceId": hashlib.sha256(self.resource_path.encode()).hexdigest()[:6],
            "resourcePath": self.resource_path, "stage": self.stage.name,
            "connectionId": self.connection_id or None, "routeKey": self.route_key or None,
        }

    def method_params(self) -> dict[str, dict[str, str]]:
        """``$input.params()``: path, querystring, header (a repeated query key gives its last value)."""
        query = {k: v[-1] for k, v in self.request.query_params.items()}
        return {"path": dict(self.path_params), "querystring": query, "header": dict(self.request.headers)}


def too_many_connections(state: State) -> bool:
    return len(state.connections) >= MAX_CONNECTIONS


__all__ = ["Ctx", "GatewayError", "LESSON", "Services", "api_key_value", "api_id_for", "mask_account"]
