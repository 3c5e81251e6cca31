"""Integration request -> integration -> integration response -> method response.

The integration request maps the method request (stage variables in URIs, parameter mapping, mapping
templates); the integration calls MOCK, a sample Lambda function (proxy with payload 1.0 or 2.0, or
custom), a sample HTTP backend, or the in-memory DynamoDB; the integration response picks a status by
selection pattern and runs the response template; the method response adds its headers. One attempt,
never retried: a backend slower than the integration timeout is a timeout.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from ..patterns import MATCH_TIMEOUT_S, compile_pattern, fullmatch
from ..resolved import ResolvedResponse, substitute_stage_variables
from .backends import BACKENDS, find
from .functions import FunctionNotFound, Invocation, invoke as functions_invoke
from .vtl import InputJsonError, TemplateFailure, render
from .context import Ctx
from .core import ACCOUNT_ID, USER_AGENT, GatewayError, header
from .context import request_time
from .dynamodb import Tables
from .responses import source

PROXY_KEYS_V1 = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
PROXY_KEYS_V2 = PROXY_KEYS_V1 | {"cookies"}
DYNAMODB_MS = 8.0


# --------------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------------


def _multi(headers: Mapping[str, str]) -> dict[str, list[str]]:
    return {k: [v] for k, v in headers.items()}


def proxy_event_v1(ctx: Ctx) -> dict[str, Any]:
    """The Lambda proxy event of REST APIs (and HTTP APIs with payload format 1.0)."""
    req = ctx.request
    query = req.query_params
    rc = ctx.context_variables()
    request_context = {
        "accountId": ACCOUNT_ID, "apiId": ctx.api_id, "authorizer": dict(ctx.authorizer) or None,
        "domainName": ctx.domain_name, "domainPrefix": ctx.api_id, "extendedRequestId": ctx.extended_request_id,
        "httpMethod": req.method, "identity": rc["identity"], "path": ctx.public_path, "protocol": "HTTP/1.1",
        "requestId": ctx.request_id, "requestTime": rc["requestTime"], "requestTimeEpoch": rc["requestTimeEpoch"],
        "resourceId": rc["resourceId"], "resourcePath": ctx.resource_path, "stage": ctx.stage.name,
    }
    event: dict[str, Any] = {
        "resource": ctx.resource_path, "path": req.path, "httpMethod": req.method,
        "headers": dict(req.headers) or None, "multiValueHeaders": _multi(req.headers) or None,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": dict(ctx.path_params) or None, "stageVariables": dict(ctx.variables) or None,
        "requestContext": request_context, "body": req.body or None, "isBase64Encoded": False,
    }
    if ctx.api.api_type == "http":
        event = {"version": "1.0", **event}
        request_context.pop("resourcePath", None)
        if ctx.route is not None:
            event["resource"] = ctx.route.path or ctx.route.key
            request_context["routeKey"] = ctx.route.key
    if ctx.api.api_type == "websocket":
        request_context.update(connectionId=ctx.connection_id, routeKey=ctx.route_key, eventType=ctx.event_type)
    return event


def proxy_event_v2(ctx: Ctx) -> dict[str, Any]:
    """The HTTP API Lambda proxy event, payload format 2.0."""
    req = ctx.request
    query = req.query_params
    cookies = [c.strip() for c in (req.header("Cookie") or "").split(";") if c.strip()]
    headers = {k.lower(): v for k, v in req.headers.items() if k.lower() != "cookie"}
    authorizer = dict(ctx.authorizer)
    request_context: dict[str, Any] = {
        "accountId": ACCOUNT_ID, "apiId": ctx.api_id, "domainName": ctx.domain_name, "domainPrefix": ctx.api_id,
        "http": {"method": req.method, "path": req.path, "protocol": "HTTP/1.1", "sourceIp": req.source_ip,
                 "userAgent": req.header("User-Agent", USER_AGENT)},
        "requestId": ctx.extended_request_id[:14], "routeKey": ctx.route.key if ctx.route else "$default",
        "stage": ctx.stage.name, "time": request_time(ctx.epoch_ms), "timeEpoch": ctx.epoch_ms,
    }
    if authorizer:
        request_context["authorizer"] = authorizer
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": request_context["routeKey"], "rawPath": req.path, "rawQueryString": req.query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if query:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in query.items()}
    event["requestContext"] = request_context
    if req.body:
        event["body"] = req.body
    if ctx.path_params:
        event["pathParameters"] = dict(ctx.path_params)
    event["isBase64Encoded"] = False
    if ctx.variables:
        event["stageVariables"] = dict(ctx.variables)
    return event


def websocket_event(ctx: Ctx) -> dict[str, Any]:
    req = ctx.request
    connection = ctx.state.connections.get(ctx.connection_id, {})
    request_context = {
        "routeKey": ctx.route_key, "eventType": ctx.event_type, "extendedRequestId": ctx.extended_request_id,
        "requestTime": request_time(ctx.epoch_ms), "messageDirection": "IN", "stage": ctx.stage.name,
        "connectedAt": int(connection.get("connected_epoch_ms", ctx.epoch_ms)), "requestTimeEpoch": ctx.epoch_ms,
        "identity": {"sourceIp": req.source_ip, "userAgent": req.header("User-Agent", USER_AGENT)},
        "requestId": ctx.request_id, "domainName": ctx.domain_name, "connectionId": ctx.connection_id,
        "apiId": ctx.api_id,
    }
    if ctx.event_type == "MESSAGE":
        request_context["messageId"] = ctx.extended_request_id[:12]
    authorizer = connection.get("authorizer") or ctx.authorizer
    if authorizer:
        request_context["authorizer"] = dict(authorizer)
    event: dict[str, Any] = {"requestContext": request_context, "isBase64Encoded": False}
    if ctx.event_type == "CONNECT":
        query = req.query_params
        event.update(headers=dict(req.headers), multiValueHeaders=_multi(req.headers),
                     queryStringParameters={k: v[-1] for k, v in query.items()} or None,
                     multiValueQueryStringParameters=query or None)
    if ctx.event_type == "MESSAGE":
        event["body"] = req.body
    if ctx.variables:
        event["stageVariables"] = dict(ctx.variables)
    return event


# --------------------------------------------------------------------------------------------------
# Integration request
# --------------------------------------------------------------------------------------------------


def _content_type(ctx: Ctx) -> str:
    return (ctx.request.header("Content-Type") or "application/json").split(";")[0].strip().lower()


def _select_template(ctx: Ctx, templates: Mapping[str, str]) -> tuple[str | None, str]:
    """(template or None, the key that matched or why none did)."""
    if ctx.api.api_type == "websocket":
        if "$default" in templates:
            return templates["$default"], "$default"
    ctype = _content_type(ctx)
    for key, text in templates.items():
        if key.lower() == ctype:
            return text, key
    return None, ctype


def _mapped_value(ctx: Ctx, source: str) -> str | None:
    """A REST parameter mapping source: ``method.request.header.X``, ``'static'``, ``stageVariables.x``..."""
    source = source.strip()
    if len(source) >= 2 and source[0] == source[-1] == "'":
        return source[1:-1]
    if source.startswith("method.request."):
        where, _, name = source[len("method.request."):].partition(".")
        if where == "header":
            return ctx.request.header(name)
        if where in ("querystring", "multivaluequerystring"):
            values = ctx.request.query_params.get(name)
            return (values[-1] if where == "querystring" else ",".join(values)) if values else None
        if where == "path":
            return ctx.path_params.get(name)
        if where == "body" and not name:
            return ctx.request.body
        return None
    if source.startswith("stageVariables."):
        return ctx.variables.get(source[len("stageVariables."):])
    if source.startswith("context."):
        value = ctx.context_variables().get(source[len("context."):])
        return None if value is None else str(value)
    return None


def _http_mapped_value(ctx: Ctx, source: str) -> str:
    """HTTP API parameter mapping values: ``$request.header.x``, ``$context.x``, ``$stageVariables.x``, text."""

    def one(m: re.Match[str]) -> str:
        expr = m.group(1) or m.group(2)
        if expr.startswith("request.header."):
            return ctx.request.header(expr[len("request.header."):]) or ""
        if expr.startswith("request.querystring."):
            values = ctx.request.query_params.get(expr[len("request.querystring."):])
            return ",".join(values) if values else ""
        if expr.startswith("request.path."):
            return ctx.path_params.get(expr[len("request.path."):], "")
        if expr == "request.path":
            return ctx.request.path
        if expr.startswith("context."):
            value = ctx.context_variables().get(expr[len("context."):])
            return "" if value is None else str(value)
        if expr.startswith("stageVariables."):
            return ctx.variables.get(expr[len("stageVariables."):], "")
        return m.group(0)

    return re.sub(r"\$\{([\w.-]+)\}|\$((?:request|context|stageVariables)[\w.-]*)", one, source)


def integration_request(ctx: Ctx) -> None:
    route = ctx.route
    if route is None:
        return
    integ = route.integration
    if not integ.type:
        raise ctx.fail("integration-request", "API_CONFIGURATION_ERROR", f"{route.key} has no integration yet.",
                       lesson="integrations")
    req = ctx.request
    uri = substitute_stage_variables(integ.lambda_arn if integ.uses_lambda else integ.uri, ctx.variables)
    used = [f"${{stageVariables.{m}}} = {ctx.variables.get(m, '')!r}"
            for m in re.findall(r"\$\{stageVariables\.(\w+)\}", integ.lambda_arn or integ.uri)]
    forwards = integ.proxy or ctx.api.api_type == "http"  # a custom integration sends only what is mapped
    ctx.integ = {"method": integ.http_method or req.method, "uri": uri,
                 "headers": dict(req.headers) if forwards else {},
                 "query": {k: list(v) for k, v in req.query_params.items()} if forwards else {},
                 "body": req.body, "path": {}}
    parts = [f"{integ.type} integration"]
    if integ.uses_lambda:
        parts.append(f"function {uri}")
    elif uri:
        parts.append(f"{ctx.integ['method']} {uri}")
    if integ.service:
        parts.append(f"{integ.service} {integ.service_style} {integ.service_target}")
    if used:
        parts.append("stage variables: " + ", ".join(used))
    if integ.proxy and integ.uses_lambda:
        fmt = integ.payload_format_version or "1.0"
        parts.append({"http": f"payload format {fmt}", "rest": "the REST proxy event"}.get(ctx.api.api_type,
                                                                                         "the WebSocket event"))
    if integ.request_parameters:
        _map_parameters(ctx, integ.request_parameters, parts)
    ctx.step("integration-request", integ.kind or integ.type, "; ".join(parts) + ".",
             lesson="lambda-proxy" if integ.proxy else "custom-integrations")
    if not integ.proxy or integ.type == "MOCK" or ctx.api.api_type == "websocket" and integ.request_templates:
        _request_template(ctx)


def _map_parameters(ctx: Ctx, mapping: Mapping[str, str], parts: list[str]) -> None:
    integ = ctx.integ
    done = []
    if ctx.api.api_type == "http" and ctx.route and ctx.route.integration.subtype:
        return  # AWS_PROXY subtypes take these as the service's own parameters
    for target, source in mapping.items():
        if ctx.api.api_type == "http":
            action, _, where = target.partition(":")
            value = _http_mapped_value(ctx, source)
            kind, _, name = where.partition(".")
            if kind == "header":
                existing = header(integ["headers"], name)
                integ["headers"] = {k: v for k, v in integ["headers"].items() if k.lower() != name.lower()}
                if action == "append" and existing:
                    integ["headers"][name] = f"{existing},{value}"
                elif action != "remove":
                    integ["headers"][name] = value
            elif kind == "querystring":
                if action == "remove":
                    integ["query"].pop(name, None)
                elif action == "append":
                    integ["query"].setdefault(name, []).append(value)
                else:
                    integ["query"][name] = [value]
            elif where == "path" and action == "overwrite":
                integ["path_override"] = value
            done.append(f"{target} <- {value!r}")
            continue
        value = _mapped_value(ctx, source)
        m = re.fullmatch(r"integration\.request\.(header|querystring|path)\.(.+)", target)
        if not m:
            continue
        kind, name = m.groups()
        if value is None:
            done.append(f"{target} <- (nothing: {source} is empty)")
            continue
        if kind == "header":
            integ["headers"][name] = value
        elif kind == "querystring":
            integ["query"][name] = [value]
        else:
            integ["path"][name] = value
        done.append(f"{target} <- {value!r}")
    if done:
        parts.append("parameter mapping: " + ", ".join(done))


def _request_template(ctx: Ctx) -> None:
    integ = ctx.route.integration
    templates = integ.request_templates
    text, key = _select_template(ctx, templates)
    behavior = integ.passthrough_behavior or "WHEN_NO_MATCH"
    if text is None:
        if behavior == "NEVER" or (behavior == "WHEN_NO_TEMPLATES" and templates):
            raise ctx.fail("integration-request", "UNSUPPORTED_MEDIA_TYPE", f"No request template for {key} and the "
                           f"passthrough behaviour is {behavior}: API Gateway refuses the request.",
                           lesson="template-selection")
        if integ.type == "MOCK":
            ctx.integ["body"] = '{"statusCode": 200}'
        ctx.step("template", "passthrough", f"No request template for {key}; passthrough behaviour {behavior} sends the "
                 "body unchanged." if templates else "No request template: the body goes through unchanged.",
                 lesson="template-selection")
        return
    try:
        rendered = render(text, body=ctx.request.body, params=ctx.method_params(),
                              context=ctx.context_variables(), stage_variables=ctx.variables)
    except InputJsonError as exc:
        raise ctx.fail("template", "BAD_REQUEST_BODY", f"The request template ({key}) reads the body as JSON, and it "
                       f"isn't: {exc.message}", message=exc.message, lesson="template-variables") from None
    except TemplateFailure as exc:
        raise ctx.fail("template", "API_CONFIGURATION_ERROR", f"The request template ({key}) failed ({exc.kind}): "
                       f"{exc.message}", lesson="templates") from None
    ctx.integ["body"] = rendered.output
    override = rendered.request_override or {}
    for name, value in (override.get("header") or {}).items():
        ctx.integ["headers"][name] = str(value)
    for name, value in (override.get("querystring") or {}).items():
        ctx.integ["query"][name] = [str(value)]
    for name, value in (override.get("path") or {}).items():
        ctx.integ["path"][name] = str(value)
    preview = rendered.output if len(rendered.output) <= 600 else rendered.output[:600] + " …"
    ctx.step("template", f"rendered ({key})", f"The request template for {key} ran ({rendered.steps} steps) and "
             f"produced: {preview}" + "".join(f" Note: {n}." for n in rendered.notes), lesson="templates")


# --------------------------------------------------------------------------------------------------
# Integration
# --------------------------------------------------------------------------------------------------


def integration(ctx: Ctx) -> None:
    route = ctx.route
    if route is None:
        return
    integ = route.integration
    if integ.type == "MOCK":
        _mock(ctx)
    elif integ.uses_lambda:
        _lambda(ctx)
    elif integ.type in ("HTTP", "HTTP_PROXY"):
        _http(ctx)
    elif integ.type == "AWS" and integ.service:
        _aws_service(ctx)
    else:
        what = (f"the AWS_PROXY integration subtype {integ.subtype or '(none)'}" if integ.subtype else
                f"the {integ.type} integration {integ.uri or integ.service or ''}".strip())
        ctx.not_emulated("integration", what, "aws-service")
        raise ctx.fail("integration", "API_CONFIGURATION_ERROR", f"The sandbox can't run {what}; it has sample "
                       "Lambda functions, sample HTTP backends, MOCK and DynamoDB actions.", lesson="integrations")


def _timeout(ctx: Ctx, what: str, duration: float) -> GatewayError:
    limit = float(ctx.route.integration.effective_timeout_ms)
    answer = {"http": "503 Service Unavailable", "rest": "504 Endpoint request timed out"}.get(ctx.api.api_type)
    told = f" The client gets {answer}.{source(ctx.api.api_type, 'timeout')}" if answer else ""
    return ctx.fail("integration", "INTEGRATION_TIMEOUT",
                    f"{what} had not answered after {limit:g} ms, the integration timeout; API Gateway stopped waiting "
                    f"after exactly one attempt and does not retry. The backend keeps running (it needs "
                    f"{duration:g} ms) and whatever it does still happens.{told}", ms=limit, lesson="timeout")


def _mock(ctx: Ctx) -> None:
    body = ctx.integ.get("body") or ""
    try:
        status = int(json.loads(body).get("statusCode"))
    except (ValueError, TypeError, AttributeError):
        raise ctx.fail("integration", "API_CONFIGURATION_ERROR", "A MOCK integration needs its request template to "
                       f"produce {{\"statusCode\": <number>}}; it produced {body[:200]!r}.", lesson="mock") from None
    ctx.backend = {"status": status, "headers": {}, "body": "", "error": ""}
    ctx.step("integration", f"MOCK {status}", f"The MOCK integration answers status {status} with no body; the "
             "integration response's template makes the body.", lesson="mock")


def _lambda(ctx: Ctx) -> None:
    integ = ctx.route.integration
    api = ctx.api
    arn = ctx.integ["uri"]
    if api.api_type == "websocket":
        event, kind = websocket_event(ctx), "websocket"
        if not integ.proxy:
            event = _json_or_text(ctx.integ["body"])
            kind = "custom"
    elif integ.proxy:
        v2 = api.api_type == "http" and (integ.payload_format_version or "2.0") == "2.0"
        event, kind = (proxy_event_v2(ctx), "proxy-2.0") if v2 else (proxy_event_v1(ctx), "proxy-1.0")
    else:
        event, kind = _json_or_text(ctx.integ["body"]), "custom"
    try:
        inv = functions_invoke(arn, event, services=ctx.services(), request_id=ctx.request_id, kind=kind)
    except FunctionNotFound as exc:
        raise ctx.fail("integration", "API_CONFIGURATION_ERROR", f"Lambda answered ResourceNotFoundException: {exc}. "
                       "Check the function name, the alias and the stage variables in the ARN.",
                       lesson="integrations") from None
    ctx.not_emulated("integration", "the function's resource-based policy: the sandbox assumes API Gateway may "
                     "invoke it (on AWS each function, and each alias, needs a lambda:InvokeFunction permission)",
                     "sigv4")
    if inv.duration_ms > integ.effective_timeout_ms:
        raise _timeout(ctx, f"The function {inv.function}", inv.duration_ms)
    logs = "".join(f" Log: {line}" for line in inv.logs)
    if integ.proxy and api.api_type != "websocket":
        _proxy_result(ctx, inv, kind, logs)
        return
    payload = inv.payload
    ctx.backend = {"status": 200, "headers": {"Content-Type": "application/json"},
                   "body": payload if isinstance(payload, str) else json.dumps(payload),
                   "error": str(payload.get("errorMessage", "")) if inv.function_error else "", "payload": payload}
    ctx.step("integration", f"{inv.function}:{inv.version} " + ("error" if inv.function_error else "returned"),
             f"The function {inv.function} (version {inv.version}) ran for {inv.duration_ms:g} ms and "
             + (f"raised {payload.get('errorType')}: {payload.get('errorMessage')}. Lambda reports a function error; "
                "the integration response decides what the client sees." if inv.function_error else
                "returned " + _short(ctx.backend["body"]) + ".") + logs, inv.duration_ms,
             "custom-integrations" if not integ.proxy else "lambda-proxy")


def _json_or_text(body: str) -> Any:
    try:
        return json.loads(body) if body.strip() else {}
    except ValueError:
        return body


def _short(text: str, n: int = 300) -> str:
    return text if len(text) <= n else text[:n] + " …"


def _proxy_result(ctx: Ctx, inv: Invocation, kind: str, logs: str) -> None:
    payload, api = inv.payload, ctx.api
    step_ms = inv.duration_ms
    label = f"{inv.function}:{inv.version}"
    if inv.function_error:
        raise ctx.fail("integration", "INTEGRATION_FAILURE", f"The function {label} raised "
                       f"{payload.get('errorType')}: {payload.get('errorMessage')} after {inv.duration_ms:g} ms. With a "
                       "proxy integration a function error is a " + ("502" if api.api_type == "rest" else "500")
                       + "; API Gateway does not call it again." + source(api.api_type, "malformed") + logs,
                       ms=step_ms, lesson="retries")
    if kind == "proxy-2.0" and not (isinstance(payload, Mapping) and "statusCode" in payload):
        body = payload if isinstance(payload, str) else json.dumps(payload)
        ctx.backend = {"status": 200, "headers": {"Content-Type": "application/json"}, "body": body, "error": ""}
        ctx.step("integration", f"{label} 200 (inferred)", f"The function ran for {inv.duration_ms:g} ms and returned "
                 "JSON without a statusCode. With payload format 2.0 API Gateway infers the response: status 200, "
                 "Content-Type application/json, the returned JSON as the body." + logs, step_ms, "payload-format")
        return
    allowed = PROXY_KEYS_V2 if kind == "proxy-2.0" else PROXY_KEYS_V1
    problem = _proxy_problem(payload, allowed)
    if problem:
        raise ctx.fail("integration", "INTEGRATION_FAILURE", f"The function {label} returned a malformed proxy "
                       f"response: {problem}. Expected {{\"statusCode\": number, \"headers\": {{...}}, \"body\": "
                       "\"text\"}; API Gateway answers " + ("502 Bad Gateway." if api.api_type == "rest" else "500.")
                       + source(api.api_type, "malformed") + logs, ms=step_ms, lesson="lambda-proxy")
    headers = {str(k): _header_text(v) for k, v in (payload.get("headers") or {}).items()}
    for name, values in (payload.get("multiValueHeaders") or {}).items():
        headers[str(name)] = ",".join(_header_text(v) for v in (values if isinstance(values, list) else [values]))
    if kind == "proxy-2.0" and payload.get("cookies"):
        headers["Set-Cookie"] = ", ".join(map(str, payload["cookies"]))
    body = payload.get("body") or ""
    if payload.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body).decode("utf-8", "replace")
        except ValueError:
            body = ""
    status = int(payload.get("statusCode") or 200)
    ctx.backend = {"status": status, "headers": headers, "body": body, "error": ""}
    ctx.step("integration", f"{label} {status}", f"The function {label} ran for {inv.duration_ms:g} ms and returned "
             f"status {status} with {len(body):,} bytes of body; a proxy integration passes it through." + logs,
             step_ms, "lambda-proxy")


def _header_text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _proxy_problem(payload: Any, allowed: set[str]) -> str:
    if not isinstance(payload, Mapping):
        return f"it is {type(payload).__name__}, not a JSON object"
    extra = sorted(set(payload) - allowed)
    if extra:
        return f"unexpected field(s) {', '.join(extra)}"
    if "statusCode" in payload:
        try:
            if isinstance(payload["statusCode"], bool):
                raise ValueError
            int(payload["statusCode"])
        except (TypeError, ValueError):
            return f"statusCode is {payload['statusCode']!r}, not a number"
    if payload.get("body") is not None and not isinstance(payload.get("body"), str):
        return "body is not a string (serialise it with json.dumps)"
    headers = payload.get("headers")
    if headers is not None and (not isinstance(headers, Mapping) or
                                any(not isinstance(v, (str, bool, int, float)) for v in headers.values())):
        return "headers must be an object of text values"
    return ""


def _http(ctx: Ctx) -> None:
    integ = ctx.route.integration
    uri = ctx.integ["uri"]
    params = {**ctx.path_params, **ctx.integ.get("path", {})}
    uri = re.sub(r"\{([^{}/]+?)\+?\}", lambda m: urllib.parse.quote(params.get(m.group(1), m.group(0)), safe="/"), uri)
    if ctx.integ.get("path_override"):
        parsed = urllib.parse.urlsplit(uri)
        uri = urllib.parse.urlunsplit(parsed._replace(path=ctx.integ["path_override"]))
    if integ.connection_type == "VPC_LINK":
        ctx.not_emulated("integration", f"the VPC link {integ.connection_id or '(none)'}: the sandbox reaches the sample "
                         "backend directly", "private-integrations")
    backend, host, path, query = find(uri)
    sent = [(k, v) for k, values in ctx.integ["query"].items() for v in values]
    if sent:
        query = "&".join(filter(None, [query, urllib.parse.urlencode(sent)]))
    if backend is None:
        ctx.not_emulated("integration", f"the internet: {host or uri!r} is not one of the sandbox's sample backends "
                         f"({', '.join(BACKENDS)})", "http-integrations")
        raise ctx.fail("integration", "API_CONFIGURATION_ERROR", f"API Gateway could not reach {uri!r}.",
                       lesson="integrations")
    method = ctx.integ["method"] if ctx.integ["method"] != "ANY" else ctx.request.method
    answer = backend(method, path, query, ctx.integ["headers"], ctx.integ["body"])
    if answer.duration_ms > integ.effective_timeout_ms:
        raise _timeout(ctx, f"The backend {host}", answer.duration_ms)
    ctx.backend = {"status": answer.status, "headers": dict(answer.headers), "body": answer.body, "error": ""}
    ctx.step("integration", f"{host} {answer.status}", f"{method} https://{host}{path}{'?' + query if query else ''} "
             f"answered {answer.status} after {answer.duration_ms:g} ms" + (
                 "; an HTTP proxy passes the answer through." if integ.proxy else "."), answer.duration_ms,
             "integrations")


def _aws_service(ctx: Ctx) -> None:
    integ = ctx.route.integration
    if not integ.credentials:
        raise ctx.fail("integration", "API_CONFIGURATION_ERROR", "An AWS service integration needs a role "
                       "(credentials) for API Gateway to assume; this one has none.", lesson="aws-service")
    if integ.service != "dynamodb" or integ.service_style != "action":
        ctx.not_emulated("integration", f"the AWS service integration {integ.service} {integ.service_style}/"
                         f"{integ.service_target} (the sandbox has DynamoDB actions only)", "aws-service")
        raise ctx.fail("integration", "API_CONFIGURATION_ERROR", f"The sandbox can't call {integ.service}.",
                       lesson="aws-service")
    status, body = Tables(ctx.state.tables).execute(integ.service_target, ctx.integ["body"])
    ctx.backend = {"status": status, "headers": {"Content-Type": "application/x-amz-json-1.0"}, "body": json.dumps(body),
                   "error": ""}
    ctx.step("integration", f"DynamoDB {integ.service_target} {status}", f"API Gateway assumed {integ.credentials} and "
             f"called DynamoDB {integ.service_target} on the sandbox's in-memory tables: {status} "
             f"{_short(json.dumps(body))}." + (" A DynamoDB error is still an answer: the integration response decides "
                                               "what the client sees." if status >= 400 else ""), DYNAMODB_MS,
             "aws-service")
    ctx.not_emulated("integration", "the role's own IAM policy (the sandbox assumes it may call the action)", "aws-service")


# --------------------------------------------------------------------------------------------------
# Integration response and method response
# --------------------------------------------------------------------------------------------------


def _select_response(responses: tuple[ResolvedResponse, ...], selector: str) -> tuple[ResolvedResponse | None, str]:
    """The integration response whose selection pattern matches, else the default; and a note on any
    pattern that could not be used (learner input: see ``patterns``)."""
    default, skipped = None, []
    for response in responses:
        if not response.selection_pattern:
            default = default or response
            continue
        compiled, problem = compile_pattern(response.selection_pattern)
        if compiled is None:
            skipped.append(f"the selection pattern {response.selection_pattern!r} was skipped: {problem}")
            continue
        matched = fullmatch(compiled, selector)
        if matched is None:
            skipped.append(f"the selection pattern {response.selection_pattern!r} was stopped after "
                           f"{MATCH_TIMEOUT_S * 1000:g} ms of matching and skipped")
        elif matched:
            return response, "".join(f" Note: {s}." for s in skipped)
    return default, "".join(f" Note: {s}." for s in skipped)


def integration_response(ctx: Ctx) -> None:
    route = ctx.route
    if route is None or ctx.response is not None:
        return
    integ, backend = route.integration, ctx.backend
    if integ.proxy or (ctx.api.api_type == "http"):
        ctx.response = {"status": backend["status"], "headers": dict(backend["headers"]), "body": backend["body"]}
        if ctx.api.api_type == "websocket":
            return
        ctx.step("integration-response", "proxy", "A proxy integration has no integration response: the backend's "
                 "status, headers and body go to the client as they are.", lesson="lambda-proxy")
        return
    selector = backend["error"] if integ.uses_lambda else str(backend["status"])
    chosen, skipped = _select_response(integ.responses, selector)
    if chosen is None:
        raise ctx.fail("integration-response", "API_CONFIGURATION_ERROR", f"No integration response matches "
                       f"{selector!r} and there is no default one.{skipped}", lesson="custom-integrations")
    status = int(chosen.status_code or 200)
    why = (f"the selection pattern {chosen.selection_pattern!r} matched {selector!r}" if chosen.selection_pattern else
           f"no selection pattern matched {selector or '(no error)'!r}, so the default response answers")
    body, headers = backend["body"], {"Content-Type": "application/json"}
    text, key = _response_template(ctx, chosen.templates)
    note = skipped
    if text is not None:
        try:
            rendered = render(text, body=backend["body"], params=ctx.method_params(),
                                  context=ctx.context_variables(), stage_variables=ctx.variables)
        except TemplateFailure as exc:
            raise ctx.fail("template", "API_CONFIGURATION_ERROR", f"The response template ({key}) failed ({exc.kind}): "
                           f"{exc.message}", lesson="templates") from None
        body = rendered.output
        override = rendered.response_override or {}
        if override.get("status") not in (None, ""):
            try:
                status = int(override["status"])
                note = f" The template set $context.responseOverride.status to {status}."
            except (TypeError, ValueError):
                note = " The template's responseOverride.status is not a number and is ignored."
        for name, value in (override.get("header") or {}).items():
            headers[str(name)] = str(value)
        note += "".join(f" Note: {n}." for n in rendered.notes)
    if integ.uses_lambda and backend["error"] and not chosen.selection_pattern and 200 <= status < 300:
        note += (" The function failed, yet the client gets a success status: a custom Lambda integration needs a "
                 "selection pattern matching the errorMessage to turn an error into 4XX/5XX.")
    ctx.response = {"status": status, "headers": headers, "body": body, "response": chosen}
    ctx.step("integration-response", f"{status}", f"Integration response {chosen.status_code}: {why}; "
             + (f"the response template for {key} made the body." if text is not None else "no response template: "
                "the body passes through.") + note, lesson="custom-integrations")


def _response_template(ctx: Ctx, templates: Mapping[str, str]) -> tuple[str | None, str]:
    if not templates:
        return None, ""
    accept = (ctx.request.header("Accept") or "").split(",")[0].split(";")[0].strip().lower()
    for key, text in templates.items():
        if key.lower() == accept:
            return text, key
    if "application/json" in templates:
        return templates["application/json"], "application/json"
    key = next(iter(templates))
    return templates[key], key


def method_response(ctx: Ctx) -> None:
    response = ctx.response
    if response is None or "response" not in response:
        return
    chosen: ResolvedResponse = response.pop("response")
    added = []
    for target, source in chosen.parameters.items():
        name = target.removeprefix("method.response.header.")
        if len(source) >= 2 and source[0] == source[-1] == "'":
            value = source[1:-1]
        elif source.startswith("integration.response.header."):
            value = header(ctx.backend.get("headers", {}), source[len("integration.response.header."):]) or ""
        else:
            value = ""
        response["headers"][name] = value
        added.append(f"{name}: {value}")
    ctx.step("method-response", f"{response['status']}", f"The method response {chosen.status_code} "
             + (f"adds {', '.join(added)}." if added else "adds no headers."), lesson="custom-integrations")
