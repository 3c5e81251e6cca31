"""A small declarative language for lab objectives, and its evaluation against a design.

An objective is a mapping written in a scenario file::

    {"id": "jwt", "text": "POST /orders needs a valid JWT", "check": "route",
     "method": "POST", "path": "/orders", "integration": "lambda_proxy", "authorization": "JWT"}

``check`` names one entry of ``CHECKS``; the other keys are that check's parameters, typed and validated
when the objective is *loaded* (an unknown check, an unknown or mistyped parameter fails the scenario
file, not the learner).  Two keys are common to all checks: ``hint`` (the author's own hint for a miss)
and ``misconception`` (a slug whose wording is added to the hint).

A failed objective comes back with a hint that names the likely mistake, in the misconception list's own
words where one applies (CONTENT.md: "A failed objective tells the learner which objective and the
likely mistake").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .model import (
    API_TYPES,
    AUTHORIZATION_TYPES,
    AUTHORIZER_TYPES,
    ENDPOINT_TYPES,
    INTEGRATION_KINDS,
    Design,
)
from .references import MISCONCEPTIONS
from .resolved import ResolvedApi, ResolvedRoute, ResolvedStage, resolve
from .rules import RULES_BY_ID, Finding, validate


class ObjectiveError(ValueError):
    """An objective is malformed (unknown check, bad parameter); the message names which and why."""


@dataclass(frozen=True)
class Objective:
    id: str
    text: str
    check: str
    params: Mapping[str, Any] = field(default_factory=dict)
    hint: str = ""
    misconception: str = ""


@dataclass(frozen=True)
class ObjectiveResult:
    id: str
    text: str
    met: bool
    hint: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "met": self.met, "hint": self.hint}


def misconception_hint(slug: str) -> str:
    m = MISCONCEPTIONS[slug]
    return f"Likely mistake: “{m.statement}” In fact: {m.correction}"


# --------------------------------------------------------------------------------------------------
# Parameter types: each returns the cleaned value or raises ObjectiveError (with the parameter name)
# --------------------------------------------------------------------------------------------------

Param = Callable[[str, Any], Any]


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ObjectiveError(f"'{name}' must be non-empty text")
    return value


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ObjectiveError(f"'{name}' must be true or false")
    return value


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ObjectiveError(f"'{name}' must be a number")
    return float(value)


def _texts(name: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ObjectiveError(f"'{name}' must be a non-empty list of text")
    return list(value)


def _range(name: str, value: Any) -> tuple[float, float]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        or value[0] > value[1]
    ):
        raise ObjectiveError(f"'{name}' must be a [low, high] pair of numbers with low <= high")
    return float(value[0]), float(value[1])


def _one_of(choices: Iterable[str]) -> Param:
    allowed = tuple(choices)

    def check(name: str, value: Any) -> str:
        if value not in allowed:
            raise ObjectiveError(f"'{name}' must be one of {', '.join(allowed)}; got {value!r}")
        return value

    return check


def _all_of(choices: Iterable[str]) -> Param:
    allowed = tuple(choices)

    def check(name: str, value: Any) -> list[str]:
        items = _texts(name, value)
        bad = [v for v in items if v not in allowed]
        if bad:
            raise ObjectiveError(f"'{name}' has unknown value(s) {bad}; allowed: {', '.join(allowed)}")
        return items

    return check


def _whole(low: int, high: int) -> Param:
    def check(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ObjectiveError(f"'{name}' must be a whole number from {low} to {high}")
        return value

    return check


def _rate(name: str, value: Any) -> float:
    number = _number(name, value)
    if not 0 < number <= 10_000:
        raise ObjectiveError(f"'{name}' must be a number of requests per second above 0 (at most 10000)")
    return number


def _pairs(name: str, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and k and isinstance(v, str) for k, v in value.items()):
        raise ObjectiveError(f"'{name}' must be a mapping of names to text values")
    return dict(value)


def _any_text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ObjectiveError(f"'{name}' must be text")
    return value


def _design_objective(name: str, value: Any) -> Objective:
    """A nested design-only objective (its own check and parameters), read against a deployment's snapshot."""
    if not isinstance(value, Mapping):
        raise ObjectiveError(f"'{name}' must be a mapping with a check and its parameters")
    nested = load_objective({"id": name, "text": name, **value}, name)
    if CHECKS[nested.check].needs_sandbox:
        raise ObjectiveError(f"'{name}' must be a check on the design, not {nested.check!r}")
    return nested


def _rule_ids(name: str, value: Any) -> list[str]:
    return _all_of(RULES_BY_ID)(name, value)


# --------------------------------------------------------------------------------------------------
# Evaluation context and the checks
# --------------------------------------------------------------------------------------------------


