"""The objective language: checks met and missed (with hints in misconception words), load errors."""

from __future__ import annotations

import pytest

from labs.apigw.model import Canary, Cors, Design
from labs.apigw.objectives import CHECKS, Objective, ObjectiveError, evaluate, load_objective, load_objectives
from labs.apigw.references import MISCONCEPTIONS

from .factories import factory


def one(design: Design, **objective) -> tuple[bool, str]:
    [result] = evaluate(design, [{"id": "o", "text": "t", **objective}])
    return result.met, result.hint


def statement(slug: str) -> str:
    return MISCONCEPTIONS[slug].statement


def test_api_type():
    assert one(factory.valid("http"), check="api_type", equals="http") == (True, "")
    met, hint = one(factory.valid("http"), check="api_type", equals="rest")
    assert not met and "needs a REST API" in hint


def test_endpoint_type_private_on_http_names_the_misconception():
    d = factory.valid("http")
    met, hint = one(d, check="endpoint_type", equals="PRIVATE")
    assert not met and statement("private-not-rest-only") in hint
    assert one(factory.valid("rest"), check="endpoint_type", **{"in": ["REGIONAL", "PRIVATE"]})[0]


def test_edge_when_regional_wanted():
    d = factory.valid("rest")
    d.endpoint_types = ["EDGE"]
    met, hint = one(d, check="endpoint_type", equals="REGIONAL")
    assert not met and statement("edge-always-fastest") in hint


def test_route_check():
    d = factory.valid("rest")
    assert one(d, check="route", method="GET", path="/items/{itemId}", integration="lambda_proxy",
               authorization="COGNITO_USER_POOLS", authorizer_type="COGNITO_USER_POOLS", scopes_include=["items/read"],
               timeout_ms_max=5000)[0]
    met, hint = one(d, check="route", method="DELETE", path="/items/{id}")
    assert not met and "no route DELETE /items/{id}" in hint
    met, hint = one(d, check="route", method="POST", path="/items", integration="aws", service="dynamodb")
    assert not met and "its integration is lambda_proxy, not aws" in hint and "no function is needed" in hint
    met, hint = one(d, check="route", method="GET", path="/items", authorization="AWS_IAM")
    assert not met and "its authorization is NONE, not AWS_IAM" in hint
    met, hint = one(d, check="route", method="POST", path="/items", authorization="NONE")
    assert not met and statement("callers-must-sign-sigv4") in hint  # IAM added where it isn't needed
    met, hint = one(d, check="route", method="POST", path="/items", timeout_ms_max=1000, api_key_required=True)
    assert not met and "above 1000 ms" in hint and "does not require an API key" in hint


def test_route_by_key_on_websocket():
    d = factory.valid("websocket")
    assert one(d, check="route", key="$connect", authorization="CUSTOM", authorizer_type="REQUEST")[0]
    met, hint = one(d, check="route", method="POST", path="/messages")
    assert not met and statement("websocket-routes-by-path") in hint


def test_route_hint_carries_the_rule_misconception():
    d = factory.valid("http")
    d.routes[1].integration.kind = "mock"
    met, hint = one(d, check="route", method="POST", path="/notes", integration="lambda_proxy")
    assert not met and statement("http-api-has-mock") in hint


def test_proxy_template_misconception():
    d = factory.valid("rest")
    met, hint = one(d, check="route", method="GET", path="/items", integration="lambda", has_request_template=True)
    assert not met and statement("proxy-allows-mapping-templates") in hint


def test_no_errors_and_no_findings():
    d = factory.valid("http")
    assert one(d, check="no_errors") == (True, "")
    d.stages[0].cache_enabled = True
    met, hint = one(d, check="no_errors")
    assert not met and "Caching exists only on REST" in hint and statement("http-api-has-rest-features") in hint
    met, hint = one(d, check="no_findings", rule_ids=["stage.cache-rest-only"])
    assert not met and "Stage '$default'" in hint


def test_cors_check():
    d = factory.valid("http")
    met, hint = one(d, check="cors", allow_credentials=False)
    assert not met and "not configured" in hint
    d.cors = Cors(allow_origins=["*"], allow_credentials=True, max_age=10)
    met, hint = one(d, check="cors", allow_credentials=False, no_wildcard_origin=True,
                    allow_origins_include=["https://a"], max_age_min=60)
    assert not met and "credentials are allowed" in hint and "'*'" in hint and "https://a" in hint and "max age" in hint
    d.cors = Cors(allow_origins=["https://a"], max_age=600)
    assert one(d, check="cors", allow_credentials=False, no_wildcard_origin=True, allow_origins_include=["https://a"])[0]
    assert not one(d, check="cors", configured=False)[0]


