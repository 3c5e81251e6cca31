"""Every rule in the table has a failing and a passing design (a rule without a case fails here)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, fields

import pytest

from labs.apigw.model import (
    API_TYPES,
    ApiKey,
    Authorizer,
    Canary,
    Cors,
    Design,
    Integration,
    IntegrationResponse,
    RequestValidator,
    Route,
    Stage,
    UsagePlan,
)
from labs.apigw.references import LESSON_SLUGS, LESSONS, MISCONCEPTIONS
from labs.apigw.rules import RULES, RULES_BY_ID, Finding, options_for, validate

from .factories import factory, lambda_arn

Mutation = Callable[[Design], None]
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]}


@dataclass(frozen=True)
class Case:
    api_type: str
    fail: Mutation
    ok: Mutation = lambda d: None  # noqa: E731 - a near miss that must not fire the rule


def _integ(d: Design, i: int = 0, **changes) -> None:
    for k, v in changes.items():
        setattr(d.routes[i].integration, k, v)


def _route(d: Design, key: str, kind: str = "lambda_proxy", **changes) -> Route:
    raw = factory.integration(kind)
    raw.pop("kind")
    integ = Integration(kind=kind, **raw)
    if d.api_type == "http" and kind == "lambda_proxy":
        integ.payload_format_version = "2.0"
    route = Route(key=key, integration=integ, **changes)
    d.routes.append(route)
    return route


def _set(obj: object, **changes) -> Mutation:
    def mutate(d: Design) -> None:
        target = obj(d) if callable(obj) else d
        for k, v in changes.items():
            setattr(target, k, v)

    return mutate


def _private_with_policy(d: Design) -> None:
    d.endpoint_types = ["PRIVATE"]
    d.resource_policy = POLICY
    d.clients = "vpc"


def _many(n: int, make: Callable[[int], object], attr: str) -> Mutation:
    def mutate(d: Design) -> None:
        setattr(d, attr, [make(i) for i in range(n)])

    return mutate


def _stage0(d: Design) -> Stage:
    return d.stages[0]


def _plan(d: Design, stage: str = "prod", key: str = "partner", **changes) -> None:
    d.api_keys = [ApiKey(name="partner")]
    d.usage_plans = [UsagePlan(name="basic", stages=[stage], api_keys=[key], **changes)]


def _http_routes(n: int) -> Mutation:
    def mutate(d: Design) -> None:
        d.routes = []
        for i in range(n):
            _route(d, f"GET /r{i}", authorization="AWS_IAM")

    return mutate


CASES: dict[str, Case] = {
    "api.name-required": Case("rest", _set(None, name="  "), _set(None, name="a")),
    "api.name-too-long": Case("http", _set(None, name="x" * 129), _set(None, name="x" * 128)),
    "api.name-metrics-limit": Case("rest", _set(None, name="x" * 256), _set(None, name="x" * 255)),
    "api.description-too-long": Case("http", _set(None, description="x" * 1025), _set(None, description="x" * 1024)),
    "design.unknown-value": Case(
        "rest", lambda d: setattr(d.routes[0], "authorization", "OAUTH"), lambda d: setattr(d.stages[0], "logging_level", "INFO")
    ),
    "tags.limits": Case("rest", _set(None, tags={"aws:team": "x"}), _set(None, tags={"team": "x" * 256, "k" * 128: "v"})),
    "endpoint.private-rest-only": Case("http", _set(None, endpoint_types=["PRIVATE"]), _set(None, endpoint_types=["REGIONAL"])),
    "endpoint.regional-only": Case("websocket", _set(None, endpoint_types=["EDGE"]), _set(None, endpoint_types=["REGIONAL"])),
    "endpoint.single-type": Case("rest", _set(None, endpoint_types=["REGIONAL", "EDGE"]), _set(None, endpoint_types=["EDGE"])),
    "endpoint.edge-same-region": Case(
        "rest", _set(None, endpoint_types=["EDGE"], clients="same-region"), _set(None, endpoint_types=["EDGE"], clients="global")
    ),
    "endpoint.vpc-clients-private": Case("rest", _set(None, clients="vpc"), _private_with_policy),
    "policy.rest-only": Case("http", _set(None, resource_policy=POLICY), _set(None, resource_policy=None)),
    "policy.private-needs-policy": Case("rest", _set(None, endpoint_types=["PRIVATE"]), _private_with_policy),
    "api.route-selection-websocket-only": Case(
        "http",
        _set(None, route_selection_expression="$request.body.action"),
        _set(None, route_selection_expression="${request.method} ${request.path}"),
    ),
    "websocket.route-selection-required": Case("websocket", _set(None, route_selection_expression=" "), _set(None, route_selection_expression="$request.body.type")),
    "websocket.route-selection-body": Case(
        "websocket",
        _set(None, route_selection_expression="$request.querystring.action"),
        _set(None, route_selection_expression="${request.body.action}"),
    ),
    "websocket.route-key-like-path": Case(
        "websocket", lambda d: setattr(d.routes[2], "key", "GET /messages"), lambda d: setattr(d.routes[2], "key", "getMessages")
    ),
    "route.count": Case("http", _http_routes(301), _http_routes(300)),
    "route.key-syntax": Case("rest", lambda d: setattr(d.routes[0], "key", "GET items"), lambda d: setattr(d.routes[0], "key", "GET /things")),
    "route.method": Case("rest", lambda d: setattr(d.routes[0], "key", "get /items"), lambda d: setattr(d.routes[0], "key", "HEAD /items")),
    "route.path-part-syntax": Case(
        "rest", lambda d: setattr(d.routes[0], "key", "GET /items/bad$part"), lambda d: setattr(d.routes[0], "key", "GET /items/v1.2_x-y:z")
    ),
    "route.path-param-whole-segment": Case(
        "rest", lambda d: setattr(d.routes[2], "key", "GET /items{id}"), lambda d: setattr(d.routes[2], "key", "GET /items/{id}/parts")
    ),
    "route.greedy-last": Case(
        "http", lambda d: _route(d, "GET /{proxy+}/x", authorization="AWS_IAM"), lambda d: _route(d, "GET /x/{proxy+}", authorization="AWS_IAM")
    ),
    "route.one-variable-child": Case(
        "rest",
        lambda d: _route(d, "GET /items/{name}/owner", authorization="AWS_IAM"),
        lambda d: _route(d, "GET /items/{id}/owner", authorization="AWS_IAM"),
    ),
    "route.reserved-path": Case("rest", lambda d: _route(d, "GET /ping"), lambda d: _route(d, "GET /health/ping")),
    "route.duplicate": Case("rest", lambda d: _route(d, "GET /items"), lambda d: _route(d, "HEAD /items")),
    "integration.http-api-no-mock": Case("http", lambda d: _integ(d, 0, kind="mock"), lambda d: _integ(d, 0, kind="lambda_proxy")),
    "integration.http-api-proxy-only": Case(
        "http",
        lambda d: _integ(d, 0, kind="http", uri="https://example.com", payload_format_version=""),
        lambda d: _integ(d, 0, kind="http_proxy", uri="https://example.com", payload_format_version=""),
    ),
    "integration.aws-proxy-http-only": Case(
        "rest",
        lambda d: _integ(d, 0, **{k: v for k, v in factory.integration("aws_proxy").items()}),
        lambda d: _integ(d, 0, **{k: v for k, v in factory.integration("aws").items()}),
    ),
    "integration.target-required": Case("rest", lambda d: _integ(d, 0, lambda_arn=""), lambda d: _integ(d, 0, kind="mock", lambda_arn="")),
    "integration.uri-format": Case(
        "rest",
        lambda d: _integ(d, 0, kind="http_proxy", uri="backend.example.com/items"),
        lambda d: _integ(d, 0, kind="http_proxy", uri="https://backend.example.com/${stageVariables.v}/items"),
    ),
    "integration.aws-needs-role": Case(
        "rest",
        lambda d: _integ(d, 0, **(factory.integration("aws") | {"role_arn": ""})),
        lambda d: _integ(d, 0, **factory.integration("aws")),
    ),
    "integration.subtype-known": Case(
        "http",
        lambda d: _integ(d, 1, **(factory.integration("aws_proxy") | {"subtype": "SNS-Publish", "payload_format_version": ""})),
        lambda d: _integ(d, 1, **(factory.integration("aws_proxy") | {"subtype": "SQS-SendMessage", "payload_format_version": ""})),
    ),
    "integration.lambda-post": Case("rest", lambda d: _integ(d, 0, http_method="GET"), lambda d: _integ(d, 0, http_method="POST")),
    "integration.timeout-range": Case("http", lambda d: _integ(d, 0, timeout_ms=30_001), lambda d: _integ(d, 0, timeout_ms=30_000)),
    "integration.timeout-quota": Case("rest", lambda d: _integ(d, 0, timeout_ms=29_001), lambda d: _integ(d, 0, timeout_ms=29_000)),
    "integration.lambda-no-retry": Case(
        "rest",
        lambda d: (setattr(d, "client_retries", False), _integ(d, 0, timeout_ms=None)),
        lambda d: (setattr(d, "client_retries", False), [_integ(d, i, timeout_ms=28_999) for i in range(len(d.routes))]),
    ),
    "integration.payload-format": Case(
        "http", lambda d: _integ(d, 0, payload_format_version=""), lambda d: _integ(d, 0, payload_format_version="1.0")
    ),
    "integration.proxy-no-templates": Case(
        "rest",
        lambda d: _integ(d, 0, request_templates={"application/json": "{}"}),
        lambda d: _integ(d, 0, kind="lambda", request_templates={"application/json": "{}"}),
    ),
    "integration.response-selection": Case(
        "rest",
        lambda d: _integ(d, 0, kind="mock", responses=[IntegrationResponse("4\\d{2}", "200")]),
        lambda d: _integ(d, 0, kind="mock", responses=[IntegrationResponse("4\\d{2}", "400"),
                                                      IntegrationResponse(".*not found.*", "404")]),
    ),
    "auth.type-by-api-type": Case(
        "http",
        lambda d: setattr(d.routes[0], "authorization", "COGNITO_USER_POOLS"),
        lambda d: setattr(d.routes[0], "authorization", "AWS_IAM"),
    ),
    "authorizer.type-by-api-type": Case(
        "http",
        lambda d: d.authorizers.append(Authorizer(name="tok", type="TOKEN", lambda_arn=lambda_arn("auth"))),
        lambda d: d.authorizers.append(Authorizer(name="req", type="REQUEST", lambda_arn=lambda_arn("auth"), payload_format_version="2.0")),
    ),
    "auth.authorizer-missing": Case("rest", lambda d: setattr(d.routes[2], "authorizer", "nope"), lambda d: setattr(d.routes[2], "authorizer", "users")),
    "auth.authorizer-type-match": Case(
        "rest",
        lambda d: (d.authorizers.append(Authorizer(name="tok", type="TOKEN", lambda_arn=lambda_arn("a"))), setattr(d.routes[2], "authorizer", "tok")),
        lambda d: (
            d.authorizers.append(Authorizer(name="tok", type="TOKEN", lambda_arn=lambda_arn("a"))),
            setattr(d.routes[2], "authorizer", "tok"),
            setattr(d.routes[2], "authorization", "CUSTOM"),
            setattr(d.routes[2], "scopes", []),
        ),
    ),
    "auth.websocket-connect-only": Case(
        "websocket", lambda d: setattr(d.routes[2], "authorization", "AWS_IAM"), lambda d: setattr(d.routes[0], "authorization", "AWS_IAM")
    ),
    "auth.scopes": Case("rest", lambda d: setattr(d.routes[1], "scopes", ["a"]), lambda d: setattr(d.routes[2], "scopes", ["a", "b"])),
    "authorizer.config-required": Case("http", lambda d: setattr(d.authorizers[0], "audience", []), lambda d: setattr(d.authorizers[0], "audience", ["x"] * 50)),
    "authorizer.ttl-range": Case(
        "rest",
        lambda d: d.authorizers.append(Authorizer(name="t", type="TOKEN", lambda_arn=lambda_arn("a"), ttl_seconds=3601)),
        lambda d: d.authorizers.append(Authorizer(name="t", type="TOKEN", lambda_arn=lambda_arn("a"), ttl_seconds=3600)),
    ),
    "authorizer.duplicate-name": Case(
        "rest",
        lambda d: d.authorizers.append(Authorizer(name="users", type="TOKEN", lambda_arn=lambda_arn("a"))),
        lambda d: d.authorizers.append(Authorizer(name="users2", type="TOKEN", lambda_arn=lambda_arn("a"))),
    ),
    "authorizer.count": Case(
        "rest",
        _many(11, lambda i: Authorizer(name=f"a{i}", type="TOKEN", lambda_arn=lambda_arn("a")), "authorizers"),
        _many(10, lambda i: Authorizer(name=f"a{i}", type="TOKEN", lambda_arn=lambda_arn("a")), "authorizers"),
    ),
    "security.write-route-open": Case("rest", lambda d: setattr(d.routes[1], "authorization", "NONE"), lambda d: _route(d, "OPTIONS /items")),
    "apikey.not-on-http": Case("http", lambda d: setattr(d.routes[0], "api_key_required", True), lambda d: setattr(d, "api_key_source", "")),
    "apikey.websocket-connect-only": Case(
        "websocket",
        lambda d: (setattr(d.routes[2], "api_key_required", True), _plan(d, "production", "partner")),
        lambda d: (setattr(d.routes[0], "api_key_required", True), _plan(d, "production", "partner")),
    ),
    "apikey.required-without-plan": Case(
        "rest", lambda d: setattr(d.routes[1], "api_key_required", True), lambda d: (setattr(d.routes[1], "api_key_required", True), _plan(d))
    ),
    "usageplan.refs": Case("rest", lambda d: _plan(d, stage="nope"), lambda d: _plan(d)),
    "usageplan.values": Case("rest", lambda d: _plan(d, throttle_rate=-1), lambda d: _plan(d, throttle_rate=0, quota_limit=0, quota_period="DAY")),
    "validator.rest-only": Case(
        "http", lambda d: d.request_validators.append(RequestValidator("all", True, True)), lambda d: setattr(d, "request_validators", [])
    ),
    "validator.unknown-ref": Case(
        "rest",
        lambda d: setattr(d.routes[1], "request_validator", "nope"),
        lambda d: (d.request_validators.append(RequestValidator("body", True)), setattr(d.routes[1], "request_validator", "body")),
    ),
    "cors.not-websocket": Case("websocket", _set(None, cors=Cors(allow_origins=["https://a.example"])), _set(None, cors=None)),
    "cors.credentials-wildcard": Case(
        "http",
        _set(None, cors=Cors(allow_origins=["*"], allow_credentials=True)),
        _set(None, cors=Cors(allow_origins=["https://a.example"], allow_credentials=True)),
    ),
    "cors.credentials-wildcard-rest": Case(
        "rest",
        _set(None, cors=Cors(allow_origins=[], allow_credentials=True)),
        _set(None, cors=Cors(allow_origins=["*"], allow_credentials=False)),
    ),
    "cors.max-age-range": Case("http", _set(None, cors=Cors(allow_origins=["https://a"], max_age=86_401)), _set(None, cors=Cors(allow_origins=["https://a"], max_age=-1))),
    "cors.rest-single-origin": Case(
        "rest",
        lambda d: (setattr(d, "cors", Cors(allow_origins=["https://a", "https://b"])), [_integ(d, i, kind="mock") for i in range(3)]),
        lambda d: (setattr(d, "cors", Cors(allow_origins=["https://a"])), [_integ(d, i, kind="mock") for i in range(3)]),
    ),
    "cors.rest-proxy-backend": Case(
        "rest",
        _set(None, cors=Cors(allow_origins=["https://a"])),
        lambda d: (setattr(d, "cors", Cors(allow_origins=["https://a"])), [_integ(d, i, kind="lambda") for i in range(3)]),
    ),
    "cors.http-authorized-catch-all": Case(
        "http",
        lambda d: (setattr(d, "cors", Cors(allow_origins=["https://a"])), _route(d, "$default", authorization="JWT", authorizer="jwt")),
        lambda d: (
            setattr(d, "cors", Cors(allow_origins=["https://a"])),
            _route(d, "$default", authorization="JWT", authorizer="jwt"),
            _route(d, "OPTIONS /{proxy+}"),
        ),
    ),
    "stage.none": Case("rest", _set(None, stages=[]), lambda d: None),
    "stage.deploy-needs-methods": Case("rest", _set(None, routes=[]), _set(None, routes=[], stages=[])),
    "stage.name-syntax": Case("websocket", _set(_stage0, name="$default"), _set(_stage0, name="prod_2-b")),
    "stage.duplicate-name": Case(
        "rest",
        lambda d: d.stages.append(Stage(name="prod", throttle_rate=1, throttle_burst=1)),
        lambda d: d.stages.append(Stage(name="dev", throttle_rate=1, throttle_burst=1)),
    ),
    "stage.count": Case(
        "rest",
        _many(11, lambda i: Stage(name=f"s{i}", throttle_rate=1, throttle_burst=1), "stages"),
        _many(10, lambda i: Stage(name=f"s{i}", throttle_rate=1, throttle_burst=1), "stages"),
    ),
    "stage.variable-name": Case("rest", _set(_stage0, variables={"bad-name": "x"}), _set(_stage0, variables={"good_Name1": "x"})),
    "stage.variable-value": Case("rest", _set(_stage0, variables={"v": "has space"}), _set(_stage0, variables={"v": "a-b.c~:/?#&=,"})),
    "stage.variable-count": Case(
        "rest", _set(_stage0, variables={f"v{i}": "x" for i in range(101)}), _set(_stage0, variables={f"v{i}": "x" for i in range(100)})
    ),
    "stage.cache-rest-only": Case("http", _set(_stage0, cache_enabled=True), _set(_stage0, cache_enabled=False)),
    "stage.cache-size": Case("rest", _set(_stage0, cache_enabled=True, cache_size="2.0"), _set(_stage0, cache_enabled=True, cache_size="237")),
    "stage.cache-ttl": Case("rest", _set(_stage0, cache_enabled=True, cache_ttl=3601), _set(_stage0, cache_enabled=True, cache_ttl=0)),
    "stage.canary-rest-only": Case("http", _set(_stage0, canary=Canary(percent_traffic=10)), _set(_stage0, canary=None)),
    "stage.canary-percent": Case("rest", _set(_stage0, canary=Canary(percent_traffic=100.5)), _set(_stage0, canary=Canary(percent_traffic=100))),
    "stage.waf-rest-only": Case("http", _set(_stage0, waf_web_acl_arn="arn:aws:wafv2:x"), _set(_stage0, waf_web_acl_arn="")),
    "stage.auto-deploy-not-rest": Case("rest", _set(_stage0, auto_deploy=True), _set(_stage0, auto_deploy=False)),
    "stage.no-execution-logs-http": Case("http", _set(_stage0, logging_level="INFO"), _set(_stage0, logging_level="OFF")),
    "stage.throttle-values": Case("rest", _set(_stage0, throttle_burst=-1), _set(_stage0, throttle_burst=0, throttle_rate=0)),
    "stage.no-throttling": Case("rest", _set(_stage0, throttle_rate=None, throttle_burst=None), _set(_stage0, throttle_rate=None, throttle_burst=5)),
}

RULE_IDS = [r.id for r in RULES]


def _fired(design: Design, rule_id: str) -> list[Finding]:
    return [f for f in validate(design) if f.rule_id == rule_id]


def test_every_rule_has_a_case():
    assert sorted(set(RULE_IDS) - set(CASES)) == [], "add a Case for each new rule"
    assert sorted(set(CASES) - set(RULE_IDS)) == [], "remove cases of deleted rules"


def test_rule_ids_are_unique_and_well_formed():
    assert len(RULE_IDS) == len(set(RULE_IDS))
    for rule_id in RULE_IDS:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.[a-z0-9]+(-[a-z0-9]+)*", rule_id), rule_id


@pytest.mark.parametrize("api_type", API_TYPES)
def test_valid_base_designs_have_no_findings(api_type):
    assert validate(factory.valid(api_type)) == []


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_fires_on_failing_design(rule_id):
    case = CASES[rule_id]
    design = factory.valid(case.api_type)
    case.fail(design)
    hits = _fired(design, rule_id)
    assert hits, f"{rule_id} did not fire"
    rule = RULES_BY_ID[rule_id]
    for f in hits:
        assert f.severity == rule.severity
        assert f.message and f.location and f.label and f.source == rule.source_for(design.api_type)
        assert f.lesson == rule.lesson
        assert _resolves(design, f.location), f.location


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_passes_on_near_miss(rule_id):
    case = CASES[rule_id]
    design = factory.valid(case.api_type)
    case.ok(design)
    assert _fired(design, rule_id) == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_metadata(rule):
    assert rule.severity in ("error", "warning", "tip")
    assert all(rule.source_for(t).strip() for t in rule.api_types)
    slug, _, anchor = rule.lesson.partition("#")
    assert slug in LESSON_SLUGS and anchor
    assert rule.misconception is None or rule.misconception in MISCONCEPTIONS
    assert rule.api_types <= set(API_TYPES) and rule.api_types


def test_lesson_links_point_at_known_lessons():
    for link in LESSONS.values():
        assert link.split("#")[0] in LESSON_SLUGS
    for m in MISCONCEPTIONS.values():
        assert m.lesson.split("#")[0] in LESSON_SLUGS


def _resolves(design: Design, location: str) -> bool:
    """A finding location is a real field path of the design (dict keys may follow a map field)."""
    obj: object = design
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", location):
        if token.startswith("["):
            if not isinstance(obj, list) or int(token[1:-1]) >= len(obj):
                return False
            obj = obj[int(token[1:-1])]
        elif isinstance(obj, dict):
            return True  # a key inside a map (tags, variables) - may contain dots
        elif hasattr(obj, "__dataclass_fields__") and token in {f.name for f in fields(obj)}:
            obj = getattr(obj, token)
        else:
            return False
    return True


# ---- specific behaviour worth pinning down --------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "kind", "timeout", "rule_ids"),
    [
        ("EDGE", "lambda", 29_001, {"integration.timeout-range"}),  # buffered: edge can't raise 29 s
        ("EDGE", "lambda_proxy", 29_001, {"integration.timeout-quota"}),  # only if the response streams
        ("EDGE", "lambda_proxy", 900_001, {"integration.timeout-range"}),  # streaming stops at 15 minutes
        ("EDGE", "lambda_proxy", 29_000, set()),
        ("REGIONAL", "lambda_proxy", 60_000, {"integration.timeout-quota"}),
        ("PRIVATE", "lambda_proxy", 300_000, {"integration.timeout-quota"}),
        ("REGIONAL", "lambda_proxy", 300_001, {"integration.timeout-quota"}),  # AWS documents no ceiling
        ("REGIONAL", "lambda", 300_001, {"integration.timeout-quota"}),
        ("REGIONAL", "lambda_proxy", 49, {"integration.timeout-range"}),
    ],
)
def test_rest_timeouts_by_endpoint_type(endpoint, kind, timeout, rule_ids):
    d = factory.valid("rest")
    d.endpoint_types = [endpoint]
    if endpoint == "PRIVATE":
        d.resource_policy = POLICY
    d.routes[0].integration = Integration(**factory.integration(kind, timeout_ms=timeout))
    fired = {f.rule_id for f in validate(d) if f.rule_id.startswith("integration.timeout")}
    assert fired == rule_ids


def test_websocket_timeout_is_29_seconds():
    d = factory.valid("websocket")
    d.routes[2].integration.timeout_ms = 29_001
    [f] = _fired(d, "integration.timeout-range")
    assert "29000 ms" in f.message and f.misconception == "timeout-always-raisable"


@pytest.mark.parametrize(
    ("api_type", "key", "ok"),
    [("http", "$default", True), ("rest", "$default", False), ("websocket", "$custom", False), ("websocket", "$connect", True),
     ("http", "GET  /x", False), ("rest", "GET /", True)],
)
def test_route_key_syntax_per_type(api_type, key, ok):
    d = factory.valid(api_type)
    d.routes[-1].key = key
    assert bool(_fired(d, "route.key-syntax")) is not ok


@pytest.mark.parametrize(("api_type", "name", "ok"), [("http", "$default", True), ("rest", "$default", False), ("rest", "bad name", False), ("rest", "x" * 129, False)])
def test_stage_names_per_type(api_type, name, ok):
    d = factory.valid(api_type)
    d.stages[0].name = name
    assert bool(_fired(d, "stage.name-syntax")) is not ok


@pytest.mark.parametrize(("api_type", "version", "ok"), [("rest", "2.0", False), ("websocket", "2.0", False), ("websocket", "1.0", True), ("http", "3.0", False)])
def test_payload_format_versions(api_type, version, ok):
    d = factory.valid(api_type)
    d.routes[-1].integration.payload_format_version = version
    assert bool(_fired(d, "integration.payload-format")) is not ok


def test_rest_resource_count_counts_path_prefixes():
    d = factory.valid("rest")
    d.routes = [Route(key=f"GET /a{i}/b", integration=Integration(kind="mock")) for i in range(150)]
    assert _fired(d, "route.count") == []  # 300 resources
    d.routes.append(Route(key="GET /z", integration=Integration(kind="mock")))
    assert _fired(d, "route.count")


def test_greedy_sibling_of_variable_is_rejected_on_rest():
    d = factory.valid("rest")
    d.routes.append(Route(key="GET /items/{proxy+}", integration=Integration(kind="mock")))
    [f] = _fired(d, "route.one-variable-child")
    assert "{id}" in f.message


def test_misconceptions_are_named_on_findings():
    d = factory.valid("http")
    d.stages[0].canary = Canary(percent_traffic=5)
    d.endpoint_types = ["PRIVATE"]
    by_rule = {f.rule_id: f.misconception for f in validate(d)}
    assert by_rule["stage.canary-rest-only"] == "http-api-has-rest-features"
    assert by_rule["endpoint.private-rest-only"] == "private-not-rest-only"


def test_findings_are_sorted_by_severity():
    d = factory.valid("rest")
    d.name = ""
    d.stages[0].throttle_rate = d.stages[0].throttle_burst = None
    d.clients = "vpc"
    severities = [f.severity for f in validate(d)]
    assert severities == sorted(severities, key=["error", "warning", "tip"].index)
    assert severities[0] == "error" and severities[-1] == "tip"


def test_validate_accepts_a_dict():
    assert validate(factory.valid_dict("http")) == []


def test_finding_to_dict_is_plain():
    d = factory.valid("rest")
    d.name = ""
    [f] = validate(d)
    assert f.to_dict()["rule_id"] == "api.name-required" and f.to_dict()["location"] == "name"


# ---- options_for: the form offers exactly what the rules accept ----------------------------------


@pytest.mark.parametrize("api_type", API_TYPES)
def test_options_match_capability_rules(api_type):
    from labs.apigw.model import AUTHORIZATION_TYPES, AUTHORIZER_TYPES, ENDPOINT_TYPES, INTEGRATION_KINDS

    opts = options_for(api_type)
    cap_rules = {r.id for r in RULES if r.capability is not None}

    def capability_hits(d: Design) -> set[str]:
        return {f.rule_id for f in validate(d)} & cap_rules

    for kind in INTEGRATION_KINDS:
        d = factory.valid(api_type)
        d.routes[0].integration = Integration(**{k: v for k, v in factory.integration(kind).items()})
        assert (capability_hits(d) == set()) is (kind in opts.integration_kinds), kind
    for endpoint in ENDPOINT_TYPES:
        d = factory.valid(api_type)
        d.endpoint_types = [endpoint]
        assert (capability_hits(d) == set()) is (endpoint in opts.endpoint_types), endpoint
    for auth in AUTHORIZATION_TYPES:
        d = factory.valid(api_type)
        d.routes[0].authorization = auth
        assert (capability_hits(d) == set()) is (auth in opts.authorization_types), auth
    for kind in AUTHORIZER_TYPES:
        d = factory.valid(api_type)
        d.authorizers.append(Authorizer(name="x", type=kind))
        assert (capability_hits(d) == set()) is (kind in opts.authorizer_types), kind


def test_options_for_each_type():
    rest, http, ws = (options_for(t) for t in API_TYPES)
    assert rest.endpoint_types == ("EDGE", "REGIONAL", "PRIVATE") and http.endpoint_types == ("REGIONAL",)
    assert "mock" not in http.integration_kinds and "mock" in ws.integration_kinds
    assert http.authorizer_types == ("REQUEST", "JWT") and ws.authorizer_types == ("REQUEST",)
    assert rest.features["caching"] and not http.features["caching"] and not ws.features["canary"]
    assert ws.features["api_keys"] and not http.features["api_keys"]
    assert (rest.cors_style, http.cors_style, ws.cors_style) == ("options-methods", "cors-configuration", None)
    assert http.stage_name_pattern.startswith("^(\\$default")
    assert rest.to_dict()["features"]["waf"] is True


def test_options_for_unknown_type():
    from labs.apigw.model import DesignError

    with pytest.raises(DesignError, match="api_type"):
        options_for("soap")


# ---- speed ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("api_type", API_TYPES)
def test_300_routes_validate_quickly(api_type):
    d = factory.many_routes(api_type, 300)
    validate(d)
    start = time.perf_counter()
    for _ in range(5):
        assert not [f for f in validate(d) if f.severity == "error"]
    per_run = (time.perf_counter() - start) / 5
    assert per_run < 0.05, f"validate took {per_run * 1000:.1f} ms for 300 routes"


def test_open_default_route_on_http_is_a_write_route():
    d = factory.valid("http")
    _route(d, "$default", kind="http_proxy")
    [f] = _fired(d, "security.write-route-open")
    assert f.location == "routes[2].authorization"
