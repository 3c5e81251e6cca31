"""Property tests: whatever a form or a file sends, the domain raises nothing but DesignError."""

from __future__ import annotations

import ast
import json
import os
import xml.etree.ElementTree as ET
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labs.apigw.cloudformation import export_cloudformation
from labs.apigw.diagram import render_svg
from labs.apigw.model import (
    API_TYPES,
    AUTHORIZATION_TYPES,
    AUTHORIZER_TYPES,
    ENDPOINT_TYPES,
    INTEGRATION_KINDS,
    Design,
    DesignError,
)
from labs.apigw.objectives import evaluate
from labs.apigw.openapi import ImportError_, ExportNotSupported, export_openapi, import_openapi, to_json
from labs.apigw.rules import validate
from labs.apigw.scenarios import SCENARIO_DIR, load_all
from labs.apigw.sdk import generate_client

# APIGW_HYPOTHESIS_EXAMPLES=2000 for a longer hunt; the default keeps the suite at a few seconds.
SETTINGS = settings(
    max_examples=int(os.environ.get("APIGW_HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20)
json_values = st.recursive(json_scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4), max_leaves=20)
odd_text = st.text(max_size=40) | st.sampled_from(["", " ", "${stageVariables.x}", "<b>&amp;</b>", '"""', "*/", "\u2028", "$default", "{id}"])


def _choice(values: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.sampled_from(values) | odd_text


route_keys = st.sampled_from([
    "GET /a", "POST /a", "GET /a/{id}", "DELETE /a/{name}", "ANY /{proxy+}", "GET /{proxy+}/x", "$default", "$connect",
    "$disconnect", "sendMessage", "$bad", "get /x", "GET a", "GET /a{b}", "GET /a//b", "", "PUT /a/{id}/{proxy+}",
]) | odd_text

integrations = st.fixed_dictionaries(
    {"kind": st.sampled_from(("",) + INTEGRATION_KINDS)},
    optional={
        "lambda_arn": st.sampled_from(["arn:aws:lambda:us-east-1:1:function:f", "arn:aws:lambda:eu-west-1:1:function:f:${stageVariables.a}", "f"]) | odd_text,
        "uri": st.sampled_from(["https://e.com/x", "http://n/{proxy}", "arn:aws:elasticloadbalancing:x"]) | odd_text,
        "http_method": _choice(("GET", "POST", "ANY")),
        "service": _choice(("dynamodb", "s3")),
        "action": _choice(("PutItem",)),
        "service_path": odd_text,
        "region": _choice(("us-east-1",)),
        "role_arn": odd_text,
        "subtype": _choice(("EventBridge-PutEvents",)),
        "connection_id": odd_text,
        "request_templates": st.dictionaries(odd_text, odd_text, max_size=2),
        "response_templates": st.dictionaries(odd_text, odd_text, max_size=2),
        "request_parameters": st.dictionaries(odd_text, odd_text, max_size=2),
        "passthrough_behavior": _choice(("when_no_match", "NEVER")),
        "timeout_ms": st.integers(min_value=-10, max_value=10**7),
        "payload_format_version": st.sampled_from(["", "1.0", "2.0", "3.0"]),
    },
)
routes = st.fixed_dictionaries(
    {"key": route_keys, "integration": integrations},
    optional={
        "authorization": _choice(AUTHORIZATION_TYPES),
        "authorizer": st.sampled_from(["a", "b", "", "missing"]),
        "scopes": st.lists(odd_text, max_size=12),
        "api_key_required": st.booleans(),
        "request_validator": st.sampled_from(["v", "", "nope"]),
        "operation_id": odd_text,
        "summary": odd_text,
    },
)
authorizers = st.fixed_dictionaries(
    {"name": st.sampled_from(["a", "b", "", "a b/c"]), "type": _choice(AUTHORIZER_TYPES)},
    optional={
        "lambda_arn": odd_text,
        "identity_sources": st.lists(odd_text, max_size=3),
        "ttl_seconds": st.integers(min_value=-5, max_value=10_000),
        "user_pool_arns": st.lists(odd_text, max_size=2),
        "issuer": odd_text,
        "audience": st.lists(odd_text, max_size=3),
        "payload_format_version": st.sampled_from(["", "1.0", "2.0"]),
        "simple_responses": st.booleans(),
    },
)
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
stages = st.fixed_dictionaries(
    {"name": st.sampled_from(["prod", "$default", "bad name", ""]) | odd_text},
    optional={
        "variables": st.dictionaries(odd_text, odd_text, max_size=3),
        "throttle_rate": finite,
        "throttle_burst": st.integers(min_value=-5, max_value=10**6),
        "cache_enabled": st.booleans(),
        "cache_size": st.sampled_from(["0.5", "2.0", "237", ""]),
        "cache_ttl": st.integers(min_value=-5, max_value=10_000),
        "canary": st.fixed_dictionaries({}, optional={"percent_traffic": finite, "stage_variable_overrides": st.dictionaries(odd_text, odd_text, max_size=2), "use_stage_cache": st.booleans()}),
        "logging_level": _choice(("OFF", "ERROR", "INFO")),
        "auto_deploy": st.booleans(),
        "waf_web_acl_arn": odd_text,
    },
)
designs = st.fixed_dictionaries(
    {"api_type": st.sampled_from(API_TYPES)},
    optional={
        "name": odd_text,
        "description": odd_text,
        "version": odd_text,
        "endpoint_types": st.lists(_choice(ENDPOINT_TYPES), max_size=2),
        "region": st.sampled_from(["us-east-1", "eu-west-1"]),
        "route_selection_expression": st.sampled_from(["$request.body.action", "$request.body.a.b", "${request.method} ${request.path}", ""]) | odd_text,
        "api_key_source": _choice(("HEADER", "AUTHORIZER")),
        "routes": st.lists(routes, max_size=8),
        "authorizers": st.lists(authorizers, max_size=3),
        "api_keys": st.lists(st.fixed_dictionaries({"name": odd_text}), max_size=2),
        "usage_plans": st.lists(st.fixed_dictionaries({"name": odd_text}, optional={"stages": st.lists(odd_text, max_size=2), "api_keys": st.lists(odd_text, max_size=2), "throttle_rate": finite, "quota_limit": st.integers(-5, 10), "quota_period": _choice(("DAY",))}), max_size=2),
        "request_validators": st.lists(st.fixed_dictionaries({"name": st.sampled_from(["v", ""])}, optional={"validate_body": st.booleans()}), max_size=2),
        "cors": st.fixed_dictionaries({}, optional={"allow_origins": st.lists(odd_text | st.just("*"), max_size=3), "allow_methods": st.lists(odd_text, max_size=2), "allow_headers": st.lists(odd_text, max_size=2), "expose_headers": st.lists(odd_text, max_size=2), "max_age": st.integers(-5, 10**6), "allow_credentials": st.booleans()}),
        "resource_policy": st.dictionaries(odd_text, json_values, max_size=2),
        "stages": st.lists(stages, max_size=3),
        "tags": st.dictionaries(odd_text, odd_text, max_size=3),
        "clients": st.sampled_from(["", "global", "same-region", "vpc"]),
        "client_retries": st.booleans(),
    },
)


def _exercise(design: Design) -> None:
    """Everything a page or command does with a design; only DesignError may escape."""
    findings = validate(design)
    json.dumps([f.to_dict() for f in findings])
    try:
        doc = export_openapi(design)
    except ExportNotSupported:
        assert design.api_type == "websocket"
    else:
        json.dumps(doc)
        import_openapi(to_json(doc))  # our own export always imports
    json.dumps(export_cloudformation(design))
    ET.fromstring(render_svg(design))
    ast.parse(generate_client(design, "python"))
    generate_client(design, "javascript")


@SETTINGS
@given(designs)
def test_generated_designs_never_crash(data: dict[str, Any]):
    try:
        design = Design.from_dict(data)
    except DesignError:
        return
    _exercise(design)
    assert Design.from_dict(json.loads(json.dumps(design.to_dict()))) == design


@SETTINGS
@given(st.dictionaries(st.sampled_from(["schema", "name", "api_type", "routes", "stages", "cors", "tags", "endpoint_types",
                                        "authorizers", "resource_policy", "usage_plans", "bogus"]), json_values, max_size=6) | json_values)
def test_random_dicts_raise_only_design_error(data: Any):
    try:
        design = Design.from_dict(data)
    except DesignError as exc:
        assert str(exc)
        return
    _exercise(design)


@SETTINGS
@given(json_values | st.text(max_size=200) | st.binary(max_size=100))
def test_random_imports_raise_only_design_error(source: Any):
    if isinstance(source, (dict, str, bytes)):
        try:
            result = import_openapi(source)
        except DesignError:
            return
        validate(result.design)
    else:
        try:
            import_openapi(source)
        except DesignError:
            return


@SETTINGS
@given(st.dictionaries(st.sampled_from(["openapi", "swagger", "info", "paths", "components", "servers", "securityDefinitions", "tags",
                                        "x-amazon-apigateway-cors", "x-amazon-apigateway-policy", "x-amazon-apigateway-request-validators"]),
                       json_values, max_size=6).map(lambda d: {**d, "openapi": "3.0.1"}))
def test_openapi_shaped_junk_imports_with_notes(doc: dict[str, Any]):
    try:
        result = import_openapi(doc)
    except ImportError_ as refused:  # only values no database or export can hold are refused outright
        assert "cannot be stored or exported" in str(refused)
        return
    validate(result.design)
    _exercise(result.design)


@SETTINGS
@given(designs)
def test_objectives_of_every_scenario_evaluate_on_any_design(data: dict[str, Any]):
    try:
        design = Design.from_dict(data)
    except DesignError:
        return
    for scenario in SCENARIOS:
        for result in evaluate(design, scenario.objectives):
            assert result.met or result.hint


SCENARIOS = load_all(SCENARIO_DIR)
