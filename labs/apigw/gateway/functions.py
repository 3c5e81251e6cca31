"""Sample Lambda functions, addressed by the function name in the Lambda ARN. Learners never upload code.

Each function is plain Python that takes the event API Gateway sends and a ``FunctionContext``
(its name, version, the request id, and ``services``: the sandbox's DynamoDB tables and the WebSocket
``@connections`` API). It declares how long it runs, in virtual milliseconds, so a timeout costs no
real waiting. An exception is a function error, reported to API Gateway as Lambda reports it
(``{"errorMessage", "errorType", "stackTrace"}``). An unknown function name, or an alias the function
doesn't have, is Lambda's ``ResourceNotFoundException``.

``FUNCTIONS`` lists them (name -> ``SampleFunction``); ``invoke(arn, event, ...)`` runs one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .dynamodb import Tables

_ARN = re.compile(r"^arn:aws[\w-]*:lambda:([a-z0-9-]*):(\d{12}|\*?):function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9_$-]*))?$")
DEFAULT_DURATION_MS = 20.0


class Services(Protocol):
    tables: Tables

    def post_to_connection(self, connection_id: str, data: Any) -> bool: ...

    def connection_ids(self) -> list[str]: ...


@dataclass
class FunctionContext:
    function_name: str
    version: str
    qualifier: str
    invoked_function_arn: str
    aws_request_id: str
    services: Services
    kind: str  # "proxy-1.0" | "proxy-2.0" | "custom" | "authorizer" | "websocket"
    simple_responses: bool = False
    logs: list[str] = field(default_factory=list)

    def log(self, text: str) -> None:
        self.logs.append(text)


class FunctionNotFound(LookupError):
    """Lambda's ResourceNotFoundException."""


@dataclass(frozen=True)
class SampleFunction:
    name: str
    summary: str
    handler: Callable[[Any, FunctionContext], Any]
    duration_ms: float | Callable[[Any, FunctionContext], float] = DEFAULT_DURATION_MS
    #: alias -> version; versions are "1", "2"...; unqualified and $LATEST run the highest version
    aliases: Mapping[str, str] = field(default_factory=dict)
    versions: tuple[str, ...] = ("1",)


@dataclass(frozen=True)
class Invocation:
    function: str
    version: str
    payload: Any  # what the function returned, or Lambda's error object
    function_error: str  # "" or "Unhandled" (Lambda's X-Amz-Function-Error)
    duration_ms: float
    logs: tuple[str, ...] = ()


def parse_arn(arn: str) -> tuple[str, str, str]:
    """(region, name, qualifier) of a function ARN; ``FunctionNotFound`` when it isn't one."""
    m = _ARN.match(arn.strip())
    if not m:
        raise FunctionNotFound(f"{arn!r} is not a Lambda function ARN (arn:aws:lambda:region:account:function:name)")
    return m.group(1), m.group(3), m.group(4) or ""


def invoke(arn: str, event: Any, *, services: Services, request_id: str, kind: str,
           simple_responses: bool = False) -> Invocation:
    """Run a sample function as Lambda's Invoke (RequestResponse) would."""
    _, name, qualifier = parse_arn(arn)
    fn = FUNCTIONS.get(name)
    if fn is None:
        raise FunctionNotFound(f"Function not found: {arn}")
    if qualifier in ("", "$LATEST"):
        version = fn.versions[-1]
    elif qualifier in fn.versions:
        version = qualifier
    elif qualifier in fn.aliases:
        version = fn.aliases[qualifier]
    else:
        raise FunctionNotFound(f"Function not found: {arn} (the function {name} has no version or alias "
                               f"{qualifier!r}; it has {', '.join([*fn.aliases, *fn.versions]) or 'none'})")
    ctx = FunctionContext(name, version, qualifier, arn, request_id, services, kind, simple_responses)
    duration = fn.duration_ms(event, ctx) if callable(fn.duration_ms) else fn.duration_ms
    try:
        result = fn.handler(event, ctx)
        error = ""
    except Exception as exc:  # noqa: BLE001 - a function error, reported the way Lambda reports it
        result = {"errorMessage": str(exc), "errorType": type(exc).__name__,
                  "stackTrace": [f'  File "/var/task/{name.replace("-", "_")}.py", line 1, in handler']}
        error = "Unhandled"
    json.dumps(result, default=str)  # Lambda serialises what the function returns
    return Invocation(name, version, result, error, float(duration), tuple(ctx.logs))


