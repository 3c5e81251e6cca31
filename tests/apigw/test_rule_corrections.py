"""Issue 14: validator corrections checked against AWS's documentation (each rule's ``source``).

Every test here failed before its correction; the AWS page behind each one is the rule's source.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

from labs.apigw import rules as rules_package
from labs.apigw.model import API_TYPES, Authorizer, Design, Integration, RequestValidator, Route, Stage
from labs.apigw.rules import RULES, RULES_BY_ID, TOPICS, has_errors, validate

from .factories import factory, lambda_arn

POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]}
AWS_DOC = re.compile(r"https://(docs\.aws\.amazon\.com|aws\.amazon\.com)/\S+")


def _fired(design: Design, rule_id: str):
    return [f for f in validate(design) if f.rule_id == rule_id]


def _rest(endpoint: str = "REGIONAL") -> Design:
    d = factory.valid("rest")
    d.endpoint_types = [endpoint]
    if endpoint == "PRIVATE":
        d.resource_policy = POLICY
    return d


# ---- route.path-part-syntax: AWS allows letters, digits, _ - . , : in a REST path part ---------------


@pytest.mark.parametrize("key", ["GET /items/a,b", "GET /events:batch", "GET /v1.2_x-y,z:w", "GET /items/{id}/x,y"])
def test_commas_and_colons_are_allowed_in_rest_path_parts(key):
    d = factory.valid("rest")
    d.routes[0].key = key
    assert _fired(d, "route.path-part-syntax") == []


@pytest.mark.parametrize(("part", "bad"), [("bad$part", "'$'"), ("a*b", "'*'"), ("x@y!", "'@', '!'")])
def test_a_rejected_path_part_is_quoted_with_its_bad_characters(part, bad):
    d = factory.valid("rest")
    d.routes[0].key = f"GET /items/{part}"
    [f] = _fired(d, "route.path-part-syntax")
    assert repr(part) in f.message and bad in f.message
    assert "','" in f.message and "':'" in f.message  # the allowed set is stated as AWS states it


# ---- quotas AWS lets you raise are warnings naming the quota ---------------------------------------


def _http_routes(n: int) -> Design:
    d = factory.valid("http")
    d.routes = [Route(key=f"GET /r{i}", integration=Integration(kind="http_proxy", uri="https://b.example.com", timeout_ms=5000),
                      authorization="AWS_IAM") for i in range(n)]
    return d


@pytest.mark.parametrize("api_type", ["http", "websocket"])
def test_more_than_300_routes_is_a_raisable_quota(api_type):
    d = factory.many_routes(api_type, 301)
    [f] = _fired(d, "route.count")
    assert f.severity == "warning" and not has_errors(validate(d))
    assert "'Routes per API'" in f.message and "Service Quotas" in f.message and "301" in f.message
    assert "at most 300" not in f.message


def test_more_than_300_rest_resources_is_a_raisable_quota():
    d = factory.valid("rest")
    d.routes = [Route(key=f"GET /a{i}", integration=Integration(kind="mock")) for i in range(301)]
    [f] = _fired(d, "route.count")
    assert f.severity == "warning" and "'Resources per API'" in f.message and "Service Quotas" in f.message


@pytest.mark.parametrize("api_type", API_TYPES)
def test_more_than_10_stages_is_a_raisable_quota(api_type):
    d = factory.valid(api_type)
    d.stages = [Stage(name=f"s{i}", throttle_rate=1, throttle_burst=1) for i in range(11)]
    [f] = _fired(d, "stage.count")
    assert f.severity == "warning" and "'Stages per API'" in f.message and "Service Quotas" in f.message and "11" in f.message


@pytest.mark.parametrize(("api_type", "quota"), [("rest", "Authorizers per API (AWS Lambda and Amazon Cognito)"),
                                                 ("http", "Authorizers per API"),
                                                 ("websocket", "AWS Lambda authorizers per API")])
def test_more_than_10_authorizers_is_a_raisable_quota(api_type, quota):
    d = factory.valid(api_type)
    d.authorizers += [Authorizer(name=f"a{i}", type="REQUEST", lambda_arn=lambda_arn("a"), payload_format_version="2.0",
                                 identity_sources=["$request.header.X"]) for i in range(10)]
    [f] = _fired(d, "authorizer.count")
    assert f.severity == "warning" and f"'{quota}'" in f.message and "AWS Support" in f.message


def test_quota_rules_are_warnings_in_the_table():
    assert {RULES_BY_ID[r].severity for r in ("route.count", "stage.count", "authorizer.count")} == {"warning"}


# ---- integration timeouts: no ceiling AWS does not document; streaming; the learner's value -----------


@pytest.mark.parametrize("endpoint", ["REGIONAL", "PRIVATE"])
@pytest.mark.parametrize("timeout", [29_001, 300_000, 300_001, 900_001, 5_000_000])
def test_regional_and_private_rest_timeouts_above_29_s_need_a_quota_increase_not_an_error(endpoint, timeout):
    d = _rest(endpoint)
    d.routes[0].integration.timeout_ms = timeout
    fired = [f for f in validate(d) if f.rule_id.startswith("integration.timeout")]
    assert [f.rule_id for f in fired] == ["integration.timeout-quota"]
    [f] = fired
    assert f"{timeout} ms" in f.message and "Service Quotas" in f.message
    assert "300 000" not in f.message and ("300000" not in f.message or timeout == 300_000)


@pytest.mark.parametrize("kind", ["lambda_proxy", "http_proxy", "private"])
def test_edge_rest_proxy_timeouts_up_to_15_minutes_are_accepted_for_streamed_responses(kind):
    d = _rest("EDGE")
    d.routes[0].integration = Integration(**factory.integration(kind, timeout_ms=600_000))
    fired = [f for f in validate(d) if f.rule_id.startswith("integration.timeout")]
    assert [(f.rule_id, f.severity) for f in fired] == [("integration.timeout-quota", "warning")]
    assert "600000 ms" in fired[0].message and "STREAM" in fired[0].message


def test_edge_rest_timeouts_beyond_what_aws_documents_are_errors_quoting_the_value():
    d = _rest("EDGE")
    d.routes[0].integration = Integration(**factory.integration("lambda", timeout_ms=40_000))  # custom: can't stream
    d.routes[1].integration.timeout_ms = 900_001  # proxy: streaming stops at 15 minutes
    by_route = {f.location: f for f in _fired(d, "integration.timeout-range")}
    assert set(by_route) == {"routes[0].integration.timeout_ms", "routes[1].integration.timeout_ms"}
    assert "40000 ms" in by_route["routes[0].integration.timeout_ms"].message
    assert "900001 ms" in by_route["routes[1].integration.timeout_ms"].message


@pytest.mark.parametrize(("api_type", "timeout", "limit"), [("http", 40_000, "30000 ms"), ("websocket", 29_001, "29000 ms")])
def test_http_and_websocket_timeouts_are_fixed_and_quoted(api_type, timeout, limit):
    d = factory.valid(api_type)
    d.routes[1].integration.timeout_ms = timeout  # a Lambda proxy route (mock integrations have no timeout)
    [f] = _fired(d, "integration.timeout-range")
    assert f"{timeout} ms" in f.message and limit in f.message and f.severity == "error"


def test_too_short_timeouts_quote_the_value():
    d = _rest()
    d.routes[0].integration.timeout_ms = 49
    [f] = _fired(d, "integration.timeout-range")
    assert "49 ms" in f.message and "50 ms" in f.message


# ---- validator.rest-only: WebSocket APIs validate with route request models ------------------------


def test_websocket_request_validators_point_at_route_request_models():
    d = factory.valid("websocket")
    d.request_validators.append(RequestValidator("all", True, True))
    [f] = _fired(d, "validator.rest-only")
    assert "request model" in f.message and "model selection expression" in f.message
    assert "backend" not in f.message
    assert f.source.endswith("websocket-api-request-validation.html")


def test_http_request_validators_still_say_validate_in_the_backend():
    d = factory.valid("http")
    d.request_validators.append(RequestValidator("all", True, True))
    [f] = _fired(d, "validator.rest-only")
    assert "backend" in f.message and "request model" not in f.message


# ---- API names: 1-128 for HTTP/WebSocket; REST has no maximum, only the 255-character metrics limit ---


@pytest.mark.parametrize("length", [129, 255])
def test_long_rest_names_are_not_errors(length):
    d = factory.valid("rest")
    d.name = "x" * length
    assert [f for f in validate(d) if f.rule_id.startswith("api.name")] == []


def test_rest_names_past_the_cloudwatch_dimension_limit_warn():
    d = factory.valid("rest")
    d.name = "x" * 256
    [f] = _fired(d, "api.name-metrics-limit")
    assert f.severity == "warning" and "256" in f.message and "255" in f.message


@pytest.mark.parametrize("api_type", ["http", "websocket"])
def test_v2_names_stop_at_128(api_type):
    d = factory.valid(api_type)
    d.name = "x" * 129
    [f] = _fired(d, "api.name-too-long")
    assert f.severity == "error" and "129" in f.message and "128" in f.message


def test_rest_descriptions_have_no_documented_maximum():
    d = factory.valid("rest")
    d.description = "x" * 2000
    assert _fired(d, "api.description-too-long") == []


def test_empty_rest_name_does_not_quote_the_v2_length():
    d = factory.valid("rest")
    d.name = ""
    [f] = _fired(d, "api.name-required")
    assert "128" not in f.message


# ---- private endpoints are REST only ---------------------------------------------------------------


@pytest.mark.parametrize("api_type", ["http", "websocket"])
def test_a_private_http_or_websocket_design_is_an_error_with_aws_advice(api_type):
    [f] = _fired(Design(api_type=api_type, endpoint_types=["PRIVATE"]), "endpoint.private-rest-only")
    assert f.severity == "error"
    assert "REST API with a PRIVATE endpoint" in f.message and "resource policy" in f.message
    assert "VPC link" in f.message and "interface VPC endpoint" in f.message


# ---- messages quote the learner's values and name only controls the builder has ---------------------


def test_lambda_no_retry_quotes_the_learners_timeout():
    d = _rest()
    d.client_retries = False
    d.routes[0].integration.timeout_ms = 40_000
    [f] = _fired(d, "integration.lambda-no-retry")
    assert "40000 ms" in f.message and "29000" not in f.message


def test_lambda_no_retry_on_the_default_timeout_says_so():
    d = factory.valid("http")
    d.client_retries = False
    d.routes[0].integration.timeout_ms = None
    [f] = _fired(d, "integration.lambda-no-retry")
    assert "default" in f.message and "30000 ms" in f.message


def test_no_message_names_a_control_the_builder_lacks():
    """The builder has no 'clients retry' tick box and no service_path, uri or lambda_arn fields."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from apigw import test_rules as cases

    for rule_id, case in cases.CASES.items():
        design = factory.valid(case.api_type)
        case.fail(design)
        design.client_retries = False
        for f in validate(design):
            assert not re.search(r"\btick\b|'clients retry'|service_path|\buri \(|lambda_arn \(|user_pool_arns", f.message), (rule_id, f.message)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_sources_are_aws_documentation_pages(rule):
    sources = [rule.source] if isinstance(rule.source, str) else [rule.source[t] for t in sorted(rule.api_types)]
    for source in sources:
        assert AWS_DOC.fullmatch(source), (rule.id, source)


def test_every_topic_module_is_in_the_table():
    modules = {m.name for m in pkgutil.iter_modules(rules_package.__path__)}
    topics = {m for m in modules if hasattr(importlib.import_module(f"labs.apigw.rules.{m}"), "topic")}
    assert topics == {m.__name__.rsplit(".", 1)[1] for m in TOPICS}
    assert [r.id for r in RULES] == [r.id for m in TOPICS for r in m.topic.rules]
