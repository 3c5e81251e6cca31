"""Design <-> dict: round trips, forgiving drafts, clear errors for malformed input."""

from __future__ import annotations

import json

import pytest

from labs.apigw.model import API_TYPES, Design, DesignError, default_identity_source, split_route_key
from labs.apigw.scenarios import SCENARIO_DIR, load_all

from .factories import factory


@pytest.mark.parametrize("api_type", API_TYPES)
def test_round_trip_of_factory_designs(api_type):
    d = factory.valid(api_type)
    data = d.to_dict()
    assert data["schema"] == 1
    assert Design.from_dict(json.loads(json.dumps(data))) == d


def test_round_trip_of_kitchen_sinks_and_scenarios():
    designs = [factory.kitchen_sink_rest(), factory.kitchen_sink_http()] + [s.reference_solution for s in load_all(SCENARIO_DIR)]
    for d in designs:
        assert Design.from_dict(json.loads(json.dumps(d.to_dict()))) == d


def test_to_dict_leaves_out_defaults():
    data = Design(name="x").to_dict()
    assert data == {"schema": 1, "name": "x", "api_type": "rest"}


def test_empty_draft_is_accepted():
    d = Design.from_dict({})
    assert d.api_type == "rest" and d.routes == [] and d.name == ""
    assert Design.from_dict({"schema": 1, "api_type": "websocket", "routes": [{}]}).routes[0].key == ""


def test_forgiving_values():
    d = Design.from_dict({
        "api_type": "http",
        "endpoint_type": "REGIONAL",
        "resource_policy": '{"Version": "2012-10-17", "Statement": []}',
        "routes": [{"key": "GET /a", "scopes": "read", "integration": {"kind": "lambda_proxy", "timeout_ms": "5000",
                                                                         "payload_format_version": 2.0}}],
        "stages": [{"name": "$default", "cache_size": 0.5, "throttle_rate": "10.5", "variables": {"n": 1}}],
        "tags": {"cost": 42},
    })
    assert d.endpoint_types == ["REGIONAL"] and d.endpoint_type == "REGIONAL"
    assert d.resource_policy == {"Version": "2012-10-17", "Statement": []}
    route = d.routes[0]
    assert route.scopes == ["read"] and route.integration.timeout_ms == 5000
    assert route.integration.payload_format_version == "2.0"
    stage = d.stages[0]
    assert stage.cache_size == "0.5" and stage.throttle_rate == 10.5 and stage.variables == {"n": "1"}
    assert d.tags == {"cost": "42"}


def test_endpoint_type_defaults_follow_aws():
    assert Design(api_type="rest").endpoint_type == "EDGE"
    assert Design(api_type="http").endpoint_type == "REGIONAL"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be an object"),
        ("design", "must be an object"),
        ({"api_type": "soap"}, "api_type must be one of rest, http, websocket"),
        ({"schema": 2}, "schema 2 is not supported"),
        ({"rotues": []}, "unknown field(s) 'rotues'"),
        ({"name": ["x"]}, "name must be text"),
        ({"routes": {"key": "GET /"}}, "routes must be a list"),
        ({"routes": [{"key": "GET /", "integration": {"kind": "soap"}}]}, "routes[0].integration.kind must be one of"),
        ({"routes": [{"integration": {"timeout_ms": "soon"}}]}, "routes[0].integration.timeout_ms must be a number"),
        ({"routes": [{"integration": {"timeout_ms": 1.5}}]}, "must be a whole number"),
        ({"routes": [{"api_key_required": "yes"}]}, "routes[0].api_key_required must be true or false"),
        ({"stages": [{"canary": {"percent_traffic": float("nan")}}]}, "stages[0].canary.percent_traffic must be a finite number"),
        ({"stages": [{"throttle_rate": 10**400}]}, "out of range"),
        ({"stages": [{"variables": {"a": [1]}}]}, "stages[0].variables.a must be text"),
        ({"resource_policy": "{not json"}, "resource_policy is not valid JSON"),
        ({"resource_policy": [1]}, "resource_policy must be a JSON object"),
        ({"clients": "mars"}, "clients must be one of"),
        ({"authorizers": [{"audience": [{"a": 1}]}]}, "authorizers[0].audience[0] must be text"),
        ({"tags": {1: "x"}}, "tags has a key that is not text"),
    ],
)
def test_malformed_input_raises_design_error(data, message):
    with pytest.raises(DesignError) as exc:
        Design.from_dict(data)
    assert message in str(exc.value)


def test_design_error_is_a_value_error():
    assert issubclass(DesignError, ValueError)


def test_route_key_parts():
    assert split_route_key("GET /a/{b}") == ("GET", "/a/{b}")
    assert split_route_key("$default") == ("", "")
    assert split_route_key("GET a") == ("", "")
    d = factory.valid("rest")
    assert (d.routes[2].method, d.routes[2].path) == ("GET", "/items/{id}")


def test_default_identity_sources():
    assert default_identity_source("rest").startswith("method.request.header.")
    assert default_identity_source("http") == "$request.header.Authorization"
    assert default_identity_source("websocket").startswith("route.request.header.")