# --------------------------------------------------------------------------------------------------
# Reading an event, whatever its shape
# --------------------------------------------------------------------------------------------------


@dataclass
class _View:
    method: str
    path: str
    route: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    user: str


def _view(event: Any) -> _View:
    if not isinstance(event, Mapping):
        return _View("", "", "", {}, {}, event, "anonymous")
    ctx = event.get("requestContext") or {}
    if event.get("version") == "2.0":
        method = (ctx.get("http") or {}).get("method", "")
        path = event.get("rawPath", "")
        route = str(event.get("routeKey", "")).partition(" ")[2] or event.get("routeKey", "")
        claims = ((ctx.get("authorizer") or {}).get("jwt") or {}).get("claims") or {}
    else:
        method = event.get("httpMethod", "")
        path = event.get("path", "")
        route = event.get("resource", "")
        authorizer = ctx.get("authorizer") or {}
        claims = authorizer.get("claims") or authorizer
    raw_body = event.get("body")
    try:
        body = json.loads(raw_body) if isinstance(raw_body, str) and raw_body.strip() else raw_body
    except ValueError:
        body = raw_body
    if not method and not route:  # a custom (non-proxy) integration: the event is what the template made
        return _View("", "", "", {}, {}, event, "anonymous")
    user = str(claims.get("sub") or claims.get("principalId") or (ctx.get("identity") or {}).get("userArn") or "anonymous")
    return _View(method, path, route, dict(event.get("pathParameters") or {}),
                 dict(event.get("queryStringParameters") or {}), body, user)


def _reply(status: int, body: Any, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json", **(headers or {})},
            "body": json.dumps(body)}


# --------------------------------------------------------------------------------------------------
# The functions
# --------------------------------------------------------------------------------------------------


def _echo(event: Any, ctx: FunctionContext) -> Any:
    if ctx.kind.startswith("proxy"):
        return _reply(200, event)
    if ctx.kind == "websocket":
        conn = ((event or {}).get("requestContext") or {}).get("connectionId")
        if conn and (event or {}).get("body") is not None:
            ctx.services.post_to_connection(conn, event.get("body"))
        return {"statusCode": 200}
    return event


def _slow(event: Any, ctx: FunctionContext) -> Any:
    ctx.log("working... (this function runs for 15 minutes, Lambda's own maximum)")
    return _reply(200, {"message": "finally done"}) if ctx.kind.startswith("proxy") else {"message": "finally done"}


def _error(event: Any, ctx: FunctionContext) -> Any:
    raise RuntimeError("Something went wrong in the function")


def _bad_response(event: Any, ctx: FunctionContext) -> Any:
    # Neither a valid proxy response (statusCode must be a number, body a string) nor plain JSON data.
    return {"statusCode": "OK", "body": {"message": "the body should have been a string"}}


_SAMPLE_ORDERS = [
    {"id": "o-1001", "owner": "sample-user", "items": [{"sku": "blue-widget", "qty": 2}], "status": "shipped"},
    {"id": "o-1002", "owner": "sample-user", "items": [{"sku": "red-widget", "qty": 1}], "status": "placed"},
]


def _orders(event: Any, ctx: FunctionContext) -> Any:
    v = _view(event)
    table = ctx.services.tables
    if not table.scan({"TableName": "Orders", "Limit": 1})["Items"]:  # an empty table: the samples, once
        for order in _SAMPLE_ORDERS:
            table.put("Orders", order)
    if v.method == "GET" and "orderId" in v.params:
        order = table.get("Orders", v.params["orderId"])
        if order is None or order.get("owner") not in (v.user, "anyone"):
            return _reply(404, {"message": f"Order {v.params['orderId']} not found"})
        return _reply(200, order)
    if v.method == "GET":
        mine = [o for o in table.all("Orders") if o.get("owner") == v.user]
        return _reply(200, {"orders": mine, "user": v.user})
    if v.method == "POST":
        body = v.body if isinstance(v.body, Mapping) else {}
        items = body.get("items")
        if not isinstance(items, list) or not items:
            return _reply(400, {"message": "An order needs a non-empty list of items"})
        order = {"id": "o-" + ctx.aws_request_id[:8], "owner": v.user, "items": items[:20], "status": "placed"}
        table.put("Orders", order)
        return _reply(201, order, {"Location": f"/orders/{order['id']}"})
    return _reply(405, {"message": f"{v.method} is not handled here"})