@dataclass
class _Ctx:
    """What the checks read: the resolved API, and the rule findings on the design as written."""

    design: ResolvedApi
    source: Design
    given_findings: list[Finding] | None = None
    #: builder steps the learner has not saved yet: what they hold was not chosen by the learner
    untouched: frozenset[str] = frozenset()
    #: the learner's sandbox (deployments, stages, execution log), for the checks over what is deployed
    sandbox: SandboxView | None = None

    @cached_property
    def findings(self) -> list[Finding]:
        return self.given_findings if self.given_findings is not None else validate(self.source)


Outcome = tuple[bool, str]
_MET: Outcome = (True, "")


def _norm_path(path: str) -> str:
    """Path parameters match whatever they are called: /orders/{orderId} == /orders/{id}."""
    return re.sub(r"\{[^{}/]*?(\+?)\}", r"{\1}", path.rstrip("/") or "/")


_NOT_CHOSEN = "Nothing is chosen for you: pick it yourself in the {step} step."


def _check_api_type(ctx: _Ctx, p: Mapping[str, Any]) -> Outcome:
    if "api" in ctx.untouched:
        return False, "Choose the API type in the first step: " + _NOT_CHOSEN.format(step="API")
    want, have = p["equals"], ctx.design.api_type
    if have == want:
        return _MET
    hint = f"The design is a {have.upper() if have != 'websocket' else 'WebSocket'} API; this objective needs a " \
           f"{want.upper() if want != 'websocket' else 'WebSocket'} API. Change the API type in the first step."
    if want == "rest" and ctx.design.endpoint_type == "PRIVATE":
        hint += " " + misconception_hint("private-not-rest-only")
    return False, hint


def _check_endpoint_type(ctx: _Ctx, p: Mapping[str, Any]) -> Outcome:
    if "endpoint" in ctx.untouched:
        return False, "Choose the endpoint type: " + _NOT_CHOSEN.format(step="Endpoint")
    d = ctx.design
    wanted = [p["equals"]] if "equals" in p else list(p["in"])
    have = d.endpoint_type
    if have in wanted and len(d.endpoint_types) <= 1:
        return _MET
    hint = f"The endpoint type is {have}; this objective needs {' or '.join(wanted)}."
    if "PRIVATE" in wanted and d.api_type != "rest":
        hint += " " + misconception_hint("private-not-rest-only")
    elif "REGIONAL" in wanted and have == "EDGE":
        hint += " " + misconception_hint("edge-always-fastest")
    return False, hint


def _route_matches(route: ResolvedRoute, p: Mapping[str, Any]) -> bool:
    if "key" in p:
        return route.key == p["key"]
    method, path = route.method, route.path
    if "method" in p and method != p["method"]:
        return False
    return "path" not in p or _norm_path(path) == _norm_path(p["path"])


def _route_differences(ctx: _Ctx, route: ResolvedRoute, p: Mapping[str, Any]) -> list[str]:
    """What about this route doesn't match the objective, in plain words (empty = it matches)."""
    integ = route.integration
    diffs: list[str] = []
    if "integration" in p and integ.kind != p["integration"]:
        diffs.append(f"its integration is {integ.kind or 'not chosen'}, not {p['integration']}")
    if "service" in p and (integ.kind != "aws" or integ.service.lower() != p["service"].lower()):
        diffs.append(f"it does not call the {p['service']} service directly")
    action = integ.service_target if integ.service_style == "action" else ""
    if "action" in p and action != p["action"]:
        diffs.append(f"its service action is {action or 'not set'}, not {p['action']}")
    if "authorization" in p and route.authorization != p["authorization"]:
        diffs.append(f"its authorization is {route.authorization}, not {p['authorization']}")
    if "authorizer_type" in p:
        a = ctx.design.authorizer_named(route.authorizer_name)
        if a is None or a.type != p["authorizer_type"]:
            diffs.append(f"it does not use a {p['authorizer_type']} authorizer")
    if "api_key_required" in p and route.api_key_required != p["api_key_required"]:
        diffs.append("it does not require an API key" if p["api_key_required"] else "it requires an API key")
    if "timeout_ms_max" in p:
        limit = int(p["timeout_ms_max"])
        if integ.timeout_ms is None or integ.timeout_ms > limit:
            diffs.append(f"its integration timeout is {integ.timeout_ms or 'the default maximum'} ms, above {limit} ms")
    if "scopes_include" in p:
        missing = [s for s in p["scopes_include"] if s not in route.scopes]
        if missing:
            diffs.append(f"it does not require the scope(s) {', '.join(missing)}")
    if "has_request_template" in p and integ.templates_given != p["has_request_template"]:
        diffs.append("it has no request mapping template" if p["has_request_template"] else "it has a mapping template")
    return diffs


def _route_label(p: Mapping[str, Any]) -> str:
    if "key" in p:
        return p["key"]
    return f"{p.get('method', 'a')} {p.get('path', 'route')}".strip()


