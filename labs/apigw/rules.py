"""Every constraint AWS enforces on an API Gateway design, plus best-practice warnings and tips.

One table, ``RULES``, drives everything: ``validate()`` runs its checks, ``options_for()`` reads the
capability rules in it to tell the builder form what to offer, and the tests parametrize over it (a new
rule without a passing and a failing test case fails the suite).

Why our own rules: neither botocore (no enums, no maximums), moto nor cfn-lint catches most of these
mistakes; only real AWS does, at deploy time (facts file §4-§5).  Each rule cites the source tag of the
fact it enforces in ``shared/reference/apigw-facts.md``.  Severities: ``error`` = AWS rejects it (or the
API cannot work), ``warning`` = it deploys but is likely wrong, ``tip`` = a better design exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Literal, NamedTuple

from .model import (
    API_KEY_SOURCES,
    API_TYPES,
    AUTHORIZATION_TYPES,
    AUTHORIZER_TYPES,
    ENDPOINT_TYPES,
    HTTP_METHODS,
    INTEGRATION_KINDS,
    LAMBDA_KINDS,
    LOGGING_LEVELS,
    PASSTHROUGH_BEHAVIORS,
    PROXY_KINDS,
    QUOTA_PERIODS,
    WEBSOCKET_PREDEFINED_ROUTES,
    Design,
    DesignError,
    Route,
    Stage,
    split_route_key,
)
from .references import MISCONCEPTIONS, lesson

Severity = Literal["error", "warning", "tip"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "tip": 2}
ALL_TYPES = frozenset(API_TYPES)
REST = frozenset({"rest"})
HTTP = frozenset({"http"})
WS = frozenset({"websocket"})
V2 = frozenset({"http", "websocket"})
API_LABEL = {"rest": "REST", "http": "HTTP", "websocket": "WebSocket"}
A_API = {"rest": "a REST", "http": "an HTTP", "websocket": "a WebSocket"}

# Limits from the facts file, named once.
TIMEOUT_MIN_MS = 50
TIMEOUT_DEFAULT_MAX_MS = {"rest": 29_000, "http": 30_000, "websocket": 29_000}  # §2.1
TIMEOUT_RAISED_CEILING_MS = 300_000  # REST regional/private after a quota increase, unofficial [REPOST-300]
CACHE_SIZES = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")  # §2.4
CACHE_TTL_MAX = 3600
AUTHORIZER_TTL_MAX = 3600
CORS_MAX_AGE_RANGE = (-1, 86_400)
MAX_ROUTES = 300
MAX_STAGES = 10
MAX_AUTHORIZERS = 10
MAX_TAGS = 50
MAX_STAGE_VARIABLES = 100
MAX_JWT_SCOPES = 10
MAX_JWT_AUDIENCES = 50
MAX_NAME = 128
MAX_DESCRIPTION = 1024
HTTP_API_SUBTYPES = (
    "EventBridge-PutEvents",
    "SQS-SendMessage",
    "SQS-ReceiveMessage",
    "SQS-DeleteMessage",
    "SQS-PurgeQueue",
    "AppConfig-GetConfiguration",
    "Kinesis-PutRecord",
    "StepFunctions-StartExecution",
    "StepFunctions-StartSyncExecution",
    "StepFunctions-StopExecution",
)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE", "ANY"})
HTTP_ROUTE_SELECTION = "${request.method} ${request.path}"

_STAGE_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")
_STAGE_VAR_NAME = re.compile(r"[A-Za-z0-9_]+")
_STAGE_VAR_VALUE = re.compile(r"[A-Za-z0-9\-._~:/?#&=,]+")
_REST_PATH_PART = re.compile(r"[A-Za-z0-9._:-]+")
_VARIABLE_PART = re.compile(r"\{([A-Za-z0-9._-]+)(\+?)\}")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)


class Hit(NamedTuple):
    """What a check found: where (field path + human label) and what to say."""

    location: str
    label: str
    message: str


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    message: str
    location: str
    label: str
    lesson: str
    source: str
    misconception: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "message": self.message,
            "location": self.location,
            "label": self.label,
            "lesson": self.lesson,
            "source": self.source,
            "misconception": self.misconception,
        }


@dataclass(frozen=True)
class Capability:
    """Declares which API types may use each value of an option group; drives check *and* form."""

    group: Literal["endpoint_types", "integration_kinds", "authorization_types", "authorizer_types", "features"]
    allowed: Mapping[str, frozenset[str]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    source: str
    lesson: str
    check: Callable[[Context], Iterable[Hit]]
    misconception: str | None = None
    capability: Capability | None = None
    api_types: frozenset[str] = ALL_TYPES  # types on which the rule can fire (for docs and tests)


# --------------------------------------------------------------------------------------------------
# Context: what several checks need, computed once per validate() call (this keeps 300 routes fast)
# --------------------------------------------------------------------------------------------------


class ParsedRoute(NamedTuple):
    index: int
    route: Route
    method: str
    path: str
    segments: tuple[str, ...]


@dataclass
class Context:
    design: Design

    @property
    def api(self) -> str:
        return self.design.api_type

    @cached_property
    def routes(self) -> list[ParsedRoute]:
        out = []
        for i, route in enumerate(self.design.routes):
            method, path = split_route_key(route.key)
            segments = tuple(path.split("/")[1:]) if path not in ("", "/") else ()
            out.append(ParsedRoute(i, route, method, path, segments))
        return out

    @cached_property
    def path_routes(self) -> list[ParsedRoute]:
        """Routes with a ``METHOD /path`` key (REST and HTTP)."""
        return [r for r in self.routes if r.path]

    @cached_property
    def stage_names(self) -> set[str]:
        return {s.name for s in self.design.stages}

    @cached_property
    def authorizers(self) -> dict[str, Any]:
        return {a.name: a for a in self.design.authorizers}


def route_label(route: Route, index: int) -> str:
    return f"Route {route.key}" if route.key else f"Route #{index + 1}"


def _r(pr: ParsedRoute, suffix: str = "", label: str = "") -> tuple[str, str]:
    loc = f"routes[{pr.index}]" + (f".{suffix}" if suffix else "")
    text = route_label(pr.route, pr.index) + (f" › {label}" if label else "")
    return loc, text


def _authorizer_label(name: str, index: int) -> str:
    return f"Authorizer {name!r}" if name else f"Authorizer #{index + 1}"


def _stage_label(stage: Stage, index: int) -> str:
    return f"Stage {stage.name!r}" if stage.name else f"Stage #{index + 1}"


# --------------------------------------------------------------------------------------------------
# Capability rules: where each option group is used in a design
# --------------------------------------------------------------------------------------------------


def _uses_endpoint_types(d: Design) -> Iterator[tuple[str, str, str]]:
    for i, value in enumerate(d.endpoint_types):
        yield value, f"endpoint_types[{i}]", "Endpoint type"


def _uses_integration_kinds(d: Design) -> Iterator[tuple[str, str, str]]:
    for i, route in enumerate(d.routes):
        yield route.integration.kind, f"routes[{i}].integration.kind", f"{route_label(route, i)} › integration"


def _uses_authorization_types(d: Design) -> Iterator[tuple[str, str, str]]:
    for i, route in enumerate(d.routes):
        yield route.authorization, f"routes[{i}].authorization", f"{route_label(route, i)} › authorization"


def _uses_authorizer_types(d: Design) -> Iterator[tuple[str, str, str]]:
    for i, a in enumerate(d.authorizers):
        yield a.type, f"authorizers[{i}].type", _authorizer_label(a.name, i)


def _feature_uses(d: Design) -> Iterator[tuple[str, str, str]]:
    for i, s in enumerate(d.stages):
        label = _stage_label(s, i)
        if s.cache_enabled:
            yield "caching", f"stages[{i}].cache_enabled", f"{label} › cache"
        if s.canary is not None:
            yield "canary", f"stages[{i}].canary", f"{label} › canary"
        if s.waf_web_acl_arn:
            yield "waf", f"stages[{i}].waf_web_acl_arn", f"{label} › AWS WAF web ACL"
        if s.auto_deploy:
            yield "auto_deploy", f"stages[{i}].auto_deploy", f"{label} › automatic deployment"
        if s.logging_level not in ("", "OFF"):
            yield "execution_logs", f"stages[{i}].logging_level", f"{label} › execution logging"
    for i, k in enumerate(d.api_keys):
        yield "api_keys", f"api_keys[{i}]", f"API key {k.name!r}"
    for i, p in enumerate(d.usage_plans):
        yield "api_keys", f"usage_plans[{i}]", f"Usage plan {p.name!r}"
    if d.api_key_source and d.api_type == "http":
        yield "api_keys", "api_key_source", "API key source"
    for i, route in enumerate(d.routes):
        if route.api_key_required:
            yield "api_keys", f"routes[{i}].api_key_required", f"{route_label(route, i)} › API key required"
        if route.request_validator:
            yield (
                "request_validation",
                f"routes[{i}].request_validator",
                f"{route_label(route, i)} › request validator",
            )
    for i, v in enumerate(d.request_validators):
        yield "request_validation", f"request_validators[{i}]", f"Request validator {v.name!r}"
    if d.cors is not None:
        yield "cors", "cors", "CORS"
    if d.resource_policy:
        yield "resource_policy", "resource_policy", "Resource policy"
    if d.route_selection_expression and d.route_selection_expression != HTTP_ROUTE_SELECTION:
        yield "route_selection", "route_selection_expression", "Route selection expression"


_USES: dict[str, Callable[[Design], Iterator[tuple[str, str, str]]]] = {
    "endpoint_types": _uses_endpoint_types,
    "integration_kinds": _uses_integration_kinds,
    "authorization_types": _uses_authorization_types,
    "authorizer_types": _uses_authorizer_types,
    "features": _feature_uses,
}


def capability_check(capability: Capability, message: str) -> Callable[[Context], Iterator[Hit]]:
    """A check that reports every use of a value the API type may not use.

    ``message`` is formatted with ``value`` (the offending value), ``api`` (REST/HTTP/WebSocket),
    ``a_api`` ("an HTTP"), ``allowed`` (the API types that do support it) and ``offered`` (what this API
    type offers instead).
    """

    def check(ctx: Context) -> Iterator[Hit]:
        for value, location, label in _USES[capability.group](ctx.design):
            types = capability.allowed.get(value)
            if types is not None and ctx.api not in types:
                allowed = " and ".join(API_LABEL[t] for t in API_TYPES if t in types)
                offered = ", ".join(_offered(capability.group, ctx.api))
                text = message.format(
                    value=value, api=API_LABEL[ctx.api], a_api=A_API[ctx.api], allowed=allowed, offered=offered
                )
                yield Hit(location, label, text)

    return check


# --------------------------------------------------------------------------------------------------
# API-level checks
# --------------------------------------------------------------------------------------------------


def _name_required(ctx: Context) -> Iterator[Hit]:
    if not ctx.design.name.strip():
        yield Hit("name", "API name", "The API has no name. Give it a name of 1 to 128 characters.")


def _name_too_long(ctx: Context) -> Iterator[Hit]:
    if len(ctx.design.name) > MAX_NAME:
        yield Hit(
            "name",
            "API name",
            f"The API name is {len(ctx.design.name)} characters long; shorten it to {MAX_NAME} or fewer.",
        )


def _description_too_long(ctx: Context) -> Iterator[Hit]:
    if len(ctx.design.description) > MAX_DESCRIPTION:
        yield Hit(
            "description",
            "API description",
            f"The description is {len(ctx.design.description)} characters long; "
            f"shorten it to {MAX_DESCRIPTION} or fewer.",
        )


def _unknown_values(ctx: Context) -> Iterator[Hit]:
    """AWS vocabulary typed as free text: report values AWS does not know, naming the valid ones."""
    d = ctx.design

    def bad(value: str, choices: Iterable[str], location: str, label: str, what: str) -> Iterator[Hit]:
        if value and value not in choices:
            yield Hit(location, label, f"{what} {value!r} is not one of {', '.join(choices)}; choose one of them.")

    for i, value in enumerate(d.endpoint_types):
        yield from bad(value, ENDPOINT_TYPES, f"endpoint_types[{i}]", "Endpoint type", "Endpoint type")
    yield from bad(d.api_key_source, API_KEY_SOURCES, "api_key_source", "API key source", "API key source")
    for pr in ctx.routes:
        loc, label = _r(pr, "authorization", "authorization")
        yield from bad(pr.route.authorization, AUTHORIZATION_TYPES, loc, label, "Authorization type")
        loc, label = _r(pr, "integration.passthrough_behavior", "passthrough behaviour")
        yield from bad(
            pr.route.integration.passthrough_behavior.lower(),
            PASSTHROUGH_BEHAVIORS,
            loc,
            label,
            "Passthrough behaviour",
        )
    for i, a in enumerate(d.authorizers):
        yield from bad(a.type, AUTHORIZER_TYPES, f"authorizers[{i}].type", _authorizer_label(a.name, i), "Authorizer type")
    for i, s in enumerate(d.stages):
        yield from bad(
            s.logging_level, LOGGING_LEVELS, f"stages[{i}].logging_level", _stage_label(s, i), "Logging level"
        )
    for i, p in enumerate(d.usage_plans):
        yield from bad(p.quota_period, QUOTA_PERIODS, f"usage_plans[{i}].quota_period", f"Usage plan {p.name!r}", "Quota period")


def _tags(ctx: Context) -> Iterator[Hit]:
    tags = ctx.design.tags
    if len(tags) > MAX_TAGS:
        yield Hit("tags", "Tags", f"The API has {len(tags)} tags; AWS allows at most {MAX_TAGS}. Remove some.")
    for key, value in tags.items():
        loc = f"tags.{key}"
        if not key or len(key) > 128:
            yield Hit(loc, f"Tag {key!r}", "A tag key must be 1 to 128 characters long.")
        elif key.lower().startswith("aws:"):
            yield Hit(loc, f"Tag {key!r}", "Tag keys starting with 'aws:' are reserved by AWS; rename the tag.")
        if len(value) > 256:
            yield Hit(loc, f"Tag {key!r}", "A tag value can be at most 256 characters long; shorten it.")


# --------------------------------------------------------------------------------------------------
# Endpoint and policy checks
# --------------------------------------------------------------------------------------------------


def _single_endpoint_type(ctx: Context) -> Iterator[Hit]:
    if len(ctx.design.endpoint_types) > 1:
        yield Hit(
            "endpoint_types",
            "Endpoint type",
            "Choose exactly one endpoint type. (App rule: AWS types this as a list but every AWS example and "
            "migration path uses one value.)",
        )


def _edge_same_region(ctx: Context) -> Iterator[Hit]:
    d = ctx.design
    if d.api_type == "rest" and d.endpoint_type == "EDGE" and d.clients == "same-region":
        yield Hit(
            "endpoint_types",
            "Endpoint type",
            "Your clients are in the API's own Region, so an edge-optimized endpoint adds a CloudFront hop "
            "for nothing. Choose REGIONAL (and put your own CloudFront distribution in front if you need one).",
        )


def _vpc_clients_private(ctx: Context) -> Iterator[Hit]:
    d = ctx.design
    if d.clients == "vpc" and d.endpoint_type != "PRIVATE":
        yield Hit(
            "endpoint_types",
            "Endpoint type",
            "Your clients are inside a VPC. If the API must be reachable only from there, use a REST API with "
            "a PRIVATE endpoint (private endpoints are REST only) and a resource policy.",
        )


def _private_needs_policy(ctx: Context) -> Iterator[Hit]:
    d = ctx.design
    if d.api_type == "rest" and d.endpoint_type == "PRIVATE" and not d.resource_policy:
        yield Hit(
            "resource_policy",
            "Resource policy",
            "A PRIVATE API without a resource policy denies every call. Add a resource policy that allows "
            "execute-api:Invoke from your VPC endpoint (aws:SourceVpce) or VPC.",
        )


# --------------------------------------------------------------------------------------------------
# Route checks
# --------------------------------------------------------------------------------------------------


def _route_count(ctx: Context) -> Iterator[Hit]:
    d = ctx.design
    if d.api_type == "rest":
        resources = {"/".join(pr.segments[: n + 1]) for pr in ctx.path_routes for n in range(len(pr.segments))}
        if len(resources) > MAX_ROUTES:
            yield Hit(
                "routes",
                "Routes",
                f"These routes need {len(resources)} resources; a REST API has at most {MAX_ROUTES} by default. "
                "Merge routes (for example with a {proxy+} resource) or request a quota increase.",
            )
    elif len(d.routes) > MAX_ROUTES:
        yield Hit(
            "routes",
            "Routes",
            f"The API has {len(d.routes)} routes; {A_API[d.api_type]} API has at most {MAX_ROUTES}. "
            "Merge routes or split the API.",
        )


def _route_key_syntax(ctx: Context) -> Iterator[Hit]:
    api = ctx.api
    for pr in ctx.routes:
        key = pr.route.key
        loc, label = _r(pr, "key")
        if api == "websocket":
            if not key.strip():
                yield Hit(loc, label, "The route key is empty. Use $connect, $disconnect, $default or a custom key.")
            elif key.startswith("$") and key not in WEBSOCKET_PREDEFINED_ROUTES:
                yield Hit(
                    loc,
                    label,
                    f"Custom route keys must not start with '$' ({key!r}); only $connect, $disconnect and "
                    "$default do. Rename it, for example to " + repr(key.lstrip("$") or "sendMessage") + ".",
                )
            continue
        if api == "http" and key == "$default":
            continue
        if not pr.path or "  " in key or key != key.strip():
            expected = '"METHOD /path" or "$default"' if api == "http" else '"METHOD /path"'
            yield Hit(
                loc,
                label,
                f"The route key {key!r} is not of the form {expected}: a method, one space, then a path starting "
                "with '/', e.g. 'GET /orders/{id}'.",
            )


def _route_method(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.path_routes:
        if pr.method not in HTTP_METHODS:
            loc, label = _r(pr, "key", "method")
            hint = f" Did you mean {pr.method.upper()}?" if pr.method.upper() in HTTP_METHODS else ""
            yield Hit(
                loc,
                label,
                f"{pr.method!r} is not a method API Gateway accepts; use one of {', '.join(HTTP_METHODS)} "
                f"(upper case).{hint}",
            )


def _path_part_syntax(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.path_routes:
        for part in pr.segments:
            if part == "":
                loc, label = _r(pr, "key", "path")
                yield Hit(loc, label, f"The path {pr.path!r} has an empty segment (a doubled or trailing '/'). Remove it.")
                break
            if "{" in part or "}" in part:
                continue  # variables are checked by route.path-param-whole-segment
            if ctx.api == "rest" and not _REST_PATH_PART.fullmatch(part):
                loc, label = _r(pr, "key", "path")
                yield Hit(
                    loc,
                    label,
                    f"The path part {part!r} may only contain letters, digits, '.', '_', '-' and ':'. "
                    "Rename it (AWS: \"Resource's path part only allow a-zA-Z0-9._- and curly braces at the "
                    'beginning and the end").',
                )
                break


def _path_param_whole_segment(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.path_routes:
        for part in pr.segments:
            if ("{" in part or "}" in part) and not _VARIABLE_PART.fullmatch(part):
                loc, label = _r(pr, "key", "path")
                yield Hit(
                    loc,
                    label,
                    f"The path part {part!r} mixes a parameter with other text or is malformed. A path parameter "
                    "must be a whole segment with a simple name, e.g. /orders/{id} (not /orders{id}).",
                )
                break


def _greedy_last(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.path_routes:
        for n, part in enumerate(pr.segments):
            m = _VARIABLE_PART.fullmatch(part)
            if m and m.group(2) and n != len(pr.segments) - 1:
                loc, label = _r(pr, "key", "path")
                yield Hit(
                    loc,
                    label,
                    f"The greedy parameter {part} must be the last part of the path; a {{proxy+}} resource "
                    "can't have child resources. Move the route's other parts before it.",
                )
                break


def _one_variable_child(ctx: Context) -> Iterator[Hit]:
    """REST: at most one variable child per resource ("A sibling ({id}) ... only one is allowed")."""
    seen: dict[str, str] = {}
    for pr in ctx.path_routes:
        for n, part in enumerate(pr.segments):
            m = _VARIABLE_PART.fullmatch(part)
            if not m:
                continue
            parent = "/" + "/".join(pr.segments[:n])
            first = seen.setdefault(parent, part)
            if first != part:
                loc, label = _r(pr, "key", "path")
                yield Hit(
                    loc,
                    label,
                    f"Under {parent} there is already the variable part {first}; a resource can have only one "
                    f"variable child, so {part} is rejected. Reuse {first} at this level.",
                )
                break


def _duplicate_routes(ctx: Context) -> Iterator[Hit]:
    seen: dict[str, int] = {}
    for pr in ctx.routes:
        key = pr.route.key.strip()
        if not key:
            continue
        if key in seen:
            loc, label = _r(pr, "key")
            yield Hit(loc, label, f"Route {key!r} is defined twice (also route #{seen[key] + 1}). Remove one.")
        else:
            seen[key] = pr.index


def _reserved_paths(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.path_routes:
        if pr.segments[:1] in (("ping",), ("sping",)):
            loc, label = _r(pr, "key", "path")
            yield Hit(
                loc,
                label,
                f"/{pr.segments[0]} at the root is reserved by API Gateway for its own health checks, so this route "
                "won't work through a custom domain name. Use another path, e.g. /health.",
            )


def _websocket_key_like_path(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        method, path = split_route_key(pr.route.key)
        if pr.route.key.startswith("/") or (method and path):
            loc, label = _r(pr, "key")
            yield Hit(
                loc,
                label,
                f"The route key {pr.route.key!r} looks like a path. WebSocket messages are routed by the route "
                "selection expression (e.g. $request.body.action), so use the action value, e.g. 'sendMessage'.",
            )


def _route_selection_required(ctx: Context) -> Iterator[Hit]:
    if not ctx.design.route_selection_expression.strip():
        yield Hit(
            "route_selection_expression",
            "Route selection expression",
            "A WebSocket API needs a route selection expression, e.g. $request.body.action.",
        )


def _route_selection_body(ctx: Context) -> Iterator[Hit]:
    expr = ctx.design.route_selection_expression.strip()
    if expr and not (expr.startswith("$request.body.") or expr.startswith("${request.body.")):
        yield Hit(
            "route_selection_expression",
            "Route selection expression",
            f"{expr!r} does not read the message body. WebSocket routes are chosen from the message, usually "
            "with $request.body.action (a field in each JSON message).",
        )


# --------------------------------------------------------------------------------------------------
# Integration checks
# --------------------------------------------------------------------------------------------------


def _timeout_max(ctx: Context) -> int:
    """The highest timeout AWS can accept for this API (REST regional/private only after a quota raise)."""
    if ctx.api == "rest" and ctx.design.endpoint_type in ("REGIONAL", "PRIVATE"):
        return TIMEOUT_RAISED_CEILING_MS
    return TIMEOUT_DEFAULT_MAX_MS[ctx.api]


def _timeout_range(ctx: Context) -> Iterator[Hit]:
    hard_max = _timeout_max(ctx)
    default_max = TIMEOUT_DEFAULT_MAX_MS[ctx.api]
    for pr in ctx.routes:
        t = pr.route.integration.timeout_ms
        if t is None or pr.route.integration.kind == "mock":
            continue
        if t < TIMEOUT_MIN_MS or t > hard_max:
            loc, label = _r(pr, "integration.timeout_ms", "integration timeout")
            if t < TIMEOUT_MIN_MS:
                why = f"at least {TIMEOUT_MIN_MS} ms"
            elif ctx.api == "rest" and hard_max == default_max:
                why = (
                    f"at most {default_max} ms for an edge-optimized REST API (the raise above 29 s is only for "
                    "regional and private REST APIs)"
                )
            elif ctx.api == "rest":
                why = f"at most {hard_max} ms even with a quota increase"
            else:
                why = f"at most {default_max} ms for {A_API[ctx.api]} API (not increasable)"
            yield Hit(loc, label, f"The integration timeout {t} ms is out of range: it must be {why}.")


def _timeout_quota(ctx: Context) -> Iterator[Hit]:
    if ctx.api != "rest" or ctx.design.endpoint_type not in ("REGIONAL", "PRIVATE"):
        return
    for pr in ctx.routes:
        t = pr.route.integration.timeout_ms
        if t is not None and TIMEOUT_DEFAULT_MAX_MS["rest"] < t <= TIMEOUT_RAISED_CEILING_MS:
            loc, label = _r(pr, "integration.timeout_ms", "integration timeout")
            yield Hit(
                loc,
                label,
                f"{t} ms is above the default 29 000 ms. A regional or private REST API allows it only after you "
                "raise the 'Maximum integration timeout' quota in Service Quotas (it may lower your account's "
                "throttle quota). Keep 29 000 ms unless you have that increase.",
            )


def _lambda_no_retry(ctx: Context) -> Iterator[Hit]:
    if ctx.design.client_retries:
        return
    full = TIMEOUT_DEFAULT_MAX_MS[ctx.api]
    hits = [
        pr
        for pr in ctx.routes
        if pr.route.integration.kind in LAMBDA_KINDS
        and (pr.route.integration.timeout_ms is None or pr.route.integration.timeout_ms >= full)
    ]
    if hits:
        loc, label = _r(hits[0], "integration.timeout_ms", "integration timeout")
        more = f" (and {len(hits) - 1} more Lambda route(s))" if len(hits) > 1 else ""
        yield Hit(
            loc,
            label,
            f"This Lambda integration waits the full {full} ms{more}. API Gateway calls Lambda synchronously "
            "and never retries: on a timeout or error the client gets a 5xx. Set a shorter timeout, make the "
            "operation safe to repeat, and tell clients to retry with backoff (then tick 'clients retry').",
        )


def _lambda_post(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        integ = pr.route.integration
        if integ.kind in LAMBDA_KINDS and integ.http_method not in ("", "POST"):
            loc, label = _r(pr, "integration.http_method", "integration method")
            yield Hit(
                loc,
                label,
                f"A Lambda integration is always called with POST (the Invoke API), whatever the route's method; "
                f"change the integration method {integ.http_method!r} to POST.",
            )


def _target_required(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        integ = pr.route.integration
        missing: list[str] = []
        if integ.kind == "":
            loc, label = _r(pr, "integration.kind", "integration")
            yield Hit(loc, label, "This route has no integration yet. Choose where its requests go.")
            continue
        if integ.kind in LAMBDA_KINDS and not integ.lambda_arn:
            missing.append("lambda_arn (the function ARN)")
        if integ.kind in ("http", "http_proxy") and not integ.uri:
            missing.append("uri (the backend URL)")
        if integ.kind == "aws":
            if not integ.service:
                missing.append("service (e.g. dynamodb)")
            if not (integ.action or integ.service_path):
                missing.append("action (e.g. PutItem) or service_path")
        if integ.kind == "aws_proxy" and not integ.subtype:
            missing.append("subtype (e.g. EventBridge-PutEvents)")
        if integ.kind == "private":
            if not integ.connection_id:
                missing.append("connection_id (the VPC link)")
            if not integ.uri:
                missing.append("uri (the load balancer listener, Cloud Map service or URL)")
        if missing:
            loc, label = _r(pr, "integration", "integration")
            yield Hit(loc, label, f"This {integ.kind} integration is missing {', '.join(missing)}.")


def _uri_format(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        integ = pr.route.integration
        if not integ.uri:
            continue
        ok = bool(_URL.fullmatch(integ.uri))
        if integ.kind == "private":
            ok = ok or integ.uri.startswith("arn:")
        elif integ.kind not in ("http", "http_proxy"):
            continue
        if not ok:
            loc, label = _r(pr, "integration.uri", "integration URI")
            what = "an http(s) URL or a listener/Cloud Map ARN" if integ.kind == "private" else "a full http:// or https:// URL"
            yield Hit(loc, label, f"The integration URI {integ.uri!r} must be {what}.")


def _aws_needs_role(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        integ = pr.route.integration
        if integ.kind in ("aws", "aws_proxy") and not integ.role_arn:
            loc, label = _r(pr, "integration.role_arn", "integration role")
            yield Hit(
                loc,
                label,
                "An AWS service integration needs an IAM role that API Gateway assumes to call the service "
                "(integration credentials). Add the role ARN, with a policy allowing only this action.",
            )


def _subtype_known(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        integ = pr.route.integration
        if integ.kind == "aws_proxy" and integ.subtype and integ.subtype not in HTTP_API_SUBTYPES:
            loc, label = _r(pr, "integration.subtype", "integration subtype")
            yield Hit(
                loc,
                label,
                f"{integ.subtype!r} is not an HTTP API integration subtype; use one of {', '.join(HTTP_API_SUBTYPES)}.",
            )


def _payload_format(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        integ = pr.route.integration
        pfv = integ.payload_format_version
        loc, label = _r(pr, "integration.payload_format_version", "payload format version")
        if ctx.api == "rest":
            if pfv:
                yield Hit(loc, label, "REST APIs have no payload format version (the event shape is fixed); clear it.")
        elif ctx.api == "http":
            if integ.kind == "lambda_proxy":
                if pfv not in ("1.0", "2.0"):
                    yield Hit(
                        loc,
                        label,
                        "An HTTP API Lambda proxy integration needs a payload format version: 2.0 (recommended) "
                        f"or 1.0{'' if not pfv else f', not {pfv!r}'}.",
                    )
            elif pfv not in ("", "1.0"):
                yield Hit(loc, label, f"Only Lambda proxy integrations can use payload format {pfv!r}; use 1.0 here.")
        elif pfv not in ("", "1.0"):
            yield Hit(
                loc,
                label,
                f"WebSocket integrations use their own event shape; leave the payload format version empty or 1.0, not {pfv!r}.",
            )


def _proxy_templates(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        integ = pr.route.integration
        if integ.kind in PROXY_KINDS and (integ.request_templates or integ.response_templates):
            loc, label = _r(pr, "integration.request_templates", "mapping templates")
            yield Hit(
                loc,
                label,
                "Mapping templates have no effect on a proxy integration: the request passes through unchanged. "
                "To transform it, use a custom (non-proxy) integration"
                + (" on a REST or WebSocket API." if ctx.api == "http" else "."),
            )


# --------------------------------------------------------------------------------------------------
# Security checks
# --------------------------------------------------------------------------------------------------

_AUTH_NEEDS_AUTHORIZER = {
    "CUSTOM": ("TOKEN", "REQUEST"),
    "COGNITO_USER_POOLS": ("COGNITO_USER_POOLS",),
    "JWT": ("JWT",),
}


def _authorizer_missing(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        route = pr.route
        if route.authorization not in _AUTH_NEEDS_AUTHORIZER:
            continue
        loc, label = _r(pr, "authorizer", "authorizer")
        if not route.authorizer:
            yield Hit(loc, label, f"{route.authorization} authorization needs an authorizer; choose one for this route.")
        elif route.authorizer not in ctx.authorizers:
            yield Hit(loc, label, f"There is no authorizer named {route.authorizer!r}; create it or pick an existing one.")


def _authorizer_type_match(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        route = pr.route
        wanted = _AUTH_NEEDS_AUTHORIZER.get(route.authorization)
        authorizer = ctx.authorizers.get(route.authorizer)
        if wanted and authorizer is not None and authorizer.type in AUTHORIZER_TYPES and authorizer.type not in wanted:
            loc, label = _r(pr, "authorizer", "authorizer")
            yield Hit(
                loc,
                label,
                f"{route.authorization} authorization needs a {' or '.join(wanted)} authorizer, but "
                f"{authorizer.name!r} is {authorizer.type}. Change the authorization type or the authorizer.",
            )


def _websocket_auth_connect_only(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        if pr.route.key != "$connect" and pr.route.authorization not in ("", "NONE"):
            loc, label = _r(pr, "authorization", "authorization")
            yield Hit(
                loc,
                label,
                "WebSocket APIs authorize only on $connect (the whole connection is then trusted). "
                "Set this route's authorization to NONE and authorize on $connect.",
            )


def _scopes(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        route = pr.route
        if not route.scopes:
            continue
        loc, label = _r(pr, "scopes", "scopes")
        if route.authorization not in ("JWT", "COGNITO_USER_POOLS"):
            yield Hit(loc, label, "Authorization scopes work only with a JWT or Cognito user pool authorizer; remove them.")
        elif route.authorization == "JWT" and len(route.scopes) > MAX_JWT_SCOPES:
            yield Hit(loc, label, f"A route can require at most {MAX_JWT_SCOPES} scopes; it has {len(route.scopes)}.")


def _authorizer_config(ctx: Context) -> Iterator[Hit]:
    for i, a in enumerate(ctx.design.authorizers):
        loc, label = f"authorizers[{i}]", _authorizer_label(a.name, i)
        problems: list[str] = []
        if not a.name:
            problems.append("a name")
        if a.type in ("TOKEN", "REQUEST") and not a.lambda_arn:
            problems.append("lambda_arn (the authorizer function)")
        if a.type == "TOKEN" and len(a.identity_sources) > 1:
            problems.append("exactly one identity source (a TOKEN authorizer reads one header)")
        if a.type == "COGNITO_USER_POOLS" and not a.user_pool_arns:
            problems.append("user_pool_arns (at least one user pool)")
        if a.type == "JWT":
            if not a.issuer:
                problems.append("issuer (the token issuer URL)")
            if not a.audience:
                problems.append("audience (at least one client id)")
            elif len(a.audience) > MAX_JWT_AUDIENCES:
                problems.append(f"at most {MAX_JWT_AUDIENCES} audiences")
        if a.type == "REQUEST" and ctx.api == "http" and a.payload_format_version not in ("1.0", "2.0"):
            problems.append("payload_format_version 1.0 or 2.0 (HTTP API Lambda authorizers)")
        if problems:
            kind = f"{a.type} authorizer" if a.type else "authorizer"
            yield Hit(loc, label, f"This {kind} needs {'; '.join(problems)}.")


def _authorizer_ttl(ctx: Context) -> Iterator[Hit]:
    for i, a in enumerate(ctx.design.authorizers):
        if a.ttl_seconds is not None and not 0 <= a.ttl_seconds <= AUTHORIZER_TTL_MAX:
            yield Hit(
                f"authorizers[{i}].ttl_seconds",
                _authorizer_label(a.name, i) + " › result TTL",
                f"The authorizer result TTL must be 0 to {AUTHORIZER_TTL_MAX} seconds (0 turns caching off); "
                f"it is {a.ttl_seconds}.",
            )


def _authorizer_duplicate(ctx: Context) -> Iterator[Hit]:
    seen: set[str] = set()
    for i, a in enumerate(ctx.design.authorizers):
        if a.name and a.name in seen:
            yield Hit(
                f"authorizers[{i}].name",
                _authorizer_label(a.name, i),
                "Two authorizers share this name; routes refer to authorizers by name, so rename one.",
            )
        seen.add(a.name)


def _authorizer_count(ctx: Context) -> Iterator[Hit]:
    n = len(ctx.design.authorizers)
    if n > MAX_AUTHORIZERS:
        yield Hit("authorizers", "Authorizers", f"The API has {n} authorizers; the quota is {MAX_AUTHORIZERS} per API.")


def _write_route_open(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        catch_all = ctx.api == "http" and pr.route.key == "$default"  # takes every method, writes included
        if (pr.method in WRITE_METHODS or catch_all) and pr.route.authorization in ("", "NONE"):
            loc, label = _r(pr, "authorization", "authorization")
            yield Hit(
                loc,
                label,
                f"Anyone on the internet can call {pr.route.key}, which changes data. Add authorization (IAM, a "
                "Lambda authorizer, Cognito or JWT) unless the route is meant to be public.",
            )


def _api_key_connect_only(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        if pr.route.api_key_required and pr.route.key != "$connect":
            loc, label = _r(pr, "api_key_required", "API key required")
            yield Hit(loc, label, "On a WebSocket API an API key can be required only on the $connect route; move it there.")


def _api_key_without_plan(ctx: Context) -> Iterator[Hit]:
    d = ctx.design
    if not any(r.api_key_required for r in d.routes):
        return
    if not any(p.api_keys and p.stages for p in d.usage_plans):
        first = next(pr for pr in ctx.routes if pr.route.api_key_required)
        loc, label = _r(first, "api_key_required", "API key required")
        yield Hit(
            loc,
            label,
            "Routes require an API key, but no usage plan links an API key to a stage, so every call is refused "
            "(403). Add a usage plan with the stage and at least one key.",
        )


def _usage_plan_refs(ctx: Context) -> Iterator[Hit]:
    keys = {k.name for k in ctx.design.api_keys}
    for i, p in enumerate(ctx.design.usage_plans):
        for j, stage in enumerate(p.stages):
            if stage not in ctx.stage_names:
                yield Hit(
                    f"usage_plans[{i}].stages[{j}]",
                    f"Usage plan {p.name!r}",
                    f"There is no stage named {stage!r}; add it or remove it from the plan.",
                )
        for j, key in enumerate(p.api_keys):
            if key not in keys:
                yield Hit(
                    f"usage_plans[{i}].api_keys[{j}]",
                    f"Usage plan {p.name!r}",
                    f"There is no API key named {key!r}; create it or remove it from the plan.",
                )


def _usage_plan_values(ctx: Context) -> Iterator[Hit]:
    for i, p in enumerate(ctx.design.usage_plans):
        label = f"Usage plan {p.name!r}"
        for attr in ("throttle_rate", "throttle_burst", "quota_limit"):
            value = getattr(p, attr)
            if value is not None and value < 0:
                yield Hit(f"usage_plans[{i}].{attr}", label, f"{attr.replace('_', ' ').capitalize()} can't be negative ({value}).")
        if p.quota_limit is not None and not p.quota_period:
            yield Hit(f"usage_plans[{i}].quota_period", label, "A quota needs a period: DAY, WEEK or MONTH.")


def _validator_refs(ctx: Context) -> Iterator[Hit]:
    names = {v.name for v in ctx.design.request_validators}
    for pr in ctx.routes:
        if pr.route.request_validator and pr.route.request_validator not in names:
            loc, label = _r(pr, "request_validator", "request validator")
            yield Hit(
                loc,
                label,
                f"There is no request validator named {pr.route.request_validator!r}; create it or pick another.",
            )


# --------------------------------------------------------------------------------------------------
# CORS checks
# --------------------------------------------------------------------------------------------------


def _cors_wildcard_with_credentials(ctx: Context) -> bool:
    cors = ctx.design.cors
    return cors is not None and cors.allow_credentials and (not cors.allow_origins or "*" in cors.allow_origins)


def _cors_credentials_http(ctx: Context) -> Iterator[Hit]:
    if _cors_wildcard_with_credentials(ctx):
        yield Hit(
            "cors.allow_credentials",
            "CORS › allow credentials",
            "AWS rejects allow-credentials with the '*' origin (\"allow-credentials is not supported if "
            "'allow-origin' is *\"). List your exact origins, e.g. https://app.example.com.",
        )


def _cors_credentials_rest(ctx: Context) -> Iterator[Hit]:
    if _cors_wildcard_with_credentials(ctx):
        yield Hit(
            "cors.allow_credentials",
            "CORS › allow credentials",
            "With credentials allowed, browsers refuse a '*' origin, so credentialed calls will fail even though "
            "the API deploys. Set the exact origin, e.g. https://app.example.com.",
        )


def _cors_max_age(ctx: Context) -> Iterator[Hit]:
    cors = ctx.design.cors
    low, high = CORS_MAX_AGE_RANGE
    if cors is not None and cors.max_age is not None and not low <= cors.max_age <= high:
        yield Hit("cors.max_age", "CORS › max age", f"Max age must be {low} to {high} seconds; it is {cors.max_age}.")


def _cors_rest_single_origin(ctx: Context) -> Iterator[Hit]:
    cors = ctx.design.cors
    if cors is not None and len(cors.allow_origins) > 1:
        yield Hit(
            "cors.allow_origins",
            "CORS › allowed origins",
            "A REST API sends CORS headers as fixed values, and Access-Control-Allow-Origin holds one origin. "
            "Keep one origin, or return the matching origin from your backend (proxy integrations).",
        )


def _cors_rest_proxy(ctx: Context) -> Iterator[Hit]:
    if ctx.design.cors is None:
        return
    proxies = [pr for pr in ctx.routes if pr.route.integration.kind in PROXY_KINDS]
    if proxies:
        loc, label = _r(proxies[0], "integration.kind", "integration")
        yield Hit(
            loc,
            label,
            "The OPTIONS preflight is answered by API Gateway, but with a proxy integration your backend must "
            "add Access-Control-Allow-Origin to its own responses (API Gateway passes them through unchanged).",
        )


def _cors_http_authorizer_preflight(ctx: Context) -> Iterator[Hit]:
    if ctx.design.cors is None:
        return
    open_options = any(
        pr.method == "OPTIONS" and pr.route.authorization in ("", "NONE") for pr in ctx.path_routes
    )
    for pr in ctx.routes:
        catch_all = pr.route.key == "$default" or (pr.method == "ANY" and pr.path.endswith("+}"))
        if catch_all and pr.route.authorization not in ("", "NONE") and not open_options:
            loc, label = _r(pr, "authorization", "authorization")
            yield Hit(
                loc,
                label,
                "Browsers send CORS preflight (OPTIONS) requests without credentials, and this catch-all route "
                "requires authorization, so preflights fail. Add an 'OPTIONS /{proxy+}' route with no authorization.",
            )


# --------------------------------------------------------------------------------------------------
# Stage checks
# --------------------------------------------------------------------------------------------------


def _stage_name(ctx: Context) -> Iterator[Hit]:
    for i, s in enumerate(ctx.design.stages):
        if ctx.api == "http" and s.name == "$default":
            continue
        if not _STAGE_NAME.fullmatch(s.name):
            allowed = "letters, digits, '-' and '_' (1-128 characters)"
            if ctx.api == "http":
                allowed += ", or exactly $default"
            elif s.name == "$default":
                allowed += "; $default stages exist only for HTTP APIs"
            yield Hit(f"stages[{i}].name", _stage_label(s, i), f"The stage name {s.name!r} may contain only {allowed}.")


def _stage_duplicate(ctx: Context) -> Iterator[Hit]:
    seen: set[str] = set()
    for i, s in enumerate(ctx.design.stages):
        if s.name in seen:
            yield Hit(
                f"stages[{i}].name",
                _stage_label(s, i),
                f"There are two stages named {s.name!r}; stage names are unique per API.",
            )
        seen.add(s.name)


def _stage_count(ctx: Context) -> Iterator[Hit]:
    n = len(ctx.design.stages)
    if n > MAX_STAGES:
        yield Hit("stages", "Stages", f"The API has {n} stages; the quota is {MAX_STAGES} per API.")


def _each_stage_variable(ctx: Context) -> Iterator[tuple[str, str, str, str]]:
    for i, s in enumerate(ctx.design.stages):
        for name, value in s.variables.items():
            yield f"stages[{i}].variables.{name}", _stage_label(s, i), name, value
        if s.canary is not None:
            for name, value in s.canary.stage_variable_overrides.items():
                yield f"stages[{i}].canary.stage_variable_overrides.{name}", _stage_label(s, i) + " › canary", name, value


def _stage_variable_name(ctx: Context) -> Iterator[Hit]:
    for loc, label, name, _ in _each_stage_variable(ctx):
        if not _STAGE_VAR_NAME.fullmatch(name) or len(name) > 64:
            yield Hit(
                loc,
                label,
                f"The stage variable name {name!r} may contain only letters, digits and '_' (at most 64 characters).",
            )


def _stage_variable_value(ctx: Context) -> Iterator[Hit]:
    for loc, label, name, value in _each_stage_variable(ctx):
        if not _STAGE_VAR_VALUE.fullmatch(value) or len(value) > 512:
            yield Hit(
                loc,
                label,
                f"The value of stage variable {name!r} must be 1-512 characters of letters, digits and "
                "-._~:/?#&=, (no spaces, not empty).",
            )


def _stage_variable_count(ctx: Context) -> Iterator[Hit]:
    for i, s in enumerate(ctx.design.stages):
        if len(s.variables) > MAX_STAGE_VARIABLES:
            yield Hit(
                f"stages[{i}].variables",
                _stage_label(s, i),
                f"A stage can have at most {MAX_STAGE_VARIABLES} variables; this one has {len(s.variables)}.",
            )


def _cache_size(ctx: Context) -> Iterator[Hit]:
    for i, s in enumerate(ctx.design.stages):
        if s.cache_size and s.cache_size not in CACHE_SIZES:
            yield Hit(
                f"stages[{i}].cache_size",
                _stage_label(s, i) + " › cache size",
                f"Cache size {s.cache_size!r} GB is not offered; choose one of {', '.join(CACHE_SIZES)}.",
            )


def _cache_ttl(ctx: Context) -> Iterator[Hit]:
    for i, s in enumerate(ctx.design.stages):
        if s.cache_ttl is not None and not 0 <= s.cache_ttl <= CACHE_TTL_MAX:
            yield Hit(
                f"stages[{i}].cache_ttl",
                _stage_label(s, i) + " › cache TTL",
                f"The cache TTL must be 0 to {CACHE_TTL_MAX} seconds; it is {s.cache_ttl}.",
            )


def _canary_percent(ctx: Context) -> Iterator[Hit]:
    for i, s in enumerate(ctx.design.stages):
        if s.canary is not None and not 0.0 <= s.canary.percent_traffic <= 100.0:
            yield Hit(
                f"stages[{i}].canary.percent_traffic",
                _stage_label(s, i) + " › canary traffic",
                f"The canary's share of traffic must be 0 to 100 percent; it is {s.canary.percent_traffic}.",
            )


def _throttle_values(ctx: Context) -> Iterator[Hit]:
    for i, s in enumerate(ctx.design.stages):
        for attr in ("throttle_rate", "throttle_burst"):
            value = getattr(s, attr)
            if value is not None and value < 0:
                yield Hit(
                    f"stages[{i}].{attr}",
                    _stage_label(s, i),
                    f"{attr.replace('_', ' ').capitalize()} can't be negative ({value}).",
                )


def _no_throttling(ctx: Context) -> Iterator[Hit]:
    for i, s in enumerate(ctx.design.stages):
        if s.throttle_rate is None and s.throttle_burst is None:
            yield Hit(
                f"stages[{i}].throttle_rate",
                _stage_label(s, i) + " › throttling",
                "This stage has no throttling of its own, so one busy client can use the whole account's "
                "request quota (shared by every API in the Region). Set a rate and burst limit.",
            )


def _deploy_needs_methods(ctx: Context) -> Iterator[Hit]:
    if ctx.design.stages and not ctx.path_routes:
        yield Hit(
            "routes",
            "Routes",
            "A REST API can't be deployed to a stage until it has at least one method. Add a route.",
        )


def _no_stage(ctx: Context) -> Iterator[Hit]:
    if not ctx.design.stages:
        extra = {
            "rest": "Changes to a REST API reach clients only when you deploy them to a stage.",
            "http": "Add a stage, e.g. $default with automatic deployment.",
            "websocket": "Deploy the API to a stage, e.g. production.",
        }[ctx.api]
        yield Hit("stages", "Stages", f"The API has no stage, so nothing is deployed and no one can call it. {extra}")


# --------------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------------


def _cap(
    rule_id: str,
    group: Literal["endpoint_types", "integration_kinds", "authorization_types", "authorizer_types", "features"],
    allowed: Mapping[str, frozenset[str]],
    message: str,
    *,
    summary: str,
    source: str,
    topic: str,
    misconception: str | None = None,
) -> Rule:
    capability = Capability(group, allowed)
    forbidden_somewhere = frozenset().union(*(ALL_TYPES - types for types in allowed.values()))
    return Rule(
        rule_id,
        "error",
        summary,
        source,
        lesson(topic),
        capability_check(capability, message),
        misconception,
        capability,
        forbidden_somewhere,
    )


def _rule(
    rule_id: str,
    severity: Severity,
    check: Callable[[Context], Iterable[Hit]],
    *,
    summary: str,
    source: str,
    topic: str,
    misconception: str | None = None,
    api_types: frozenset[str] = ALL_TYPES,
) -> Rule:
    return Rule(rule_id, severity, summary, source, lesson(topic), check, misconception, None, api_types)


RULES: tuple[Rule, ...] = (
    # --- the API itself ---------------------------------------------------------------------------
    _rule(
        "api.name-required",
        "error",
        _name_required,
        summary="The API has a name.",
        source="[BOTO-V2] CreateApi.Name",
        topic="api-types",
    ),
    _rule(
        "api.name-too-long",
        "error",
        _name_too_long,
        summary="API name at most 128 characters.",
        source="[BOTO-V2] CreateApi.Name; [NOTES] (REST cap recommended)",
        topic="quotas",
    ),
    _rule(
        "api.description-too-long",
        "error",
        _description_too_long,
        summary="Description at most 1024 characters.",
        source="[BOTO-V2]",
        topic="quotas",
    ),
    _rule(
        "design.unknown-value",
        "error",
        _unknown_values,
        summary="Enumerated AWS values are ones AWS knows.",
        source="[BOTO-V1] / [BOTO-V2] enums",
        topic="api-types",
    ),
    _rule(
        "tags.limits",
        "error",
        _tags,
        summary="At most 50 tags; key 1-128 chars, not 'aws:'; value at most 256.",
        source="[BOTO-V1] tags; [Q-REST]",
        topic="tags",
    ),
    # --- endpoint and resource policy ----------------------------------------------------------------
    _cap(
        "endpoint.private-rest-only",
        "endpoint_types",
        {"PRIVATE": REST},
        "{value} endpoints exist only for REST APIs; {a_api} API is always regional. Choose REGIONAL, or make "
        "this a REST API if it must be reachable only from a VPC.",
        summary="Private endpoints are REST only.",
        source="[CMP]; [WP-PRIV]; [BOTO-V2] CreateApiRequest",
        topic="private",
        misconception="private-not-rest-only",
    ),
    _cap(
        "endpoint.regional-only",
        "endpoint_types",
        {"EDGE": REST},
        "{value} (edge-optimized) endpoints exist only for REST APIs; {a_api} API is regional only. Choose "
        "REGIONAL (you can still put your own CloudFront distribution in front).",
        summary="HTTP and WebSocket APIs are regional only.",
        source="[CMP]; [BOTO-V2] CreateApiRequest",
        topic="regional",
    ),
    _rule(
        "endpoint.single-type",
        "warning",
        _single_endpoint_type,
        summary="One endpoint type (app rule).",
        source="apigw-facts §1 notes (app rule; [MIGRATE])",
        topic="choosing-endpoint",
        api_types=REST,
    ),
    _rule(
        "endpoint.edge-same-region",
        "tip",
        _edge_same_region,
        summary="Same-Region clients: regional beats edge-optimized.",
        source="[DG] api-gateway-api-endpoint-types.md",
        topic="choosing-endpoint",
        misconception="edge-always-fastest",
        api_types=REST,
    ),
    _rule(
        "endpoint.vpc-clients-private",
        "tip",
        _vpc_clients_private,
        summary="VPC-only clients: a private REST API.",
        source="[CMP]; [DG] apigateway-private-apis.md",
        topic="private",
        misconception="private-not-rest-only",
    ),
    _cap(
        "policy.rest-only",
        "features",
        {"resource_policy": REST},
        "Resource policies exist only for REST APIs; {a_api} API has none. Remove it and control access with "
        "authorization (IAM, authorizers) instead.",
        summary="Resource policies are REST only.",
        source="[CMP]",
        topic="resource-policy",
    ),
    _rule(
        "policy.private-needs-policy",
        "error",
        _private_needs_policy,
        summary="A private API has a resource policy.",
        source="[CMP]; [DG] apigateway-private-apis.md",
        topic="private-policy",
        misconception="private-needs-no-policy",
        api_types=REST,
    ),
    # --- WebSocket route selection --------------------------------------------------------------------
    _cap(
        "api.route-selection-websocket-only",
        "features",
        {"route_selection": WS},
        "Only WebSocket APIs take a route selection expression; {a_api} API routes by method and path. Clear it.",
        summary="Route selection expressions are WebSocket only.",
        source="[BOTO-V2] CreateApi.RouteSelectionExpression",
        topic="route-selection",
    ),
    _rule(
        "websocket.route-selection-required",
        "error",
        _route_selection_required,
        summary="A WebSocket API has a route selection expression.",
        source="[BOTO-V2] CreateApi.RouteSelectionExpression",
        topic="route-selection",
        misconception="websocket-routes-by-path",
        api_types=WS,
    ),
    _rule(
        "websocket.route-selection-body",
        "warning",
        _route_selection_body,
        summary="Route selection reads the message body.",
        source="[DG] websocket-api-develop-routes.md",
        topic="route-selection",
        misconception="websocket-routes-by-path",
        api_types=WS,
    ),
    _rule(
        "websocket.route-key-like-path",
        "warning",
        _websocket_key_like_path,
        summary="WebSocket route keys are not paths.",
        source="[DG] websocket-api-develop-routes.md",
        topic="route-selection",
        misconception="websocket-routes-by-path",
        api_types=WS,
    ),
    # --- routes -------------------------------------------------------------------------------------
    _rule(
        "route.count",
        "error",
        _route_count,
        summary="At most 300 routes (resources for REST).",
        source="[Q-REST]; [Q-HTTP]; [Q-WS]",
        topic="quotas",
    ),
    _rule(
        "route.key-syntax",
        "error",
        _route_key_syntax,
        summary="Route keys have the form the API type expects.",
        source="[DG] http-api-develop-routes.md, websocket-api-develop-routes.md; [BOTO-V2]",
        topic="api-types",
    ),
    _rule(
        "route.method",
        "error",
        _route_method,
        summary="Methods are GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY.",
        source="[DG] api-gateway-method-settings-method-request.md, http-api-develop-routes.md",
        topic="api-types",
        api_types=frozenset({"rest", "http"}),
    ),
    _rule(
        "route.path-part-syntax",
        "error",
        _path_part_syntax,
        summary="Path parts use allowed characters.",
        source="[ISSUE-CLAUDIA]; [ISSUE-CDK-COLON]; [NOTES]",
        topic="api-types",
        api_types=frozenset({"rest", "http"}),
    ),
    _rule(
        "route.path-param-whole-segment",
        "error",
        _path_param_whole_segment,
        summary="Path parameters are whole segments.",
        source="[NOTES]",
        topic="api-types",
        api_types=frozenset({"rest", "http"}),
    ),
    _rule(
        "route.greedy-last",
        "error",
        _greedy_last,
        summary="{proxy+} is last; it has no children.",
        source="[DG] api-gateway-method-settings-method-request.md, http-api-develop-routes.md; [LOCALSTACK]",
        topic="api-types",
        api_types=frozenset({"rest", "http"}),
    ),
    _rule(
        "route.one-variable-child",
        "error",
        _one_variable_child,
        summary="At most one variable child per REST resource.",
        source="[ISSUE-SNJ-206]; [ISSUE-SLS-3075]; [ISSUE-IMPORTER-202]",
        topic="api-types",
        api_types=REST,
    ),
    _rule(
        "route.reserved-path",
        "tip",
        _reserved_paths,
        summary="/ping and /sping at the root are reserved.",
        source="[NOTES]",
        topic="api-types",
        api_types=frozenset({"rest", "http"}),
    ),
    _rule(
        "route.duplicate",
        "error",
        _duplicate_routes,
        summary="Each route key appears once.",
        source="[ISSUE-SLS-2730]; [EXP-V2]",
        topic="api-types",
    ),
    # --- integrations -------------------------------------------------------------------------------
    _cap(
        "integration.http-api-no-mock",
        "integration_kinds",
        {"mock": frozenset({"rest", "websocket"})},
        "HTTP APIs have no mock integrations (only {allowed} APIs do). Point the route at a Lambda function or "
        "an HTTP backend, or use a REST API.",
        summary="No mock integrations on HTTP APIs.",
        source="[BOTO-V2] CreateIntegration.IntegrationType",
        topic="mock",
        misconception="http-api-has-mock",
    ),
    _cap(
        "integration.http-api-proxy-only",
        "integration_kinds",
        {k: frozenset({"rest", "websocket"}) for k in ("lambda", "http", "aws")},
        "HTTP APIs offer only proxy integrations; a custom {value!r} integration (with mapping templates) exists "
        "only on {allowed} APIs. Use lambda_proxy or http_proxy, or an AWS service integration by subtype.",
        summary="HTTP APIs: proxy integrations only.",
        source="[BOTO-V2] CreateIntegration.IntegrationType; [CMP]",
        topic="integrations",
        misconception="proxy-allows-mapping-templates",
    ),
    _cap(
        "integration.aws-proxy-http-only",
        "integration_kinds",
        {"aws_proxy": HTTP},
        "AWS service integrations by subtype (e.g. EventBridge-PutEvents) exist only on HTTP APIs; on {a_api} "
        "API use an 'aws' service integration with a mapping template.",
        summary="Service integrations by subtype are HTTP API only.",
        source="[DG] http-api-develop-integrations-aws-services-reference.md",
        topic="aws-service",
    ),
    _rule(
        "integration.target-required",
        "error",
        _target_required,
        summary="Each integration names its target.",
        source="[BOTO-V1] PutIntegration; [BOTO-V2] CreateIntegration",
        topic="integrations",
    ),
    _rule(
        "integration.uri-format",
        "error",
        _uri_format,
        summary="HTTP integration URIs are full URLs.",
        source="[EXP-REST] (AWS requires a valid URI)",
        topic="integrations",
    ),
    _rule(
        "integration.aws-needs-role",
        "warning",
        _aws_needs_role,
        summary="AWS service integrations have a role.",
        source="[BOTO-V1] PutIntegration.credentials; [BOTO-V2] CredentialsArn",
        topic="aws-service",
    ),
    _rule(
        "integration.subtype-known",
        "error",
        _subtype_known,
        summary="Integration subtypes are known ones.",
        source="[DG] http-api-develop-integrations-aws-services-reference.md",
        topic="aws-service",
        api_types=HTTP,
    ),
    _rule(
        "integration.lambda-post",
        "error",
        _lambda_post,
        summary="Lambda integrations use POST.",
        source="[DG] api-gateway-swagger-extensions-integration.md; [CFN-IO]",
        topic="lambda-proxy",
    ),
    _rule(
        "integration.timeout-range",
        "error",
        _timeout_range,
        summary="Timeout 50 ms to 29 s (REST, WebSocket) or 30 s (HTTP).",
        source="[Q-REST]; [Q-HTTP]; [Q-WS]; [BOTO-V1]/[BOTO-V2] timeoutInMillis; [TIMEOUT-2024]",
        topic="timeout",
        misconception="timeout-always-raisable",
    ),
    _rule(
        "integration.timeout-quota",
        "warning",
        _timeout_quota,
        summary="Above 29 s needs a quota increase (REST regional/private).",
        source="[TIMEOUT-2024]",
        topic="timeout",
        misconception="timeout-always-raisable",
        api_types=REST,
    ),
    _rule(
        "integration.lambda-no-retry",
        "tip",
        _lambda_no_retry,
        summary="Lambda at the full timeout: plan client retries.",
        source="[DG] http-api-develop-integrations-lambda.md (synchronous invoke); CONTENT.md",
        topic="retries",
        misconception="lambda-retries",
    ),
    _rule(
        "integration.payload-format",
        "error",
        _payload_format,
        summary="Payload format version fits the API type.",
        source="[BOTO-V2] CreateIntegration.PayloadFormatVersion; [CLI-EX]; [CFN-IO]",
        topic="payload-format",
    ),
    _rule(
        "integration.proxy-no-templates",
        "warning",
        _proxy_templates,
        summary="No mapping templates on proxy integrations.",
        source="[CMP] (body transformation is for non-proxy integrations)",
        topic="custom-integrations",
        misconception="proxy-allows-mapping-templates",
    ),
    # --- authorization ------------------------------------------------------------------------------
    _cap(
        "auth.type-by-api-type",
        "authorization_types",
        {"COGNITO_USER_POOLS": REST, "JWT": HTTP},
        "{value} authorization is available only on {allowed} APIs. On {a_api} API choose one of {offered} "
        "(for Cognito tokens on an HTTP API, use a JWT authorizer with the user pool as issuer).",
        summary="Authorization types per API type.",
        source="[BOTO-V1] PutMethod; [BOTO-V2] CreateRoute",
        topic="security",
    ),
    _cap(
        "authorizer.type-by-api-type",
        "authorizer_types",
        {"TOKEN": REST, "COGNITO_USER_POOLS": REST, "JWT": HTTP},
        "{value} authorizers exist only on {allowed} APIs; {a_api} API offers these authorizer types: {offered}.",
        summary="Authorizer types per API type.",
        source="[BOTO-V1] AuthorizerType; [BOTO-V2] AuthorizerType; [WS-LAMBDA-AUTH]; [CMP]",
        topic="lambda-authorizers",
    ),
    _rule(
        "auth.authorizer-missing",
        "error",
        _authorizer_missing,
        summary="Routes name an existing authorizer.",
        source="[EXP-REST] (CUSTOM without authorizerId); [BOTO-V1] PutMethod",
        topic="security",
    ),
    _rule(
        "auth.authorizer-type-match",
        "error",
        _authorizer_type_match,
        summary="Route authorization matches its authorizer type.",
        source="[CFNLINT-SRC] E3708",
        topic="security",
    ),
    _rule(
        "auth.websocket-connect-only",
        "error",
        _websocket_auth_connect_only,
        summary="WebSocket authorization only on $connect.",
        source="[DG] websocket-api-develop-routes.md; [WS-LAMBDA-AUTH]",
        topic="websocket",
        api_types=WS,
    ),
    _rule(
        "auth.scopes",
        "error",
        _scopes,
        summary="Scopes only with JWT/Cognito; at most 10.",
        source="[Q-HTTP]; [BOTO-V2] CreateRoute.AuthorizationScopes",
        topic="jwt",
    ),
    _rule(
        "authorizer.config-required",
        "error",
        _authorizer_config,
        summary="Authorizers have what their type needs.",
        source="[EXP-REST]; [BOTO-V2] CreateAuthorizer; [Q-HTTP]",
        topic="lambda-authorizers",
    ),
    _rule(
        "authorizer.ttl-range",
        "error",
        _authorizer_ttl,
        summary="Authorizer TTL 0-3600 s.",
        source="[BOTO-V1]; [BOTO-V2]; [CFNLINT-SRC] E3718",
        topic="lambda-authorizers",
    ),
    _rule(
        "authorizer.duplicate-name",
        "error",
        _authorizer_duplicate,
        summary="Authorizer names are unique (app rule).",
        source="app rule (routes refer to authorizers by name)",
        topic="security",
    ),
    _rule(
        "authorizer.count",
        "error",
        _authorizer_count,
        summary="At most 10 authorizers.",
        source="[Q-REST]; [Q-HTTP]; [Q-WS]",
        topic="quotas",
    ),
    _rule(
        "security.write-route-open",
        "warning",
        _write_route_open,
        summary="Write routes have authorization.",
        source="best practice ([DG] security)",
        topic="security",
        api_types=frozenset({"rest", "http"}),
    ),
    # --- API keys, usage plans, request validation ---------------------------------------------------
    _cap(
        "apikey.not-on-http",
        "features",
        {"api_keys": frozenset({"rest", "websocket"})},
        "HTTP APIs have no API keys or usage plans (REST APIs have them; WebSocket APIs on $connect). Remove "
        "it, and throttle the stage or use a REST API for per-client quotas.",
        summary="No API keys or usage plans on HTTP APIs.",
        source="[CMP]; [BOTO-V2] CreateRoute.ApiKeyRequired",
        topic="api-keys",
        misconception="http-api-has-rest-features",
    ),
    _rule(
        "apikey.websocket-connect-only",
        "error",
        _api_key_connect_only,
        summary="WebSocket API keys only on $connect.",
        source="[DG] websocket-api-develop-routes.md",
        topic="api-keys",
        api_types=WS,
    ),
    _rule(
        "apikey.required-without-plan",
        "warning",
        _api_key_without_plan,
        summary="Required API keys come with a usage plan.",
        source="[DG] api-gateway-api-usage-plans (a key works only through a usage plan)",
        topic="api-keys",
        api_types=frozenset({"rest", "websocket"}),
    ),
    _rule(
        "usageplan.refs",
        "error",
        _usage_plan_refs,
        summary="Usage plans name existing stages and keys.",
        source="[EXP-REST] (usage plan referencing a missing stage)",
        topic="api-keys",
        api_types=frozenset({"rest", "websocket"}),
    ),
    _rule(
        "usageplan.values",
        "error",
        _usage_plan_values,
        summary="Usage plan limits are non-negative; quotas have a period.",
        source="[EXP-REST]",
        topic="api-keys",
        api_types=frozenset({"rest", "websocket"}),
    ),
    _cap(
        "validator.rest-only",
        "features",
        {"request_validation": REST},
        "Request validators exist only on REST APIs. {api} APIs don't validate requests this way; remove it "
        "(and validate in your backend).",
        summary="Request validators are REST only.",
        source="[CMP]; [DG] http-api-open-api.md, websocket-api-request-validation.md",
        topic="request-validation",
    ),
    _rule(
        "validator.unknown-ref",
        "error",
        _validator_refs,
        summary="Routes name an existing request validator.",
        source="[BOTO-V1] PutMethod.requestValidatorId",
        topic="request-validation",
        api_types=REST,
    ),
    # --- CORS ---------------------------------------------------------------------------------------
    _cap(
        "cors.not-websocket",
        "features",
        {"cors": frozenset({"rest", "http"})},
        "CORS applies to HTTP requests; a WebSocket API has no CORS configuration. Remove it.",
        summary="No CORS on WebSocket APIs.",
        source="[CMP]; [EXP-V2] (CorsConfiguration on WebSocket)",
        topic="cors",
    ),
    _rule(
        "cors.credentials-wildcard",
        "error",
        _cors_credentials_http,
        summary="HTTP API: no credentials with '*' origin.",
        source="[ISSUE-CDK-9076]; [SAM-SRC]",
        topic="cors",
        api_types=HTTP,
    ),
    _rule(
        "cors.credentials-wildcard-rest",
        "warning",
        _cors_credentials_rest,
        summary="REST API: credentials with '*' origin fail in browsers.",
        source="[DG] how-to-cors.md (inferred); [ISSUE-SAM-464]",
        topic="cors",
        api_types=REST,
    ),
    _rule(
        "cors.max-age-range",
        "error",
        _cors_max_age,
        summary="CORS max age -1 to 86400.",
        source="[BOTO-V2] Cors",
        topic="cors",
        api_types=HTTP,
    ),
    _rule(
        "cors.rest-single-origin",
        "warning",
        _cors_rest_single_origin,
        summary="REST CORS headers carry one origin.",
        source="[DG] how-to-cors.md",
        topic="cors",
        api_types=REST,
    ),
    _rule(
        "cors.rest-proxy-backend",
        "tip",
        _cors_rest_proxy,
        summary="REST CORS with proxy integrations: the backend adds the headers.",
        source="[DG] how-to-cors.md",
        topic="cors",
        api_types=REST,
    ),
    _rule(
        "cors.http-authorized-catch-all",
        "warning",
        _cors_http_authorizer_preflight,
        summary="Authorized catch-all route needs an open OPTIONS route.",
        source="[DG] http-api-cors.md",
        topic="cors",
        api_types=HTTP,
    ),
    # --- stages -------------------------------------------------------------------------------------
    _rule(
        "stage.none",
        "warning",
        _no_stage,
        summary="The API is deployed to a stage.",
        source="[DG] apigateway-set-up-websocket-deployment.md, http-api-stages.md; §3",
        topic="deployments",
        misconception="rest-changes-live-on-save",
    ),
    _rule(
        "stage.deploy-needs-methods",
        "error",
        _deploy_needs_methods,
        summary="A REST deployment needs a method.",
        source="§3.1 step 7 (CreateDeployment); [EXP-REST]",
        topic="deployments",
        api_types=REST,
    ),
    _rule(
        "stage.name-syntax",
        "error",
        _stage_name,
        summary="Stage names: letters, digits, - and _ (HTTP: or $default).",
        source="[BOTO-V1] CreateStage.stageName; [BOTO-V2] ResetAuthorizersCache.StageName; [CDK-PR-13031]",
        topic="stages",
    ),
    _rule(
        "stage.duplicate-name",
        "error",
        _stage_duplicate,
        summary="Stage names are unique.",
        source="[EXP-REST] (duplicate stage names)",
        topic="stages",
    ),
    _rule(
        "stage.count",
        "error",
        _stage_count,
        summary="At most 10 stages.",
        source="[Q-REST]; [Q-HTTP]; [Q-WS]",
        topic="quotas",
    ),
    _rule(
        "stage.variable-name",
        "error",
        _stage_variable_name,
        summary="Stage variable names: letters, digits, _; at most 64.",
        source="[BOTO-V1] CreateStage.variables; [Q-REST]",
        topic="stage-variables",
    ),
    _rule(
        "stage.variable-value",
        "error",
        _stage_variable_value,
        summary="Stage variable values: allowed characters, 1-512.",
        source="[BOTO-V1] CreateStage.variables; [Q-REST]",
        topic="stage-variables",
    ),
    _rule(
        "stage.variable-count",
        "error",
        _stage_variable_count,
        summary="At most 100 stage variables.",
        source="[Q-REST]; [Q-HTTP]",
        topic="stage-variables",
    ),
    _cap(
        "stage.cache-rest-only",
        "features",
        {"caching": REST},
        "Caching exists only on REST API stages; {a_api} API has no cache. Turn it off (cache in your backend or "
        "a CloudFront distribution instead).",
        summary="Caching is REST only.",
        source="[CMP]",
        topic="caching",
        misconception="http-api-has-rest-features",
    ),
    _rule(
        "stage.cache-size",
        "error",
        _cache_size,
        summary="Cache sizes from the AWS list.",
        source="[BOTO-V1] CacheClusterSize",
        topic="caching",
        api_types=REST,
    ),
    _rule(
        "stage.cache-ttl",
        "error",
        _cache_ttl,
        summary="Cache TTL 0-3600 s.",
        source="[Q-REST]; [DG] api-gateway-caching.md",
        topic="caching",
        api_types=REST,
    ),
    _cap(
        "stage.canary-rest-only",
        "features",
        {"canary": REST},
        "Canary releases exist only on REST API stages. On {a_api} API, shift traffic another way (for example "
        "Lambda alias weights) or use a REST API.",
        summary="Canary releases are REST only.",
        source="[CMP]",
        topic="canary",
        misconception="http-api-has-rest-features",
    ),
    _rule(
        "stage.canary-percent",
        "error",
        _canary_percent,
        summary="Canary traffic 0-100 %.",
        source="[DG] canary-release.md; [BOTO-V1] CanarySettings",
        topic="canary",
        api_types=REST,
    ),
    _cap(
        "stage.waf-rest-only",
        "features",
        {"waf": REST},
        "AWS WAF attaches only to REST API stages; {a_api} API can't use a web ACL. Remove it (or put CloudFront "
        "with WAF in front).",
        summary="AWS WAF is REST only.",
        source="[CMP]",
        topic="waf",
        misconception="http-api-has-rest-features",
    ),
    _cap(
        "stage.auto-deploy-not-rest",
        "features",
        {"auto_deploy": V2},
        "REST API stages have no automatic deployment: you deploy each change to a stage yourself. Clear "
        "auto-deploy and create a deployment.",
        summary="Automatic deployments are HTTP/WebSocket only.",
        source="[CMP]; [CDK-INTEG] (WebSocket, unofficial)",
        topic="deployments",
        misconception="rest-changes-live-on-save",
    ),
    _cap(
        "stage.no-execution-logs-http",
        "features",
        {"execution_logs": frozenset({"rest", "websocket"})},
        "HTTP APIs have no execution logging levels (only access logs); set the logging level to OFF.",
        summary="Execution logging is REST/WebSocket only.",
        source="[CMP]; [BOTO-V2] RouteSettings",
        topic="logging",
    ),
    _rule(
        "stage.throttle-values",
        "error",
        _throttle_values,
        summary="Throttle limits are non-negative.",
        source="[EXP-V2] (negative throttling)",
        topic="throttling",
    ),
    _rule(
        "stage.no-throttling",
        "warning",
        _no_throttling,
        summary="Each stage sets throttling.",
        source="best practice; [Q-ACCT] (account throttle shared by all APIs)",
        topic="throttling",
    ),
)

RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


def validate(design: Design | Mapping[str, Any]) -> list[Finding]:
    """All findings for a design, errors first, then warnings, then tips (table order within each).

    Accepts a ``Design`` or its dict form (raises ``DesignError`` for a malformed dict).
    """
    if not isinstance(design, Design):
        design = Design.from_dict(design)
    if design.api_type not in API_TYPES:
        raise DesignError(f"api_type must be one of {', '.join(API_TYPES)}; got {design.api_type!r}")
    ctx = Context(design)
    findings: list[Finding] = []
    for rule in RULES:
        if design.api_type not in rule.api_types:
            continue
        for hit in rule.check(ctx):
            findings.append(
                Finding(rule.id, rule.severity, hit.message, hit.location, hit.label, rule.lesson, rule.source, rule.misconception)
            )
    findings.sort(key=lambda f: SEVERITY_ORDER[f.severity])
    return findings


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


FEATURES = (
    "caching",
    "canary",
    "api_keys",
    "cors",
    "resource_policy",
    "request_validation",
    "waf",
    "auto_deploy",
    "execution_logs",
    "route_selection",
)
_UNIVERSE: dict[str, tuple[str, ...]] = {
    "endpoint_types": ENDPOINT_TYPES,
    "integration_kinds": INTEGRATION_KINDS,
    "authorization_types": AUTHORIZATION_TYPES,
    "authorizer_types": AUTHORIZER_TYPES,
    "features": FEATURES,
}
CORS_STYLE = {"rest": "options-methods", "http": "cors-configuration"}


@dataclass(frozen=True)
class FormOptions:
    """What the builder form offers for one API type (all derived from the capability rules)."""

    api_type: str
    endpoint_types: tuple[str, ...]
    integration_kinds: tuple[str, ...]
    authorization_types: tuple[str, ...]
    authorizer_types: tuple[str, ...]
    features: dict[str, bool] = field(default_factory=dict)
    cors_style: str | None = None
    default_endpoint_type: str = "REGIONAL"
    stage_name_pattern: str = r"^[A-Za-z0-9_-]{1,128}$"
    cache_sizes: tuple[str, ...] = ()
    timeout_ms_max: int = 29_000

    def to_dict(self) -> dict[str, Any]:
        return {
            "api_type": self.api_type,
            "endpoint_types": list(self.endpoint_types),
            "integration_kinds": list(self.integration_kinds),
            "authorization_types": list(self.authorization_types),
            "authorizer_types": list(self.authorizer_types),
            "features": dict(self.features),
            "cors_style": self.cors_style,
            "default_endpoint_type": self.default_endpoint_type,
            "stage_name_pattern": self.stage_name_pattern,
            "cache_sizes": list(self.cache_sizes),
            "timeout_ms_max": self.timeout_ms_max,
        }


@lru_cache(maxsize=None)
def _offered(group: str, api_type: str) -> tuple[str, ...]:
    refused = {
        value
        for rule in RULES
        if rule.capability is not None and rule.capability.group == group
        for value, types in rule.capability.allowed.items()
        if api_type not in types
    }
    return tuple(v for v in _UNIVERSE[group] if v not in refused)


def options_for(api_type: str) -> FormOptions:
    """What a form should offer for ``api_type``, read from the same capability rules ``validate`` runs."""
    if api_type not in API_TYPES:
        raise DesignError(f"api_type must be one of {', '.join(API_TYPES)}; got {api_type!r}")
    features = _offered("features", api_type)
    return FormOptions(
        api_type=api_type,
        endpoint_types=_offered("endpoint_types", api_type),
        integration_kinds=_offered("integration_kinds", api_type),
        authorization_types=_offered("authorization_types", api_type),
        authorizer_types=_offered("authorizer_types", api_type),
        features={f: f in features for f in FEATURES},
        cors_style=CORS_STYLE.get(api_type) if "cors" in features else None,
        default_endpoint_type="EDGE" if api_type == "rest" else "REGIONAL",
        stage_name_pattern=r"^(\$default|[A-Za-z0-9_-]{1,128})$" if api_type == "http" else r"^[A-Za-z0-9_-]{1,128}$",
        cache_sizes=CACHE_SIZES if "caching" in features else (),
        timeout_ms_max=TIMEOUT_DEFAULT_MAX_MS[api_type],
    )


def misconception_for(rule_id: str) -> str | None:
    """The correction text of a rule's misconception (for hints), or None."""
    slug = RULES_BY_ID[rule_id].misconception
    return MISCONCEPTIONS[slug].correction if slug else None