def _items(event: Any, ctx: FunctionContext) -> Any:
    v = _view(event)
    table = ctx.services.tables
    if not v.method:  # custom integration: the template built the event
        return {"items": table.all("Items"), "received": event}
    if v.method == "GET" and "id" in v.params:
        item = table.get("Items", v.params["id"])
        return _reply(200, item) if item else _reply(404, {"message": "Item not found"})
    if v.method == "GET":
        return _reply(200, {"items": table.all("Items")})
    if v.method in ("POST", "PUT"):
        body = v.body if isinstance(v.body, Mapping) else {}
        item = {"id": str(body.get("id") or ctx.aws_request_id[:8]), "name": str(body.get("name", ""))[:200]}
        table.put("Items", item)
        return _reply(201, item)
    return _reply(405, {"message": f"{v.method} is not handled here"})


_PRICES = {"1": {"blue-widget": 10.0, "red-widget": 12.5}, "2": {"blue-widget": 9.0, "red-widget": 11.0}}


def _pricing(event: Any, ctx: FunctionContext) -> Any:
    v = _view(event)
    prices = _PRICES[ctx.version]
    if v.method == "POST" or (v.route or v.path).endswith("/quotes"):
        body = v.body if isinstance(v.body, Mapping) else {}
        basket = body.get("items") if isinstance(body.get("items"), list) else []
        total = sum(prices.get(str(i.get("sku")), 0) * int(i.get("qty", 1) or 1)
                    for i in basket if isinstance(i, Mapping))
        return _reply(200, {"version": int(ctx.version), "total": round(total, 2), "currency": "EUR"})
    return _reply(200, {"version": int(ctx.version), "prices": prices, "currency": "EUR"})


def _reports(event: Any, ctx: FunctionContext) -> Any:
    v = _view(event)
    reports = {"r-1": {"id": "r-1", "title": "Quarterly revenue"}, "r-2": {"id": "r-2", "title": "Open invoices"}}
    if "reportId" in v.params:
        report = reports.get(v.params["reportId"])
        return _reply(200, report) if report else _reply(404, {"message": "Report not found"})
    return _reply(200, {"reports": list(reports.values())})


def _notes(event: Any, ctx: FunctionContext) -> Any:
    v = _view(event)
    table = ctx.services.tables
    mine = [n for n in table.all("Notes") if n.get("owner") == v.user]
    if "noteId" in v.params:
        note = next((n for n in mine if n.get("noteId") == v.params["noteId"]), None)
        if note is None:
            return {"statusCode": 404, "body": json.dumps({"message": "Note not found"})}
        if v.method == "DELETE":
            table.delete("Notes", note["noteId"])
            return {"statusCode": 204}
        return note  # payload 2.0 lets a function return plain JSON: API Gateway makes it a 200
    if v.method == "POST":
        body = v.body if isinstance(v.body, Mapping) else {}
        note = {"noteId": "n-" + ctx.aws_request_id[:8], "owner": v.user, "text": str(body.get("text", ""))[:1000]}
        table.put("Notes", note)
        return {"statusCode": 201, "headers": {"Content-Type": "application/json"}, "body": json.dumps(note)}
    return {"notes": mine}


def _ws_event(event: Any) -> tuple[str, str, Any]:
    ctx = (event or {}).get("requestContext") or {}
    return ctx.get("eventType", ""), ctx.get("connectionId", ""), (event or {}).get("body")


def _chat_connections(event: Any, ctx: FunctionContext) -> Any:
    kind, conn, _ = _ws_event(event)
    query = (event or {}).get("queryStringParameters") or {}
    if kind == "CONNECT":
        ctx.services.tables.put("Connections", {"connectionId": conn, "room": query.get("room", "general")})
        ctx.log(f"stored connection {conn}")
    elif kind == "DISCONNECT":
        ctx.services.tables.delete("Connections", conn)
        ctx.log(f"removed connection {conn}")
    return {"statusCode": 200}


def _chat_send(event: Any, ctx: FunctionContext) -> Any:
    _, conn, body = _ws_event(event)
    route = ((event or {}).get("requestContext") or {}).get("routeKey", "")
    try:
        message = json.loads(body) if isinstance(body, str) else {}
    except ValueError:
        message = {}
    if not isinstance(message, Mapping):
        message = {}
    if route == "sendMessage":
        sender = ctx.services.tables.get("Connections", conn) or {}
        room = str(message.get("room") or sender.get("room") or "general")
        out = {"from": conn, "room": room, "text": str(message.get("text", ""))[:1000]}
        delivered = 0
        for c in ctx.services.tables.all("Connections"):
            if c.get("room", "general") == room and ctx.services.post_to_connection(c["connectionId"], out):
                delivered += 1
        ctx.log(f"delivered to {delivered} connection(s) in {room}")
    else:
        ctx.services.post_to_connection(conn, {"message": f"unknown action {message.get('action')!r}",
                                               "actions": ["sendMessage"]})
    return {"statusCode": 200}