def test_stage_check():
    d = factory.valid("rest")
    d.stages[0].canary = Canary(percent_traffic=30, stage_variable_overrides={})
    met, hint = one(d, check="stage", name="prod", canary_percent_between=[1, 20], canary_overrides_include=["alias"],
                    variables_include=["alias"])
    assert not met and "30% of traffic, not 1-20%" in hint and "does not override alias" in hint and "no stage variable" in hint
    met, hint = one(d, check="stage", name="beta")
    assert not met and statement("rest-changes-live-on-save") in hint
    assert one(d, check="stage", name="prod", throttled=True, has_canary=True, cache_enabled=False, auto_deploy=False)[0]
    http = factory.valid("http")
    met, hint = one(http, check="stage", name="$default", has_canary=True)
    assert not met and statement("http-api-has-rest-features") in hint


def test_authorizer_policy_selection_kinds_usage_plan():
    rest = factory.valid("rest")
    met, hint = one(rest, check="authorizer", type="JWT")
    assert not met and "only on HTTP APIs" in hint
    met, hint = one(rest, check="resource_policy", mentions=["aws:SourceVpce"])
    assert not met and statement("private-needs-no-policy") in hint
    rest.resource_policy = {"Statement": [{"Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}]}
    assert one(rest, check="resource_policy", mentions=["aws:SourceVpce", "vpce-1"])[0]
    ws = factory.valid("websocket")
    assert one(ws, check="route_selection_expression", equals="$request.body.action")[0]
    met, hint = one(ws, check="route_selection_expression", equals="$request.body.type")
    assert not met and statement("websocket-routes-by-path") in hint
    met, hint = one(rest, check="integration_kinds", include=["aws"], exclude=["lambda_proxy"])
    assert not met and "no route uses the integration kind(s) aws" in hint and "lambda_proxy" in hint
    met, hint = one(factory.valid("http"), check="usage_plan")
    assert not met and statement("http-api-has-rest-features") in hint


def test_author_hint_and_misconception_are_added():
    met, hint = one(factory.valid("rest"), check="api_type", equals="http", hint="Re-read the brief.", misconception="lambda-retries")
    assert hint.startswith("Re-read the brief.") and statement("lambda-retries") in hint


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"id": "a", "text": "t", "check": "teleport"}, "unknown check 'teleport'"),
        ({"id": "a", "text": "t", "check": "api_type"}, "needs equals"),
        ({"id": "a", "text": "t", "check": "api_type", "equals": "soap"}, "'equals' must be one of"),
        ({"id": "a", "text": "t", "check": "api_type", "equals": "rest", "colour": "red"}, "has no parameter 'colour'"),
        ({"id": "a", "text": "t", "check": "route"}, "exactly one of key, path"),
        ({"id": "a", "text": "t", "check": "route", "key": "$connect", "path": "/a"}, "exactly one of key, path"),
        ({"id": "a", "text": "t", "check": "stage", "name": "p", "canary_percent_between": [20, 1]}, "low <= high"),
        ({"id": "a", "text": "t", "check": "stage", "name": "p", "throttled": "yes"}, "must be true or false"),
        ({"id": "a", "text": "t", "check": "no_findings", "rule_ids": ["no.such-rule"]}, "unknown value(s)"),
        ({"id": "a", "text": "t", "check": "no_errors", "misconception": "nope"}, "unknown misconception"),
        ({"text": "t", "check": "no_errors"}, "'id' is required"),
        ("no_errors", "must be a mapping"),
    ],
)
def test_load_errors_are_clear(raw, message):
    with pytest.raises(ObjectiveError) as exc:
        load_objective(raw, "objectives[3]")
    assert message in str(exc.value) and "objectives[3]" in str(exc.value)


def test_duplicate_ids_and_list_shape():
    with pytest.raises(ObjectiveError, match="duplicate objective id 'a'"):
        load_objectives([{"id": "a", "text": "t", "check": "no_errors"}] * 2)
    with pytest.raises(ObjectiveError, match="must be a list"):
        load_objectives({"id": "a"})


def test_evaluate_takes_loaded_objectives_and_dict_designs():
    objective = load_objective({"id": "a", "text": "t", "check": "no_errors"})
    assert isinstance(objective, Objective)
    [result] = evaluate(factory.valid_dict("rest"), [objective])
    assert result.met and result.to_dict() == {"id": "a", "text": "t", "met": True, "hint": ""}


def test_every_check_is_documented_by_a_parameter_table():
    for name, spec in CHECKS.items():
        assert spec.required <= set(spec.params), name
