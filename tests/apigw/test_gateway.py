"""The sandbox gateway: routing, gateway responses, throttling, usage plans, integrations, timeouts,
deployments and canaries, state — every behaviour on the virtual clock, no real waiting."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from labs.apigw.gateway import Request, Sandbox, SandboxError, split_invoke_path
from labs.apigw.gateway.context import api_key_value

SCENARIOS = Path(__file__).resolve().parents[2] / "labs" / "scenarios"
ACCT = "123456789012"


def arn(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:{ACCT}:function:{name}"


def proxy(name: str = "echo", **extra) -> dict:
    return {"kind": "lambda_proxy", "lambda_arn": arn(name), **extra}


def rest(*routes, **fields) -> dict:
    return {"schema": 1, "name": "t", "api_type": "rest", "endpoint_types": ["REGIONAL"],
            "routes": [r if isinstance(r, dict) else {"key": r, "integration": proxy()} for r in routes],
            "stages": fields.pop("stages", [{"name": "prod"}]), **fields}


def http(*routes, **fields) -> dict:
    return {"schema": 1, "name": "h", "api_type": "http",
            "routes": [r if isinstance(r, dict) else {"key": r, "integration": proxy(payload_format_version="2.0")}
                       for r in routes], "stages": fields.pop("stages", [{"name": "$default"}]), **fields}


def scenario(slug: str) -> dict:
    return yaml.safe_load((SCENARIOS / f"{slug}.yaml").read_text())["reference_solution"]


def deployed(design: dict, seed: int = 1) -> Sandbox:
    sb = Sandbox(seed)
    sb.deploy(design)
    return sb


def steps(response) -> list[str]:
    return [s.step for s in response.trace]


# -- routing and gateway responses ---------------------------------------------------------------------


def test_rest_missing_route_is_403_missing_authentication_token():
    sb = deployed(rest("GET /orders"))
    r = sb.invoke(Request("GET", "/order", stage="prod"))
    assert r.status == 403 and r.json() == {"message": "Missing Authentication Token"}
    assert r.body == '{"message":"Missing Authentication Token"}'
    assert r.header("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    assert r.error_type == "MISSING_AUTHENTICATION_TOKEN" and r.trace[-1].step == "route"
    assert "integration" not in steps(r)


def test_rest_existing_resource_without_the_method_is_also_missing_authentication_token():
    r = deployed(rest("GET /orders")).invoke(Request("DELETE", "/orders", stage="prod"))
    assert r.status == 403 and "has no DELETE method" in r.trace[-1].detail


def test_http_missing_route_is_404_not_found_without_error_type():
    r = deployed(http("GET /notes")).invoke(Request("GET", "/nope"))
    assert r.status == 404 and r.body == '{"message":"Not Found"}' and r.header("x-amzn-ErrorType") is None


def test_unknown_stage_answers_like_a_missing_route():
    r = deployed(rest("GET /a")).invoke(Request("GET", "/a", stage="beta"))
    assert r.status == 403 and "No stage 'beta'" in r.trace[0].detail


def test_static_beats_variable_beats_greedy_and_any_matches_every_method():
    sb = deployed(rest("GET /items/special", "GET /items/{id}", "ANY /{proxy+}"))
    assert json.loads(sb.invoke(Request("GET", "/items/special", stage="prod")).body)["resource"] == "/items/special"
    event = json.loads(sb.invoke(Request("GET", "/items/42", stage="prod")).body)
    assert event["resource"] == "/items/{id}" and event["pathParameters"] == {"id": "42"}
    event = json.loads(sb.invoke(Request("PATCH", "/a/b/c", stage="prod")).body)
    assert event["resource"] == "/{proxy+}" and event["pathParameters"] == {"proxy": "a/b/c"}


def test_http_falls_through_to_greedy_then_default():
    sb = deployed(http("GET /pets/dog", "ANY /pets/{proxy+}", "$default"))
    assert json.loads(sb.invoke(Request("POST", "/pets/dog")).body)["routeKey"] == "ANY /pets/{proxy+}"
    assert json.loads(sb.invoke(Request("GET", "/pets/dog")).body)["routeKey"] == "GET /pets/dog"
    assert json.loads(sb.invoke(Request("GET", "/other")).body)["routeKey"] == "$default"


def test_request_too_large_is_413_before_anything_else():
    sb = deployed(rest("POST /upload"))
    r = sb.invoke(Request("POST", "/upload", stage="prod", body="x" * (10 * 1024 * 1024 + 1)))
    assert r.status == 413 and r.error_type == "REQUEST_TOO_LARGE" and steps(r) == ["stage", "request"]
    assert sb.invoke(Request("POST", "/upload", stage="prod", body="x" * 1000)).status == 200


def test_split_invoke_path():
    assert split_invoke_path("/prod/orders/1", ["prod"]) == ("prod", "/orders/1")
    assert split_invoke_path("/notes/1", ["$default"]) == ("$default", "/notes/1")
    assert split_invoke_path("/prod", ["prod"]) == ("prod", "/")


# -- Lambda proxy: events, responses, errors, timeouts -----------------------------------------------------


def test_rest_proxy_event_has_the_1_0_shape():
    sb = deployed(rest("POST /orders/{id}", stages=[{"name": "prod", "variables": {"color": "blue"}}]))
    r = sb.invoke(Request("POST", "/orders/7", stage="prod", query="a=1&a=2&b=x", body='{"x":1}',
                          headers={"Content-Type": "application/json"}))
    event = r.json()
    assert set(event) >= {"resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
                          "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext",
                          "body", "isBase64Encoded"}
    assert event["queryStringParameters"] == {"a": "2", "b": "x"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x"]}
    assert event["stageVariables"] == {"color": "blue"} and event["body"] == '{"x":1}'
    rc = event["requestContext"]
    assert rc["stage"] == "prod" and rc["resourcePath"] == "/orders/{id}" and rc["path"] == "/prod/orders/7"
    assert rc["requestId"] == r.request_id and rc["accountId"] == ACCT


def test_http_payload_2_0_event_and_1_0_event():
    sb = deployed(http({"key": "GET /a/{id}", "integration": proxy(payload_format_version="2.0")},
                       {"key": "GET /b", "integration": proxy(payload_format_version="1.0")}))
    v2 = sb.invoke(Request("GET", "/a/1", query="x=1&x=2", headers={"Cookie": "c=1; d=2"})).json()
    assert v2["version"] == "2.0" and v2["routeKey"] == "GET /a/{id}" and v2["rawQueryString"] == "x=1&x=2"
    assert v2["queryStringParameters"] == {"x": "1,2"} and v2["cookies"] == ["c=1", "d=2"]
    assert v2["requestContext"]["http"]["method"] == "GET" and "httpMethod" not in v2
    v1 = sb.invoke(Request("GET", "/b")).json()
    assert v1["version"] == "1.0" and v1["httpMethod"] == "GET"


def test_malformed_proxy_response_is_502_on_rest_and_500_on_http():
    r = deployed(rest({"key": "GET /x", "integration": proxy("bad-response")})).invoke(Request("GET", "/x", stage="prod"))
    assert r.status == 502 and r.body == '{"message": "Internal server error"}'
    assert r.header("x-amzn-ErrorType") == "InternalServerErrorException" and "malformed" in r.trace[-1].detail
    r = deployed(http({"key": "GET /x", "integration": proxy("bad-response")})).invoke(Request("GET", "/x"))
    assert r.status == 500 and r.body == '{"message":"Internal Server Error"}'


def test_function_error_is_502_and_never_retried():
    r = deployed(rest({"key": "GET /x", "integration": proxy("error")})).invoke(Request("GET", "/x", stage="prod"))
    attempts = [s for s in r.trace if s.step == "integration" and s.decision != "not emulated"]
    assert r.status == 502 and len(attempts) == 1 and "does not call it again" in r.trace[-1].detail


def test_payload_2_0_without_status_code_is_inferred_as_200():
    design = http({"key": "GET /n", "integration": proxy("notes-api", payload_format_version="2.0")})
    r = deployed(design).invoke(Request("GET", "/n"))
    assert r.status == 200 and r.json() == {"notes": []} and "infers" in r.trace[-2].detail


def test_unknown_function_and_unknown_alias_are_lambda_not_found():
    r = deployed(rest({"key": "GET /x", "integration": proxy("no-such-fn")})).invoke(Request("GET", "/x", stage="prod"))
    assert r.status == 500 and "ResourceNotFoundException" in r.trace[-1].detail
    design = rest({"key": "GET /x", "integration": proxy("pricing:beta")})
    r = deployed(design).invoke(Request("GET", "/x", stage="prod"))
    assert r.status == 500 and "has no version or alias 'beta'" in r.trace[-1].detail


def test_timeout_costs_exactly_the_timeout_in_virtual_time_and_no_real_waiting():
    design = rest({"key": "GET /slow", "integration": proxy("slow")})  # default REST timeout: 29 s
    started = time.perf_counter()
    r = deployed(design).invoke(Request("GET", "/slow", stage="prod"))
    assert time.perf_counter() - started < 1.0
    assert r.status == 504 and r.body == '{"message": "Endpoint request timed out"}'
    assert r.error_type == "INTEGRATION_TIMEOUT" and r.latency_ms == 29_000
    integration = [s for s in r.trace if s.step == "integration" and s.decision != "not emulated"]
    assert len(integration) == 1 and integration[0].ms == 29_000 and "does not retry" in integration[0].detail
    short = rest({"key": "GET /slow", "integration": proxy("slow", timeout_ms=50)})
    assert deployed(short).invoke(Request("GET", "/slow", stage="prod")).latency_ms == 50


def test_http_api_timeout_is_503_after_30_s():
    r = deployed(http({"key": "GET /s", "integration": proxy("slow")})).invoke(Request("GET", "/s"))
    assert r.status == 503 and r.latency_ms == 30_000



@pytest.mark.parametrize("api_type,function,status,body,error_header,source", [
    ("rest", "slow", 504, '{"message": "Endpoint request timed out"}', "InternalServerErrorException",
     "https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html"),
    ("http", "slow", 503, '{"message":"Service Unavailable"}', None, "https://github.com/cortexlabs/cortex/issues/1225"),
    ("rest", "bad-response", 502, '{"message": "Internal server error"}', "InternalServerErrorException",
     "https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html"),
    ("http", "bad-response", 500, '{"message":"Internal Server Error"}', None,
     "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html"),
    ("rest", "error", 502, '{"message": "Internal server error"}', "InternalServerErrorException",
     "https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html"),
    ("http", "error", 500, '{"message":"Internal Server Error"}', None,
     "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html"),
])
def test_integration_errors_answer_as_documented_for_the_api_type_and_the_trace_cites_where(
        api_type, function, status, body, error_header, source):
    if api_type == "rest":
        r = deployed(rest({"key": "GET /x", "integration": proxy(function)})).invoke(Request("GET", "/x", stage="prod"))
    else:
        design = http({"key": "GET /x", "integration": proxy(function, payload_format_version="2.0")})
        r = deployed(design).invoke(Request("GET", "/x"))
    assert (r.status, r.body, r.header("x-amzn-ErrorType")) == (status, body, error_header)
    step = next(s for s in r.trace if s.step == "integration" and s.decision.startswith(str(status)))
    assert f"Source: {source}" in step.detail

# -- throttling, API keys and usage plans ----------------------------------------------------------------


def test_stage_burst_then_429_and_exact_refill():
    sb = deployed(rest("GET /a", "GET /b", stages=[{"name": "prod", "throttle_rate": 2, "throttle_burst": 3}]))
    statuses = [r.status for r in sb.load_test(Request("GET", "/a", stage="prod"), 5).responses]
    assert statuses == [200, 200, 200, 429, 429]
    throttled = sb.invoke(Request("GET", "/a", stage="prod"))
    assert throttled.body == '{"message":"Too Many Requests"}' and throttled.header("x-amzn-ErrorType") == \
        "TooManyRequestsException"
    assert sb.invoke(Request("GET", "/b", stage="prod")).status == 200  # the stage limit is per method
    assert sb.invoke(Request("GET", "/a", stage="prod", at_ms=499)).status == 429  # 0.998 tokens
    assert sb.invoke(Request("GET", "/a", stage="prod", at_ms=500)).status == 200  # exactly one token
    assert sb.invoke(Request("GET", "/a", stage="prod", at_ms=500)).status == 429


def test_rate_spreads_requests_over_virtual_time():
    sb = deployed(rest("GET /a", stages=[{"name": "prod", "throttle_rate": 10, "throttle_burst": 1}]))
    test = sb.load_test(Request("GET", "/a", stage="prod"), 20, rate=10)
    assert [r.at_ms for r in test.responses][:3] == [0, 100, 200]
    assert test.summary()["by_status"] == {200: 20} and sb.now_ms == 1900
    faster = deployed(rest("GET /a", stages=[{"name": "prod", "throttle_rate": 10, "throttle_burst": 1}]))
    assert faster.load_test(Request("GET", "/a", stage="prod"), 20, rate=20).summary()["by_status"][429] == 10


def test_burst_zero_blocks_everything():
    sb = deployed(rest("GET /a", stages=[{"name": "prod", "throttle_rate": 10, "throttle_burst": 0}]))
    assert sb.invoke(Request("GET", "/a", stage="prod")).status == 429


def keyed(quota: int | None = 2, plan_rate: float | None = None, plan_burst: int | None = None, enabled=True) -> dict:
    return rest({"key": "GET /p", "integration": proxy(), "api_key_required": True}, "GET /open",
                api_keys=[{"name": "partner", "enabled": enabled}, {"name": "stray"}],
                usage_plans=[{"name": "basic", "stages": ["prod"], "api_keys": ["partner"], "quota_limit": quota,
                              "quota_period": "DAY", "throttle_rate": plan_rate, "throttle_burst": plan_burst}],
                stages=[{"name": "prod", "throttle_rate": 100, "throttle_burst": 100}])


def test_api_key_missing_invalid_unplanned_disabled_are_403_forbidden():
    sb = deployed(keyed())
    for headers in ({}, {"x-api-key": "nope"}, {"x-api-key": api_key_value("stray")}):
        r = sb.invoke(Request("GET", "/p", stage="prod", headers=headers))
        assert (r.status, r.body, r.error_type) == (403, '{"message":"Forbidden"}', "INVALID_API_KEY")
        assert r.header("x-amzn-ErrorType") == "ForbiddenException"
    assert "no usage plan" in r.trace[-1].detail
    r = deployed(keyed(enabled=False)).invoke(Request("GET", "/p", stage="prod",
                                                      headers={"x-api-key": api_key_value("partner")}))
    assert r.status == 403 and "disabled" in r.trace[-1].detail
    assert sb.api_keys()["partner"] == api_key_value("partner")


def test_quota_per_day_then_429_limit_exceeded_and_reset_next_day():
    sb = deployed(keyed(quota=2))
    key = {"x-api-key": api_key_value("partner")}
    assert [sb.invoke(Request("GET", "/p", stage="prod", headers=key)).status for _ in range(3)] == [200, 200, 429]
    r = sb.invoke(Request("GET", "/p", stage="prod", headers=key))
    assert r.body == '{"message":"Limit Exceeded"}' and r.error_type == "QUOTA_EXCEEDED"
    assert r.header("x-amzn-ErrorType") == "LimitExceededException"
    sb.advance(24 * 3600 * 1000)
    assert sb.invoke(Request("GET", "/p", stage="prod", headers=key)).status == 200
    assert sb.invoke(Request("GET", "/open", stage="prod", headers=key)).status == 200  # not counted


def test_usage_plan_bucket_comes_before_the_stage_bucket():
    sb = deployed(keyed(quota=None, plan_rate=1, plan_burst=1))
    key = {"x-api-key": api_key_value("partner")}
    assert sb.invoke(Request("GET", "/p", stage="prod", headers=key)).status == 200
    r = sb.invoke(Request("GET", "/p", stage="prod", headers=key))
    assert r.status == 429 and "usage plan basic" in r.trace[-1].detail
    ok = sb.invoke(Request("GET", "/p", stage="prod", headers=key, at_ms=1000))
    detail = next(s.detail for s in ok.trace if s.step == "throttling")
    assert detail.index("usage plan basic") < detail.index("stage prod") < detail.index("account")


# -- deployments, stages, canaries -------------------------------------------------------------------------


def test_a_stage_serves_its_deployment_until_the_design_is_deployed_again():
    design = rest("GET /a")
    sb = deployed(design)
    design["routes"].append({"key": "GET /b", "integration": proxy()})
    assert sb.invoke(Request("GET", "/b", stage="prod")).status == 403
    sb.deploy(design)
    assert sb.invoke(Request("GET", "/b", stage="prod")).status == 200


def test_canary_split_is_seeded_replayable_and_near_its_percent():
    sb = deployed(scenario("canary-release"), seed=11)
    test = sb.load_test(Request("GET", "/prices", stage="prod"), 1000, rate=50)
    canary = [r for r in test.responses if r.arm == "canary"]
    assert 70 <= len(canary) <= 130
    assert all(r.json()["version"] == 2 for r in canary)
    assert all(r.json()["version"] == 1 for r in test.responses if r.arm == "base")
    again = deployed(scenario("canary-release"), seed=11).load_test(Request("GET", "/prices", stage="prod"), 1000, 50)
    assert [r.arm for r in again.responses] == [r.arm for r in test.responses]
    one = canary[0]
    replay = deployed(scenario("canary-release"), seed=99).invoke(Request("GET", "/prices", stage="prod", seed=one.seed))
    assert replay.arm == "canary" and f"Seed {one.seed}" in replay.trace[0].detail


def test_canary_deployment_then_promotion():
    design = scenario("canary-release")
    sb = Sandbox(5)
    base = sb.deploy(design)
    design["routes"].append({"key": "GET /new", "integration": proxy("echo")})
    canary = sb.deploy(design, stage="prod", canary=True)
    assert sb.stages["prod"].deployment_id == base.id and sb.stages["prod"].canary.deployment_id == canary.id
    arms = {r.arm: r.status for r in sb.load_test(Request("GET", "/new", stage="prod"), 200).responses}
    assert arms == {"base": 403, "canary": 200}
    sb.promote_canary("prod")
    assert sb.stages["prod"].canary is None and sb.stages["prod"].variables == {"lambdaAlias": "next"}
    r = sb.invoke(Request("GET", "/prices", stage="prod"))
    assert r.arm == "base" and r.json()["version"] == 2 and sb.invoke(Request("GET", "/new", stage="prod")).status == 200
    with pytest.raises(SandboxError):
        sb.promote_canary("prod")


def test_canary_needs_rest_and_settings():
    with pytest.raises(SandboxError):
        Sandbox().deploy(http("GET /a"), canary=True, stage="$default")
    sb = deployed(rest("GET /a"))
    with pytest.raises(SandboxError):
        sb.deploy(rest("GET /a"), stage="prod", canary=True)


def test_http_auto_deploy_stage_follows_saved_designs():
    design = http("GET /a", stages=[{"name": "$default", "auto_deploy": True}])
    sb = deployed(design)
    design["routes"].append({"key": "GET /b", "integration": proxy(payload_format_version="2.0")})
    assert sb.design_saved(design) == ["$default"] and sb.invoke(Request("GET", "/b")).status == 200


# -- state ---------------------------------------------------------------------------------------------------


def test_state_round_trips_through_json_and_keeps_buckets_and_tables():
    sb = deployed(rest({"key": "POST /orders", "integration": proxy("orders-api")},
                       {"key": "GET /orders/{orderId}", "integration": proxy("orders-api")},
                       stages=[{"name": "prod", "throttle_rate": 1, "throttle_burst": 2}]))
    made = sb.invoke(Request("POST", "/orders", stage="prod", body='{"items": [{"sku": "a"}]}'))
    assert made.status == 201
    order = Request("GET", f"/orders/{made.json()['id']}", stage="prod")
    assert sb.invoke(order).status == 200
    restored = Sandbox.from_dict(json.loads(json.dumps(sb.to_dict())))
    assert restored.invoke(order).json()["items"] == [{"sku": "a"}]  # the table survived
    assert restored.invoke(order).status == 429  # and so did the bucket: its two tokens are used
    assert restored.to_dict() == Sandbox.from_dict(restored.to_dict()).to_dict()


def test_same_seed_same_everything():
    def run() -> list[dict]:
        sb = deployed(scenario("rest-order-service"), seed=3)
        token = sb.sample_token()
        return [sb.invoke(Request("GET", "/orders", stage="prod", headers={"Authorization": token})).to_dict()
                for _ in range(3)]

    assert run() == run()


def test_deploying_another_api_type_needs_a_new_sandbox():
    sb = deployed(rest("GET /a"))
    with pytest.raises(SandboxError):
        sb.deploy(http("GET /a"))


# -- stage cache, validation, MOCK, custom integrations ---------------------------------------------------------


def test_stage_cache_hit_skips_the_integration_until_the_ttl_passes():
    sb = deployed(rest({"key": "GET /prices", "integration": proxy("pricing:live")},
                       stages=[{"name": "prod", "cache_enabled": True, "cache_ttl": 60}]))
    first = sb.invoke(Request("GET", "/prices", stage="prod"))
    second = sb.invoke(Request("GET", "/prices", stage="prod", query="ignored=1", at_ms=1000))
    assert "integration" in steps(first) and "integration" not in steps(second) and second.body == first.body
    assert any(s.decision == "hit" for s in second.trace)
    assert any("cache key parameters" in s.detail for s in second.trace)
    third = sb.invoke(Request("GET", "/prices", stage="prod", at_ms=61_000))
    assert "integration" in steps(third)


def test_request_validator_rejects_empty_body_before_the_integration():
    design = scenario("dynamodb-direct")
    sb = deployed(design)
    r = sb.invoke(Request("POST", "/items", stage="v1", identity="backend"))
    assert (r.status, r.error_type) == (400, "BAD_REQUEST_BODY") and "integration" not in steps(r)
    assert r.header("x-amzn-ErrorType") == "BadRequestException"


def test_dynamodb_lab_stores_and_reads_items():
    sb = deployed(scenario("dynamodb-direct"))
    made = sb.invoke(Request("POST", "/items", stage="v1", identity="backend", body='{"name": "blue widget"}'))
    assert made.status == 200
    item_id = made.json()["id"]
    assert item_id == made.request_id
    got = sb.invoke(Request("GET", f"/items/{item_id}", stage="v1", identity="backend"))
    assert got.json() == {"id": item_id, "name": "blue widget"}
    missing = sb.invoke(Request("GET", "/items/none", stage="v1", identity="backend"))
    assert missing.status == 200 and missing.json() == {"id": "", "name": ""}


def test_mock_integration_answers_with_its_response_template():
    design = rest({"key": "GET /health", "integration": {"kind": "mock", "response_templates": {
        "application/json": '{"ok": true, "stage": "$context.stage", "v": "$stageVariables.v"}'}}},
        stages=[{"name": "prod", "variables": {"v": "7"}}])
    r = deployed(design).invoke(Request("GET", "/health", stage="prod"))
    assert r.status == 200 and r.json() == {"ok": True, "stage": "prod", "v": "7"}
    assert steps(r)[-3:] == ["integration", "integration-response", "method-response"]


def test_custom_lambda_integration_error_is_a_200_without_a_selection_pattern():
    design = rest({"key": "POST /x", "integration": {"kind": "lambda", "lambda_arn": arn("error"),
                                                     "request_templates": {"application/json": "$input.json('$')"}}})
    r = deployed(design).invoke(Request("POST", "/x", stage="prod", body='{"a": 1}'))
    assert r.status == 200 and r.json()["errorMessage"] == "Something went wrong in the function"
    assert "needs a selection pattern" in next(s.detail for s in r.trace if s.step == "integration-response")


def test_custom_lambda_integration_gets_the_template_output():
    design = rest({"key": "GET /items/{id}", "integration": {
        "kind": "lambda", "lambda_arn": arn("echo"),
        "request_templates": {"application/json": '{"id": "$input.params(\'id\')", "q": "$input.params(\'q\')"}'},
        "response_templates": {"application/json": '{"got": $input.json(\'$.id\')}'}}})
    r = deployed(design).invoke(Request("GET", "/items/9", stage="prod", query="q=z"))
    assert r.json() == {"got": "9"}


def test_passthrough_never_refuses_an_unknown_content_type_with_415():
    design = rest({"key": "POST /x", "integration": {"kind": "lambda", "lambda_arn": arn("echo"),
                                                     "passthrough_behavior": "never",
                                                     "request_templates": {"application/json": "{}"}}})
    r = deployed(design).invoke(Request("POST", "/x", stage="prod", body="a=1",
                                        headers={"Content-Type": "text/plain"}))
    assert (r.status, r.error_type) == (415, "UNSUPPORTED_MEDIA_TYPE")


def test_template_reading_a_non_json_body_is_400():
    design = rest({"key": "POST /x", "integration": {"kind": "lambda", "lambda_arn": arn("echo"),
                                                     "request_templates": {"application/json": "$input.json('$.a')"}}})
    r = deployed(design).invoke(Request("POST", "/x", stage="prod", body="not json"))
    assert r.status == 400 and "Could not parse request body into json" in r.body


def test_http_integration_reaches_the_sample_backend_and_refuses_the_internet():
    design = rest({"key": "GET /items/{id}", "integration": {"kind": "http_proxy",
                                                             "uri": "https://backend.example.com/items/{id}"}},
                  {"key": "GET /out", "integration": {"kind": "http_proxy", "uri": "https://example.org/x"}})
    sb = deployed(design)
    assert sb.invoke(Request("GET", "/items/1", stage="prod")).json()["name"] == "blue widget"
    out = sb.invoke(Request("GET", "/out", stage="prod"))
    assert out.status == 500 and any(s.decision == "not emulated" for s in out.trace)


def test_stage_settings_that_are_not_emulated_are_named():
    design = rest("GET /a", stages=[{"name": "prod", "logging_level": "INFO",
                                     "waf_web_acl_arn": f"arn:aws:wafv2:us-east-1:{ACCT}:regional/webacl/x/1"}])
    details = [s.detail for s in deployed(design).invoke(Request("GET", "/a", stage="prod")).trace]
    assert any(d.startswith("not emulated: AWS WAF") for d in details)
    assert any(d.startswith("not emulated: CloudWatch execution logs") for d in details)


# -- CORS ---------------------------------------------------------------------------------------------------------


def test_http_cors_preflight_and_headers_on_every_response():
    sb = deployed(scenario("http-jwt-cors"))
    origin = {"Origin": "https://notes.example.com"}
    pre = sb.invoke(Request("OPTIONS", "/notes", headers={**origin, "Access-Control-Request-Method": "POST"}))
    assert pre.status == 204 and pre.header("Access-Control-Allow-Methods") == "GET,POST,DELETE"
    assert "authorization" not in steps(pre)
    denied = sb.invoke(Request("GET", "/notes", headers=origin))
    assert denied.status == 401 and denied.header("Access-Control-Allow-Origin") == "https://notes.example.com"
    other = sb.invoke(Request("OPTIONS", "/notes", headers={"Origin": "https://evil.example",
                                                            "Access-Control-Request-Method": "GET"}))
    assert other.header("Access-Control-Allow-Origin") is None


def test_rest_cors_preflight_is_the_options_mock_and_errors_have_no_cors_headers():
    design = rest("GET /a", cors={"allow_origins": ["https://shop.example.com"]})
    sb = deployed(design)
    pre = sb.invoke(Request("OPTIONS", "/a", stage="prod", headers={"Origin": "https://shop.example.com"}))
    assert pre.status == 200 and pre.header("Access-Control-Allow-Origin") == "https://shop.example.com"
    err = sb.invoke(Request("GET", "/missing", stage="prod", headers={"Origin": "https://shop.example.com"}))
    assert err.header("Access-Control-Allow-Origin") is None
    assert err.trace[-1].lesson == "errors-gateway-responses#cors-on-errors"


# -- lessons ---------------------------------------------------------------------------------------------------------


def test_every_trace_lesson_is_a_section_of_the_course():
    import re

    from labs.apigw.gateway.context import LESSON

    lessons = Path(__file__).resolve().parents[2] / "courseware" / "content" / "lessons"
    anchors: dict[str, set[str]] = {}
    for f in lessons.glob("*.md"):
        text = f.read_text()
        slug = re.search(r"^slug:\s*(\S+)", text, re.M).group(1)
        anchors[slug] = set(re.findall(r"\{#([\w-]+)\}", text))
    for topic, link in LESSON.items():
        slug, _, anchor = link.partition("#")
        assert anchor in anchors.get(slug, set()), f"{topic}: {link}"