def _check_route(ctx: _Ctx, p: Mapping[str, Any]) -> Outcome:
    candidates = [r for r in ctx.design.routes if _route_matches(r, p)]
    if not candidates:
        hint = f"There is no route {_route_label(p)} yet: add it in the Routes step."
        if ctx.design.api_type == "websocket" and "path" in p:
            hint += " " + misconception_hint("websocket-routes-by-path")
        return False, hint
    best_diffs, best = min(((_route_differences(ctx, r, p), r) for r in candidates), key=lambda pair: len(pair[0]))
    if not best_diffs:
        return _MET
    hint = f"Route {_route_label(p)} is there, but {'; '.join(best_diffs)}."
    want_kind = p.get("integration")
    if want_kind in ("lambda", "http") and best.integration.kind in ("lambda_proxy", "http_proxy") and p.get("has_request_template"):
        hint += " " + misconception_hint("proxy-allows-mapping-templates")
    elif want_kind == "aws" and best.integration.kind in ("lambda", "lambda_proxy"):
        hint += " API Gateway can call the service itself with an AWS service integration; no function is needed."
    if best.authorization == "AWS_IAM" and p.get("authorization", "AWS_IAM") != "AWS_IAM":
        hint += " " + misconception_hint("callers-must-sign-sigv4")
    slug = _route_misconception(ctx, best)
    if slug and MISCONCEPTIONS[slug].statement not in hint:
        hint += " " + misconception_hint(slug)
    return False, hint


def _route_misconception(ctx: _Ctx, route: ResolvedRoute) -> str | None:
    """The misconception behind a rule finding on this route, if any (e.g. a mock on an HTTP API)."""
    index = next(i for i, r in enumerate(ctx.design.routes) if r is route)
    prefix = f"routes[{index}]"
    return next(
        (f.misconception for f in ctx.findings if f.misconception and (f.location == prefix or f.location.startswith(prefix + "."))),
        None,
    )


_EMPTY = "The design has no routes yet; an empty API passes nothing. Add its routes in the Routes step."


def _check_no_errors(ctx: _Ctx, p: Mapping[str, Any]) -> Outcome:
    if not ctx.design.routes:
        return False, _EMPTY
    errors = [f for f in ctx.findings if f.severity == "error"]
    if not errors:
        return _MET
    first = errors[0]
    count = f"the {len(errors)} rule errors" if len(errors) > 1 else "the rule error"
    hint = f"Fix {count} first. {first.label}: {first.message}"
    if first.misconception:
        hint += " " + misconception_hint(first.misconception)
    return False, hint


def _check_no_findings(ctx: _Ctx, p: Mapping[str, Any]) -> Outcome:
    if not ctx.design.routes:
        return False, _EMPTY
    wanted = set(p["rule_ids"])
    hits = [f for f in ctx.findings if f.rule_id in wanted]
    if not hits:
        return _MET
    hint = f"{hits[0].label}: {hits[0].message}"
    if hits[0].misconception:
        hint += " " + misconception_hint(hits[0].misconception)
    return False, hint


def _check_cors(ctx: _Ctx, p: Mapping[str, Any]) -> Outcome:
    cors = ctx.design.cors
    if not p.get("configured", True):
        return _MET if cors is None else (False, "CORS is configured, but this objective needs it off.")
    if cors is None:
        hint = "CORS is not configured: add the web app's origin in the Security step."
        if ctx.design.api_type == "websocket":
            hint += " (WebSocket APIs have no CORS.)"
        return False, hint
    problems = []
    if "allow_credentials" in p and cors.allow_credentials != p["allow_credentials"]:
        problems.append("credentials are " + ("not allowed" if p["allow_credentials"] else "allowed"))
    if "allow_origins_include" in p:
        missing = [o for o in p["allow_origins_include"] if o not in cors.allow_origins]
        if missing:
            problems.append(f"the origin(s) {', '.join(missing)} are not allowed")
    if p.get("no_wildcard_origin") and (not cors.allow_origins or "*" in cors.allow_origins):
        problems.append("the allowed origin is '*' (any site)")
    if "max_age_min" in p and (cors.max_age is None or cors.max_age < p["max_age_min"]):
        problems.append(f"max age is below {int(p['max_age_min'])} seconds")
    return _MET if not problems else (False, "CORS is configured, but " + "; ".join(problems) + ".")