def _policy(principal: str, effect: str, resource: str, context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {"principalId": principal,
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]},
            "context": dict(context or {"plan": "sample"})}


def _token_of(event: Mapping[str, Any]) -> str:
    if event.get("type") == "TOKEN":
        return str(event.get("authorizationToken") or "")
    if event.get("version") == "2.0" and event.get("identitySource"):
        return str(event["identitySource"][0])
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    query = event.get("queryStringParameters") or {}
    return str(query.get("token") or headers.get("authorization") or "")


def _authorizer(event: Any, ctx: FunctionContext) -> Any:
    """AWS's blueprint: token "allow" -> Allow, "deny" -> Deny, "unauthorized" -> 401, else an error."""
    event = event if isinstance(event, Mapping) else {}
    token = _token_of(event).removeprefix("Bearer ").strip().lower()
    resource = event.get("methodArn") or event.get("routeArn") or "*"
    if ctx.simple_responses:
        return {"isAuthorized": token == "allow", "context": {"user": "user-" + (token or "none")}}
    if token == "allow":
        return _policy("user-allow", "Allow", resource)
    if token == "deny":
        return _policy("user-deny", "Deny", resource)
    if token in ("unauthorized", ""):
        raise Exception("Unauthorized")  # noqa: TRY002 - Lambda authorizers signal 401 with exactly this
    raise ValueError("Error: Invalid token")


def _chat_auth(event: Any, ctx: FunctionContext) -> Any:
    """The chat's REQUEST authorizer: ?token=allow connects, ?token=deny is refused, no token is 401."""
    event = event if isinstance(event, Mapping) else {}
    token = str((event.get("queryStringParameters") or {}).get("token") or "").strip().lower()
    resource = event.get("methodArn") or "*"
    if token == "allow" or token.startswith("user-"):
        name = token if token.startswith("user-") else "chat-user"
        return _policy(name, "Allow", resource, {"userName": name})
    if token == "deny":
        return _policy("chat-blocked", "Deny", resource)
    raise Exception("Unauthorized")  # noqa: TRY002


FUNCTIONS: dict[str, SampleFunction] = {f.name: f for f in (
    SampleFunction("echo", "answers with the event it received, so you see the event's shape", _echo, 5),
    SampleFunction("slow", "runs for 15 minutes, past any integration timeout", _slow, 900_000),
    SampleFunction("error", "raises an exception (a function error)", _error, 12),
    SampleFunction("bad-response", "returns a malformed proxy response", _bad_response, 8),
    SampleFunction("orders-api", "the order service of the mobile app (GET/POST /orders, GET /orders/{orderId})",
                   _orders, 35),
    SampleFunction("orders", "the order service (same code as orders-api)", _orders, 35),
    SampleFunction("list-orders", "lists the signed-in user's orders", _orders, 30),
    SampleFunction("create-order", "places an order", _orders, 40),
    SampleFunction("items", "a small item store (GET/POST /items, GET /items/{id})", _items, 25),
    SampleFunction("pricing", "prices and quotes; alias live = version 1, next = version 2 (new prices)",
                   _pricing, lambda e, c: 40 if c.version == "1" else 45, {"live": "1", "next": "2"}, ("1", "2")),
    SampleFunction("reports-api", "internal reports (GET /reports, GET /reports/{reportId})", _reports, 60),
    SampleFunction("notes-api", "notes of the signed-in user, payload format 2.0", _notes, 30),
    SampleFunction("chat-connections", "stores and removes WebSocket connections", _chat_connections, 15),
    SampleFunction("chat-send", "broadcasts sendMessage to the room; answers unknown actions", _chat_send, 25),
    SampleFunction("chat-auth", "REQUEST authorizer for the chat: ?token=allow connects", _chat_auth, 10),
    SampleFunction("chat-authorizer", "the same as chat-auth", _chat_auth, 10),
    SampleFunction("authorizer", "TOKEN/REQUEST authorizer: allow, deny, unauthorized, anything else fails",
                   _authorizer, 10),
    SampleFunction("order-authorizer", "the same as authorizer, for the order API", _authorizer, 10),
    SampleFunction("token-authorizer", "the same as authorizer", _authorizer, 10),
)}
