"""WebSocket APIs: connect, messages routed by the selection expression, @connections, disconnect.

A connection lives in ``State.connections``; messages that backends push with ``post_to_connection``
land in ``State.outbox`` (and in the ``deliveries`` of the result), so the web side can show every
client's side of the conversation. Routes without a route response are one-way, as in API Gateway:
what the integration returns is not sent back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .auth import authorization
from .handlers import api_key, endpoint_and_policy, request_limits, throttling
from .handlers import stage as handlers_stage
from .integration import integration as integration_integration
from .integration import integration_request
from .jsonpath import JsonPathError, MISSING, find
from .context import Ctx, too_many_connections
from .core import EPOCH_MS, GatewayError, Request, TraceStep
from .deployment import Deployment, StageState
from .pipeline import Handler
from .state import State


@dataclass(frozen=True)
class WsResult:
    kind: str  # "connect" | "message" | "disconnect"
    connection_id: str
    accepted: bool
    status: int  # connect: the handshake's status (101 when accepted); message: 200 or the error's status
    route_key: str
    body: str  # an error frame sent to the client, or ""
    deliveries: tuple[tuple[str, str], ...]  # (connection id, data) pushed through @connections
    trace: tuple[TraceStep, ...]
    request_id: str = ""
    seed: int = 0
    latency_ms: float = 0.0
    error_type: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "connection_id": self.connection_id, "accepted": self.accepted,
                "status": self.status, "route_key": self.route_key, "body": self.body,
                "deliveries": [{"connection_id": c, "data": d} for c, d in self.deliveries],
                "trace": [s.to_dict() for s in self.trace], "request_id": self.request_id, "seed": self.seed,
                "latency_ms": self.latency_ms, "error_type": self.error_type}


def _connection_id(ctx: Ctx) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(ctx.rng.choice(alphabet) for _ in range(15)) + "="


# -- handlers of the WebSocket flows ------------------------------------------------------------------


def connect_route(ctx: Ctx) -> None:
    if too_many_connections(ctx.state):
        raise ctx.fail("route", "THROTTLED", "The sandbox keeps at most 100 open connections.", lesson="ws-limits")
    ctx.connection_id = _connection_id(ctx)
    ctx.route_key = "$connect"
    ctx.route = ctx.deployment.router.by_key.get("$connect")
    if ctx.route is None:
        ctx.step("route", "no $connect route", f"The API has no $connect route: every client may connect. Connection "
                 f"{ctx.connection_id}.", lesson="ws-lifecycle")
    else:
        ctx.step("route", "$connect", f"A client opens a connection ({ctx.connection_id}): the $connect route runs "
                 "before the connection is accepted, and only it can refuse.", lesson="ws-lifecycle")


def select_route(ctx: Ctx) -> None:
    expression = ctx.api.route_selection_expression or "$request.body.action"
    body = ctx.request.body
    value = None
    path = expression.strip()
    if path.startswith("${") and path.endswith("}"):
        path = "$" + path[2:-1]
    if path.startswith("$request.body"):
        try:
            document = json.loads(body)
            found = find(document, "$" + path[len("$request.body"):])
            value = None if found is MISSING or isinstance(found, (dict, list)) else str(found)
            why = f"{expression} is {value!r}" if value is not None else f"the message has no {expression}"
        except (ValueError, JsonPathError):
            why = "the message is not JSON"
    else:
        why = f"the selection expression {expression!r} doesn't read the message (not emulated beyond $request.body)"
    by_key = ctx.deployment.router.by_key
    route = by_key.get(value) if value is not None and not value.startswith("$") else None
    if route is None:
        route = by_key.get("$default")
        if route is None:
            raise ctx.fail("route", "FORBIDDEN", f"{why}; no route has that key and there is no $default route.",
                           lesson="ws-route-selection",
                           message="Forbidden")
        decision, how = "$default", f"{why}, which no route has: the $default route takes it."
    else:
        decision, how = route.key, f"{why}: the route {route.key}."
    ctx.route, ctx.route_key = route, route.key
    ctx.step("route", decision, f"Route selection: {how}", lesson="ws-route-selection")


def connect_decision(ctx: Ctx) -> None:
    status = 200
    if ctx.route is not None and ctx.backend:
        status = int(ctx.backend.get("status") or 200)
        if ctx.route.integration.proxy:
            try:
                status = int((ctx.backend.get("payload") or {}).get("statusCode") or 200)
            except (TypeError, ValueError, AttributeError):
                status = 200
    if not 200 <= status < 300:
        ctx.response = {"status": status, "headers": {}, "body": ""}
        ctx.step("connect", f"refused {status}", f"The $connect integration answered {status}: the connection is "
                 "refused.", lesson="ws-lifecycle")
        return
    ctx.state.connections[ctx.connection_id] = {
        "stage": ctx.stage.name, "deployment": ctx.deployment.id, "connected_ms": ctx.now_ms,
        "connected_epoch_ms": EPOCH_MS + ctx.now_ms, "authorizer": dict(ctx.authorizer),
        "source_ip": ctx.request.source_ip, "query": ctx.request.query,
    }
    ctx.response = {"status": 101, "headers": {}, "body": ""}
    ctx.step("connect", "connected", f"Connection {ctx.connection_id} is open. The client sends messages; backends "
             "answer through the @connections API.", lesson="ws-connections")


def message_result(ctx: Ctx) -> None:
    ctx.response = {"status": 200, "headers": {}, "body": ""}
    ctx.not_emulated("route-response", "route responses: routes are one-way, so what the integration returns is not "
                     "sent to the client; backends talk back through @connections", "ws-route-responses")


def _integrate(ctx: Ctx) -> None:
    if ctx.route is None:
        return
    integration_request(ctx)
    integration_integration(ctx)
    if ctx.route.integration.uses_lambda and ctx.route.integration.proxy:
        payload = ctx.backend.get("payload")
        if payload is None:
            ctx.backend["payload"] = json.loads(ctx.backend["body"]) if ctx.backend.get("body") else {}
    if ctx.backend.get("error"):
        raise ctx.fail("integration", "INTEGRATION_FAILURE", f"The function failed: {ctx.backend['error']}",
                       lesson="retries", message="Internal server error")


CONNECT_HANDLERS: tuple[Handler, ...] = (handlers_stage, endpoint_and_policy, connect_route, authorization,
                                         api_key, throttling, _integrate, connect_decision)
MESSAGE_HANDLERS: tuple[Handler, ...] = (request_limits, select_route, authorization, throttling,
                                         _integrate, message_result)


def _context(deployments: Mapping[str, Deployment], stage: StageState, request: Request, state: State, at_ms: float,
             seed: int, api_id: str, deployment_id: str | None = None) -> Ctx:
    deployment = deployments[deployment_id or stage.deployment_id]
    return Ctx(deployment.api, deployment, stage, request, state, seed, at_ms, api_id, deployments)


def _run(ctx: Ctx, steps: tuple[Handler, ...], kind: str) -> WsResult:
    error: GatewayError | None = None
    try:
        for handler in steps:
            if ctx.response is not None:
                break
            handler(ctx)
    except GatewayError as exc:
        error = exc
    ctx.state.trim()
    deliveries = tuple((d.connection_id, d.data) for d in ctx.deliveries)
    if error is not None:
        frame = ""
        if kind == "message":
            try:
                message = json.loads(error.body).get("message")
            except ValueError:
                message = None
            frame = json.dumps({"message": message, "connectionId": ctx.connection_id, "requestId": ctx.request_id})
        return WsResult(kind, ctx.connection_id, kind == "message", error.status, ctx.route_key, frame, deliveries,
                        tuple(ctx.trace), ctx.request_id, ctx.seed, round(ctx.elapsed_ms, 3), error.response_type)
    status = int((ctx.response or {}).get("status", 200))
    accepted = status == 101 if kind == "connect" else True
    return WsResult(kind, ctx.connection_id, accepted, status, ctx.route_key, "", deliveries, tuple(ctx.trace),
                    ctx.request_id, ctx.seed, round(ctx.elapsed_ms, 3), "")


def connect(deployments: Mapping[str, Deployment], stage: StageState, request: Request, state: State, *,
            at_ms: float, seed: int, api_id: str) -> WsResult:
    ctx = _context(deployments, stage, request, state, at_ms, seed, api_id)
    ctx.event_type = "CONNECT"
    return _run(ctx, CONNECT_HANDLERS, "connect")


def _known_connection(deployments: Mapping[str, Deployment], stage: StageState, state: State, connection_id: str,
                      request: Request, at_ms: float, seed: int, api_id: str, event_type: str) -> Ctx:
    connection = state.connections[connection_id]
    deployment_id = connection.get("deployment") if connection.get("deployment") in deployments else None
    ctx = _context(deployments, stage, request, state, at_ms, seed, api_id, deployment_id)
    ctx.connection_id, ctx.event_type = connection_id, event_type
    ctx.authorizer = dict(connection.get("authorizer") or {})
    return ctx


def send(deployments: Mapping[str, Deployment], stage: StageState, connection_id: str, body: str, state: State, *,
         at_ms: float, seed: int, api_id: str) -> WsResult:
    request = Request(method="POST", path="/", stage=stage.name, body=body)
    if connection_id not in state.connections:
        step = TraceStep("connection", "gone", f"The connection {connection_id} is not open (410 GoneException).",
                         0.0, "websocket-in-depth#connections-api")
        return WsResult("message", connection_id, False, 410, "", "", (), (step,), seed=seed)
    ctx = _known_connection(deployments, stage, state, connection_id, request, at_ms, seed, api_id, "MESSAGE")
    return _run(ctx, MESSAGE_HANDLERS, "message")


def disconnect(deployments: Mapping[str, Deployment], stage: StageState, connection_id: str, state: State, *,
               at_ms: float, seed: int, api_id: str) -> WsResult:
    request = Request(method="POST", path="/", stage=stage.name)
    if connection_id not in state.connections:
        step = TraceStep("connection", "gone", f"The connection {connection_id} is not open.", 0.0,
                         "websocket-in-depth#connection-lifecycle")
        return WsResult("disconnect", connection_id, False, 410, "", "", (), (step,), seed=seed)
    ctx = _known_connection(deployments, stage, state, connection_id, request, at_ms, seed, api_id, "DISCONNECT")
    ctx.route_key = "$disconnect"
    ctx.route = ctx.deployment.router.by_key.get("$disconnect")
    ctx.step("route", "$disconnect" if ctx.route else "no $disconnect route",
             "The client closed the connection; the $disconnect route runs on a best-effort basis and can't stop it."
             if ctx.route else "The client closed the connection; the API has no $disconnect route.",
             lesson="ws-lifecycle")
    try:
        _integrate(ctx)
    except GatewayError:
        pass  # $disconnect can't change anything: its failure is in the trace and the connection closes anyway
    state.connections.pop(connection_id, None)
    state.outbox.pop(connection_id, None)
    return WsResult("disconnect", connection_id, True, 200, "$disconnect", "",
                    tuple((d.connection_id, d.data) for d in ctx.deliveries), tuple(ctx.trace), ctx.request_id,
                    ctx.seed, round(ctx.elapsed_ms, 3), "")


@dataclass
class Conversation:
    """A WebSocket exchange as a list of results, for a page or the command line."""

    results: list[WsResult] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        for r in self.results:
            if r.kind == "connect":
                out.append(f"client -> connect: {'accepted ' + r.connection_id if r.accepted else f'refused {r.status}'}")
            elif r.kind == "message":
                out.append(f"client {r.connection_id} -> message, route {r.route_key or '(none)'}"
                           + (f": error frame {r.body}" if r.body else ""))
            else:
                out.append(f"client {r.connection_id} -> disconnect")
            out += [f"  @connections -> {c}: {d}" for c, d in r.deliveries]
        return out