def _stage_problems(stage: ResolvedStage, p: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    if "canary_percent_between" in p:
        low, high = p["canary_percent_between"]
        if stage.canary is None:
            problems.append("it has no canary")
        elif not low <= stage.canary.percent_traffic <= high:
            problems.append(f"its canary takes {stage.canary.percent_traffic:g}% of traffic, not {low:g}-{high:g}%")
    if "has_canary" in p and (stage.canary is not None) != p["has_canary"]:
        problems.append("it has no canary" if p["has_canary"] else "it still has a canary")
    if "canary_overrides_include" in p:
        overrides = stage.canary.stage_variable_overrides if stage.canary else {}
        missing = [v for v in p["canary_overrides_include"] if v not in overrides]
        if missing:
            problems.append(f"its canary does not override {', '.join(missing)}")
    if "cache_enabled" in p and stage.cache_enabled != p["cache_enabled"]:
        problems.append("caching is " + ("off" if p["cache_enabled"] else "on"))
    if "throttled" in p and (stage.throttle_rate is not None and stage.throttle_burst is not None) != p["throttled"]:
        problems.append("it has no rate and burst limit" if p["throttled"] else "it is throttled")
    if "auto_deploy" in p and stage.auto_deploy != p["auto_deploy"]:
        problems.append("automatic deployment is " + ("off" if p["auto_deploy"] else "on"))
    if "variables_include" in p:
        missing = [v for v in p["variables_include"] if v not in stage.variables]
        if missing:
            problems.append(f"it has no stage variable(s) {', '.join(missing)}")
    return problems


def _check_stage(ctx: _Ctx, p: Mapping[str, Any]) -> Outcome:
    d = ctx.design
    stage = next((s for s in d.stages if s.name == p["name"]), None)
    if stage is None:
        hint = f"There is no stage named {p['name']!r}: add it in the Stages step."
        if d.api_type == "rest":
            hint += " " + misconception_hint("rest-changes-live-on-save")
        return False, hint
    problems = _stage_problems(stage, p)
    if not problems:
        return _MET
    hint = f"Stage {p['name']!r} is there, but {'; '.join(problems)}."
    if d.api_type != "rest" and ("canary_percent_between" in p or p.get("has_canary") or p.get("cache_enabled")):
        hint += " " + misconception_hint("http-api-has-rest-features")
    return False, hint


def _check_authorizer(ctx: _Ctx, p: Mapping[str, Any]) -> Outcome:
    d = ctx.design
    matches = [a for a in d.authorizers if a.type == p["type"] and ("name" in p and a.name == p["name"] or "name" not in p)]
    if matches:
        return _MET
    hint = f"There is no {p['type']} authorizer yet: add one in the Security step."
    if p["type"] == "JWT" and d.api_type != "http":
        hint += " JWT authorizers exist only on HTTP APIs."
    if p["type"] == "COGNITO_USER_POOLS" and d.api_type == "http":
        hint += " On an HTTP API, use a JWT authorizer with the user pool as issuer."
    return False, hint


def _check_resource_policy(ctx: _Ctx, p: Mapping[str, Any]) -> Outcome:
    policy = ctx.design.resource_policy
    if not p.get("present", True):
        return _MET if not policy else (False, "The API has a resource policy; this objective needs none.")
    if not policy:
        return False, "The API has no resource policy. " + misconception_hint("private-needs-no-policy")
    text = json.dumps(dict(policy))
    missing = [m for m in p.get("mentions", []) if m not in text]
    if missing:
        return False, f"The resource policy does not mention {', '.join(missing)}."
    return _MET


def _check_route_selection(ctx: _Ctx, p: Mapping[str, Any]) -> Outcome:
    have = ctx.source.route_selection_expression  # as written: AWS has no default to fall back on
    if have == p["equals"]:
        return _MET
    return False, f"The route selection expression is {have or 'empty'!s}, not {p['equals']}. " + misconception_hint(
        "websocket-routes-by-path"
    )


def _check_integration_kinds(ctx: _Ctx, p: Mapping[str, Any]) -> Outcome:
    kinds = [r.integration.kind for r in ctx.design.routes]
    missing = [k for k in p.get("include", []) if k not in kinds]
    present = sorted({k for k in kinds if k in p.get("exclude", [])})
    problems = []
    if missing:
        problems.append(f"no route uses the integration kind(s) {', '.join(missing)}")
    if present:
        problems.append(f"some routes still use {', '.join(present)} integrations")
    return _MET if not problems else (False, "The integrations don't fit yet: " + "; ".join(problems) + ".")


def _check_usage_plan(ctx: _Ctx, p: Mapping[str, Any]) -> Outcome:
    d = ctx.design
    plans = [u for u in d.usage_plans if "stage" not in p or p["stage"] in u.stages]
    if not plans:
        hint = "There is no usage plan" + (f" for stage {p['stage']!r}" if "stage" in p else "") + " yet."
        if d.api_type == "http":
            hint += " " + misconception_hint("http-api-has-rest-features")
        return False, hint
    for plan in plans:
        ok = (not p.get("throttled") or (plan.throttle_rate is not None and plan.throttle_burst is not None)) and (
            not p.get("quota") or plan.quota_limit is not None
        ) and (not p.get("has_keys") or bool(plan.api_keys))
        if ok:
            return _MET
    wanted = (("a throttle", "throttled"), ("a quota", "quota"), ("an API key", "has_keys"))
    return False, "A usage plan exists, but it lacks " + ", ".join(what for what, key in wanted if p.get(key)) + "."


# --------------------------------------------------------------------------------------------------
# Checks over the learner's sandbox: what a stage serves, what a replayed request answers, what the
# execution log saw. They read a copy of the stored sandbox and never store anything back.
# --------------------------------------------------------------------------------------------------

#: The steps of a request's trace, in API Gateway's order (the gateway's handlers write them).
TRACE_STEPS = ("stage", "request", "endpoint", "policy", "route", "cors-preflight", "authorization", "api-key",
               "throttling", "validation", "cache", "integration-request", "template", "integration",
               "integration-response", "method-response", "cors")
MAX_REPLAYS = 1000


@dataclass(frozen=True)
class ObservedCall:
    """One request in the execution log, as the traffic checks read it."""

    stage: str
    method: str
    path: str
    status: int
    arm: str = "base"
    deployment_id: str = ""
    step: str = "integration"  # the step that decided the answer
    body: str = ""


@dataclass(frozen=True)
class SandboxView:
    """The learner's sandbox as stored (``Sandbox.to_dict()``) and its execution log, newest call first."""

    state: Mapping[str, Any]
    calls: Sequence[ObservedCall] = ()

    def copy(self):
        """A fresh ``Sandbox`` from the stored state (a replay changes this copy only); None when the stored
        state can't be read (from another version, or damaged): the checks then ask for a new deployment."""
        from .gateway import Sandbox, SandboxError

        try:
            return Sandbox.from_dict(self.state)
        except (SandboxError, KeyError, TypeError, ValueError, AttributeError):
            return None

    def stage(self, name: str) -> Mapping[str, Any] | None:
        stages = self.state.get("stages") if isinstance(self.state, Mapping) else None
        if not isinstance(stages, list):
            return None
        return next((s for s in stages if isinstance(s, Mapping) and s.get("name") == name), None)

    def deployment_ids(self, name: str) -> set[str]:
        """The deployments a stage serves now (its own and its canary's): calls since it was last deployed."""
        stage = self.stage(name) or {}
        ids = {str(stage.get("deployment_id", ""))}
        if isinstance(stage.get("canary"), Mapping):
            ids.add(str(stage["canary"].get("deployment_id", "")))
        return ids - {""}


_UNDEPLOYED = "Nothing is deployed in your sandbox yet: open the sandbox and deploy the design, then try it."
_UNREADABLE = "Your sandbox could not be read (it was stored by another version of the site): deploy again."


def deciding_step(trace: Sequence[Any]) -> tuple[str, str]:
    """(step, detail) that decided an answer: the last step that refused it, else the integration."""
    for step in reversed(trace):
        decision = step.decision if hasattr(step, "decision") else step.get("decision", "")
        if decision[:3].isdigit() and int(decision[:3]) >= 400:
            return (step.step, step.detail) if hasattr(step, "step") else (step["step"], step.get("detail", ""))
    return "integration", ""


def _stage_missing(ctx: _Ctx, name: str) -> Outcome | None:
    stages = ctx.sandbox.state.get("stages") if ctx.sandbox is not None and isinstance(ctx.sandbox.state, Mapping) else None
    if not stages or not isinstance(stages, list):
        return False, _UNDEPLOYED
    if ctx.sandbox.stage(name) is None:
        deployed = ", ".join(str(s.get("name", "")) for s in stages if isinstance(s, Mapping))
        return False, f"Your sandbox has no stage {name!r} (it has {deployed}): add it in the Stages step and deploy."
    return None


def _check_deployed(ctx: _Ctx, p: Mapping[str, Any]) -> Outcome:
    missing = _stage_missing(ctx, p["stage"])
    if missing:
        return missing
    sb = ctx.sandbox.copy()
    if sb is None or p["stage"] not in sb.stages:
        return False, _UNREADABLE
    dep = sb.deployments.get(sb.stages[p["stage"]].deployment_id)
    if dep is None:
        return False, f"Stage {p['stage']!r} points at a deployment the sandbox no longer keeps: deploy again."
    if p.get("current") and dict(dep.design) != ctx.source.to_dict():
        return False, (f"Stage {p['stage']!r} still serves deployment {dep.id}, made before your latest changes: "
                       "saving the design changed nothing the callers see. Deploy it from the sandbox page. "
                       + misconception_hint("rest-changes-live-on-save"))
    nested = p.get("expect")
    if nested is not None:
        snapshot = _Ctx(dep.api, Design.from_dict(dep.design))
        met, hint = CHECKS[nested.check].run(snapshot, nested.params)
        if not met:
            return False, (f"In deployment {dep.id}, which stage {p['stage']!r} serves: {hint} "
                           "A fix in the design is live only once it is deployed.")
    return _MET


def _replay_request(sb, p: Mapping[str, Any], index: int, start: float):
    from .gateway import Request

    headers = dict(p.get("headers", {}))
    if p.get("sample_token"):
        headers["Authorization"] = sb.sample_token(stage=p["stage"])
    if "api_key" in p:
        headers["x-api-key"] = sb.api_keys().get(p["api_key"], "")
    if p.get("body") and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/json"
    extra = {"source_ip": p["source_ip"]} if "source_ip" in p else {}
    rate = p.get("rate") or 20.0
    return Request(p["method"], p["path"], stage=p["stage"], headers=headers, query=p.get("query", ""),
                   body=p.get("body", ""), source_vpce=p.get("source_vpce", ""), identity=p.get("identity", ""),
                   at_ms=start + index * 1000.0 / rate, seed=_replay_seed(index), **extra)


def _replay_seed(index: int) -> int:
    """The seed of a replay's n-th request: fixed (a replay is deterministic) and well mixed, so a canary's
    share among the replayed requests is a fair sample of its percentage."""
    return int(hashlib.sha256(f"replay:{index}".encode()).hexdigest()[:12], 16)


def _replay_problem(response, p: Mapping[str, Any]) -> str:
    """What about one replayed answer misses the objective (empty: nothing)."""
    step, detail = deciding_step(response.trace)
    said = f"it answered {response.status}, decided by the {step} step" + (f" ({detail})" if detail else "")
    if "status" in p and response.status != p["status"]:
        return f"{said}, not {p['status']}."
    if "decided_by" in p and step != p["decided_by"]:
        return f"{said}, not by the {p['decided_by']} step."
    missing = [t for t in p.get("body_contains", []) if t not in response.body]
    if missing:
        return f"its body ({response.body[:200]}) does not contain {', '.join(missing)}."
    present = [t for t in p.get("body_lacks", []) if t in response.body]
    if present:
        return f"its body still contains {', '.join(present)}."
    return ""


def _check_replay(ctx: _Ctx, p: Mapping[str, Any]) -> Outcome:
    missing = _stage_missing(ctx, p["stage"])
    if missing:
        return missing
    from .gateway import SandboxError

    sb = ctx.sandbox.copy()
    if sb is None:
        return False, _UNREADABLE
    start = sb.now_ms
    try:
        responses = [sb.invoke(_replay_request(sb, p, i, start)) for i in range(p.get("count", 1))]
    except SandboxError as exc:  # e.g. a sample token asked of a deployment without a JWT or Cognito authorizer
        return False, f"The request could not be made on your sandbox: {exc}"
    what = f"{p['method']} {p['path']} on stage {p['stage']}"
    for r in responses:
        problem = _replay_problem(r, p)
        if problem:
            return False, f"Replayed on a copy of your sandbox, {what}: {problem}"
    canary = [r for r in responses if r.arm == "canary"]
    if "canary_share_between" in p:
        low, high = p["canary_share_between"]
        share = 100.0 * len(canary) / len(responses)
        if not low <= share <= high:
            return False, (f"Of {len(responses)} requests {what} replayed on a copy of your sandbox, {len(canary)} "
                           f"({share:.0f} %) went to the canary, not {low:g}-{high:g} %. Is the canary deployed on "
                           "the stage with the share the brief asks for?")
    for r in canary:
        missing_text = [t for t in p.get("canary_body_contains", []) if t not in r.body]
        if missing_text:
            return False, (f"The canary answered {what} with {r.body[:200]}, without {', '.join(missing_text)}: it "
                           "serves the old version. Do its stage variable overrides point at the new one, and is "
                           "that deployed?")
    return _MET


def _check_traffic(ctx: _Ctx, p: Mapping[str, Any]) -> Outcome:
    missing = _stage_missing(ctx, p["stage"])
    if missing:
        return missing
    serving = ctx.sandbox.deployment_ids(p["stage"])
    seen = [c for c in ctx.sandbox.calls if c.stage == p["stage"] and c.deployment_id in serving
            and ("method" in p and c.method == p["method"] or "method" not in p)
            and ("path" in p and _norm_path(c.path) == _norm_path(p["path"]) or "path" not in p)]
    counted = [c for c in seen if ("status" not in p or c.status == p["status"])
               and all(t in c.body for t in p.get("body_contains", []))]
    want = p.get("min_calls", 1)
    what = " ".join(x for x in (p.get("method", ""), p.get("path", "")) if x) or "calls"
    answered = f" answering {p['status']}" if "status" in p else ""
    if p.get("body_contains"):
        answered += f" with {', '.join(p['body_contains'])} in the body"
    if len(counted) < want:
        others = f" ({len(seen) - len(counted)} others answered differently)" if len(seen) > len(counted) else ""
        return False, (f"Since stage {p['stage']!r} was last deployed, the execution log shows {len(counted)} "
                       f"{what}{answered} on it{others}; this objective needs at least {want}. Call the stage from "
                       "the sandbox's console or its invoke URL.")
    if "canary_share_between" in p:
        low, high = p["canary_share_between"]
        share = 100.0 * sum(c.arm == "canary" for c in counted) / len(counted)
        if not low <= share <= high:
            return False, (f"Of the {len(counted)} calls seen on stage {p['stage']!r} since its last deployment, "
                           f"{share:.0f} % went to the canary, not {low:g}-{high:g} %.")
    return _MET


@dataclass(frozen=True)
class CheckSpec:
    run: Callable[[_Ctx, Mapping[str, Any]], Outcome]
    params: Mapping[str, Param]
    required: frozenset[str] = frozenset()
    one_of: tuple[frozenset[str], ...] = ()  # groups of which exactly one parameter must be given
    #: reads the learner's sandbox (what is deployed, what the execution log saw), not only the design
    needs_sandbox: bool = False


CHECKS: dict[str, CheckSpec] = {
    "api_type": CheckSpec(_check_api_type, {"equals": _one_of(API_TYPES)}, frozenset({"equals"})),
    "endpoint_type": CheckSpec(
        _check_endpoint_type,
        {"equals": _one_of(ENDPOINT_TYPES), "in": _all_of(ENDPOINT_TYPES)},
        one_of=(frozenset({"equals", "in"}),),
    ),
    "route": CheckSpec(
        _check_route,
        {
            "key": _text,
            "method": _one_of(("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")),
            "path": _text,
            "integration": _one_of(INTEGRATION_KINDS),
            "service": _text,
            "action": _text,
            "authorization": _one_of(AUTHORIZATION_TYPES),
            "authorizer_type": _one_of(AUTHORIZER_TYPES),
            "api_key_required": _flag,
            "timeout_ms_max": _number,
            "scopes_include": _texts,
            "has_request_template": _flag,
        },
        one_of=(frozenset({"key", "path"}),),
    ),
    "no_errors": CheckSpec(_check_no_errors, {}),
    "no_findings": CheckSpec(_check_no_findings, {"rule_ids": _rule_ids}, frozenset({"rule_ids"})),
    "cors": CheckSpec(
        _check_cors,
        {
            "configured": _flag,
            "allow_credentials": _flag,
            "allow_origins_include": _texts,
            "no_wildcard_origin": _flag,
            "max_age_min": _number,
        },
    ),
    "stage": CheckSpec(
        _check_stage,
        {
            "name": _text,
            "canary_percent_between": _range,
            "has_canary": _flag,
            "canary_overrides_include": _texts,
            "cache_enabled": _flag,
            "throttled": _flag,
            "auto_deploy": _flag,
            "variables_include": _texts,
        },
        frozenset({"name"}),
    ),
    "authorizer": CheckSpec(_check_authorizer, {"type": _one_of(AUTHORIZER_TYPES), "name": _text}, frozenset({"type"})),
    "resource_policy": CheckSpec(_check_resource_policy, {"present": _flag, "mentions": _texts}),
    "route_selection_expression": CheckSpec(_check_route_selection, {"equals": _text}, frozenset({"equals"})),
    "integration_kinds": CheckSpec(
        _check_integration_kinds, {"include": _all_of(INTEGRATION_KINDS), "exclude": _all_of(INTEGRATION_KINDS)}
    ),
    "usage_plan": CheckSpec(_check_usage_plan, {"stage": _text, "throttled": _flag, "quota": _flag, "has_keys": _flag}),
    # --- over the sandbox: what is deployed and what the gateway answers (read only) ---------------
    "deployed": CheckSpec(_check_deployed, {"stage": _text, "current": _flag, "expect": _design_objective},
                          frozenset({"stage"}), needs_sandbox=True),
    "replay": CheckSpec(
        _check_replay,
        {
            "stage": _text,
            "method": _one_of(("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")),
            "path": _text,
            "query": _any_text,
            "headers": _pairs,
            "body": _any_text,
            "identity": _text,
            "source_ip": _text,
            "source_vpce": _text,
            "sample_token": _flag,
            "api_key": _text,
            "count": _whole(1, MAX_REPLAYS),
            "rate": _rate,
            "status": _whole(100, 599),
            "body_contains": _texts,
            "body_lacks": _texts,
            "decided_by": _one_of(TRACE_STEPS),
            "canary_share_between": _range,
            "canary_body_contains": _texts,
        },
        frozenset({"stage", "method", "path"}),
        needs_sandbox=True,
    ),
    "traffic": CheckSpec(
        _check_traffic,
        {
            "stage": _text,
            "method": _one_of(("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")),
            "path": _text,
            "status": _whole(100, 599),
            "body_contains": _texts,
            "min_calls": _whole(1, 50),
            "canary_share_between": _range,
        },
        frozenset({"stage"}),
        needs_sandbox=True,
    ),
}


def needs_sandbox(objectives: Iterable[Objective]) -> bool:
    """Whether any of these objectives reads the learner's sandbox (so the caller should pass it)."""
    return any(CHECKS[o.check].needs_sandbox for o in objectives)

_COMMON = frozenset({"id", "text", "check", "hint", "misconception"})


def load_objective(raw: Any, where: str = "objective") -> Objective:
    """Validate one objective mapping; ``ObjectiveError`` names ``where`` and the problem."""
    if isinstance(raw, Objective):
        return raw
    if not isinstance(raw, Mapping):
        raise ObjectiveError(f"{where}: must be a mapping")
    for key in ("id", "text", "check"):
        if not isinstance(raw.get(key), str) or not raw.get(key):
            raise ObjectiveError(f"{where}: '{key}' is required (non-empty text)")
    check = raw["check"]
    spec = CHECKS.get(check)
    if spec is None:
        raise ObjectiveError(f"{where} ({raw['id']}): unknown check {check!r}; known checks: {', '.join(sorted(CHECKS))}")
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _COMMON:
            continue
        if key not in spec.params:
            known = ", ".join(sorted(spec.params)) or "none"
            raise ObjectiveError(f"{where} ({raw['id']}): check {check!r} has no parameter {key!r} (its parameters: {known})")
        try:
            params[key] = spec.params[key](key, value)
        except ObjectiveError as exc:
            raise ObjectiveError(f"{where} ({raw['id']}): {exc}") from None
    missing = spec.required - params.keys()
    if missing:
        raise ObjectiveError(f"{where} ({raw['id']}): check {check!r} needs {', '.join(sorted(missing))}")
    for group in spec.one_of:
        given = group & params.keys()
        if len(given) != 1:
            raise ObjectiveError(f"{where} ({raw['id']}): check {check!r} needs exactly one of {', '.join(sorted(group))}")
    hint = raw.get("hint", "")
    if not isinstance(hint, str):
        raise ObjectiveError(f"{where} ({raw['id']}): 'hint' must be text")
    misconception = raw.get("misconception", "")
    if misconception and misconception not in MISCONCEPTIONS:
        raise ObjectiveError(f"{where} ({raw['id']}): unknown misconception {misconception!r}")
    return Objective(raw["id"], raw["text"], check, params, hint, misconception)


def load_objectives(raw: Any, where: str = "objectives") -> list[Objective]:
    """Validate a list of objectives (ids must be unique)."""
    if not isinstance(raw, Sequence) or isinstance(raw, (str, bytes)):
        raise ObjectiveError(f"{where}: must be a list")
    loaded = [load_objective(item, f"{where}[{i}]") for i, item in enumerate(raw)]
    seen: set[str] = set()
    for o in loaded:
        if o.id in seen:
            raise ObjectiveError(f"{where}: duplicate objective id {o.id!r}")
        seen.add(o.id)
    return loaded


def evaluate(design: Design | Mapping[str, Any], objectives: Iterable[Objective | Mapping[str, Any]], *,
             resolved: ResolvedApi | None = None, findings: list[Finding] | None = None,
             untouched_steps: Iterable[str] = (), sandbox: SandboxView | None = None) -> list[ObjectiveResult]:
    """Whether the design meets each objective, with a hint for each one it misses.

    The checks read the resolved API; rule-based checks read the findings. A caller that already
    has either (the builder, once per request) passes them in, so nothing is computed twice.
    ``untouched_steps`` names builder steps the learner has not saved: a default there (the API
    type a new design starts with) meets no objective. ``sandbox`` is the learner's sandbox as stored,
    with its execution log: the checks over deployments and traffic read a copy of it (nothing is stored
    back); without it they are not met and say to deploy.
    """
    if not isinstance(design, Design):
        design = Design.from_dict(design)
    loaded = load_objectives(list(objectives))
    ctx = _Ctx(resolved if resolved is not None else resolve(design), design, findings, frozenset(untouched_steps),
               sandbox)
    results = []
    for o in loaded:
        met, hint = CHECKS[o.check].run(ctx, o.params)
        if not met:
            if o.hint:
                hint = f"{o.hint} {hint}".strip()
            if o.misconception and MISCONCEPTIONS[o.misconception].statement not in hint:
                hint = f"{hint} {misconception_hint(o.misconception)}".strip()
        results.append(ObjectiveResult(o.id, o.text, met, "" if met else hint))
    return results
