"""What every topic module builds on: findings, the validation context, and how a rule is declared.

A topic module makes one ``Topic`` and declares each rule on it, next to its check::

    topic = Topic()

    @topic.rule("api.name-required", "error", summary="The API has a name.",
                source="https://docs.aws.amazon.com/...", lesson="api-types")
    def name_required(ctx: Context) -> Iterator[Hit]:
        if not ctx.design.name.strip():
            yield Hit("name", "API name", "The API has no name. ...")

A *capability* rule has no hand-written check: ``topic.capability(...)`` declares which API types may
use each value of an option group, and both the check and the builder form's choices are derived
from that declaration (see ``options.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, NamedTuple

from ..model import API_TYPES, Design, Route, Stage, split_route_key
from ..references import lesson as lesson_link

Severity = Literal["error", "warning", "tip"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "tip": 2}
ALL_TYPES = frozenset(API_TYPES)
REST = frozenset({"rest"})
HTTP = frozenset({"http"})
WS = frozenset({"websocket"})
V2 = frozenset({"http", "websocket"})
API_LABEL = {"rest": "REST", "http": "HTTP", "websocket": "WebSocket"}
A_API = {"rest": "a REST", "http": "an HTTP", "websocket": "a WebSocket"}
HTTP_ROUTE_SELECTION = "${request.method} ${request.path}"

OptionGroup = Literal["endpoint_types", "integration_kinds", "authorization_types", "authorizer_types", "features"]


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

    group: OptionGroup
    allowed: Mapping[str, frozenset[str]]


#: An AWS documentation URL, or one per API type when AWS documents the fact on a page per type.
Source = str | Mapping[str, str]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    source: Source
    lesson: str
    check: Callable[[Context], Iterable[Hit]]
    misconception: str | None = None
    capability: Capability | None = None
    api_types: frozenset[str] = ALL_TYPES  # types on which the rule can fire (for docs and tests)

    def source_for(self, api_type: str) -> str:
        """The page a finding on an API of ``api_type`` links to."""
        return self.source if isinstance(self.source, str) else self.source[api_type]


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
    #: (option group, API type) -> the values the rule table offers that type; ``validate`` passes the
    #: table's own, so a capability message can name the alternatives the form shows.
    offered: Callable[[str, str], tuple[str, ...]]

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


def route_field(pr: ParsedRoute, suffix: str = "", label: str = "") -> tuple[str, str]:
    """The location and label of a route (or one of its fields, ``suffix``) for a ``Hit``."""
    loc = f"routes[{pr.index}]" + (f".{suffix}" if suffix else "")
    text = route_label(pr.route, pr.index) + (f" › {label}" if label else "")
    return loc, text


def authorizer_label(name: str, index: int) -> str:
    return f"Authorizer {name!r}" if name else f"Authorizer #{index + 1}"


def stage_label(stage: Stage, index: int) -> str:
    return f"Stage {stage.name!r}" if stage.name else f"Stage #{index + 1}"


# --------------------------------------------------------------------------------------------------
# Capability rules: where each option group is used in a design
# --------------------------------------------------------------------------------------------------

#: The optional features a capability rule can restrict (the form shows or hides each one).
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
        yield a.type, f"authorizers[{i}].type", authorizer_label(a.name, i)


def _feature_uses(d: Design) -> Iterator[tuple[str, str, str]]:
    for i, s in enumerate(d.stages):
        label = stage_label(s, i)
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


def capability_check(capability: Capability, message: str | Mapping[str, str]) -> Callable[[Context], Iterator[Hit]]:
    """A check that reports every use of a value the API type may not use.

    ``message`` (one text, or one per API type that may be refused) is formatted with ``value`` (the
    offending value), ``api`` (REST/HTTP/WebSocket), ``a_api`` ("an HTTP"), ``allowed`` (the API types
    that do support it) and ``offered`` (what this API type offers instead).
    """

    def check(ctx: Context) -> Iterator[Hit]:
        for value, location, label in _USES[capability.group](ctx.design):
            types = capability.allowed.get(value)
            if types is not None and ctx.api not in types:
                allowed = " and ".join(API_LABEL[t] for t in API_TYPES if t in types)
                offered = ", ".join(ctx.offered(capability.group, ctx.api))
                template = message if isinstance(message, str) else message[ctx.api]
                text = template.format(
                    value=value, api=API_LABEL[ctx.api], a_api=A_API[ctx.api], allowed=allowed, offered=offered
                )
                yield Hit(location, label, text)

    return check


# --------------------------------------------------------------------------------------------------
# Declaring rules
# --------------------------------------------------------------------------------------------------


class Topic:
    """The rules of one topic module, in the order they are declared (which is the table's order)."""

    def __init__(self) -> None:
        self.rules: list[Rule] = []

    def rule(
        self,
        rule_id: str,
        severity: Severity,
        *,
        summary: str,
        source: Source,
        lesson: str,
        misconception: str | None = None,
        api_types: frozenset[str] = ALL_TYPES,
    ) -> Callable[[Callable[[Context], Iterable[Hit]]], Callable[[Context], Iterable[Hit]]]:
        """Declare a rule on the check it decorates; ``lesson`` is a topic of ``references.LESSONS``."""

        def declare(check: Callable[[Context], Iterable[Hit]]) -> Callable[[Context], Iterable[Hit]]:
            self.rules.append(
                Rule(rule_id, severity, summary, source, lesson_link(lesson), check, misconception, None, api_types)
            )
            return check

        return declare

    def capability(
        self,
        rule_id: str,
        group: OptionGroup,
        allowed: Mapping[str, frozenset[str]],
        message: str | Mapping[str, str],
        *,
        summary: str,
        source: Source,
        lesson: str,
        misconception: str | None = None,
    ) -> Rule:
        """Declare an error rule that allows each listed value of ``group`` only on the given API types."""
        capability = Capability(group, allowed)
        forbidden_somewhere = frozenset().union(*(ALL_TYPES - types for types in allowed.values()))
        rule = Rule(
            rule_id,
            "error",
            summary,
            source,
            lesson_link(lesson),
            capability_check(capability, message),
            misconception,
            capability,
            forbidden_somewhere,
        )
        self.rules.append(rule)
        return rule
