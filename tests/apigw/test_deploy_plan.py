"""The deployer without AWS: plans (calls, order, diffs), costs, teardown order, verification's comparison,
redaction, credentials and the role template. The moto tests are in test_deploy_moto.py."""

from __future__ import annotations

import copy
import json
import pickle
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from labs.apigw.deploy import (
    Credentials,
    CredentialsError,
    DeploymentRecord,
    Plan,
    PlanError,
    compare,
    due_for_reaping,
    estimate,
    make_plan,
    make_teardown_plan,
    quick_create_url,
    redact,
    role_template,
)
from labs.apigw.deploy.calls import resolve
from labs.apigw.deploy.executor import record_step
from labs.apigw.deploy.messages import explain
from labs.apigw.deploy.record import iso, utcnow
from labs.apigw.resolved import resolve as resolve_design

from .factories import factory, lambda_arn

REGION = "us-east-1"


def calls(plan: Plan) -> list[str]:
    return [s.call.name for s in plan.steps if s.call is not None]


def applied(plan: Plan, record: DeploymentRecord | None = None) -> DeploymentRecord:
    """A record as if ``plan`` had run: fake ids for every output (no AWS)."""
    record = record or DeploymentRecord(plan.deployment_id, plan.region, plan.api_type, plan.api_name, dict(plan.tags))
    run = record.start_run("apply", plan.to_dict())
    for step in plan.steps:
        response: dict = {}
        for name, path in step.outputs.items():
            node = response
            parts = path.split(".")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = "account1" if name == "account" else f"id-{name}-{run['run']}"
        record_step(record, step, response)
    record.finish_run(run, "deployed")
    record.status = "deployed"
    record.design = plan.design
    return record


# --------------------------------------------------------------------------------------------------
# First deployments: the calls, in order
# --------------------------------------------------------------------------------------------------


def test_rest_plan_makes_explicit_calls_in_order():
    plan = make_plan(factory.valid_dict("rest"), region=REGION, deployment_id="ga-test")
    assert calls(plan) == [
        "sts.get_caller_identity", "apigateway.create_rest_api", "apigateway.create_authorizer",
        "apigateway.create_resource", "apigateway.create_resource",
        "apigateway.put_method", "apigateway.put_integration", "lambda.add_permission",
        "apigateway.put_method", "apigateway.put_integration", "lambda.add_permission",
        "apigateway.put_method", "apigateway.put_integration", "lambda.add_permission",
        "apigateway.create_deployment", "apigateway.create_stage", "apigateway.update_stage",
    ]
    create_api = plan.steps[1].call.params
    assert create_api["tags"]["gateway-academy:deployment"] == "ga-test"
    assert set(create_api["tags"]) >= {"gateway-academy:site", "gateway-academy:learner", "gateway-academy:lab"}
    assert plan.first and not plan.empty
    assert any("keeps serving the old snapshot" in s.note for s in plan.steps)


def test_non_proxy_rest_methods_get_method_and_integration_responses_and_cors_preflights():
    d = factory.valid_dict("rest")
    d["routes"].append(factory.route("PUT /items/{id}", kind="lambda"))
    d["cors"] = {"allow_origins": ["https://shop.example.com"]}
    plan = make_plan(d, region=REGION)
    names = calls(plan)
    assert names.count("apigateway.put_method_response") == 3  # PUT, and OPTIONS on two paths
    assert names.count("apigateway.put_integration_response") == 3
    options = [s for s in plan.steps if s.key.startswith("method:OPTIONS")]
    assert [s.key for s in options] == ["method:OPTIONS /items", "method:OPTIONS /items/{id}"]
    response = next(s for s in plan.steps if s.key == "integration_response:OPTIONS /items 200").call.params
    assert response["responseParameters"]["method.response.header.Access-Control-Allow-Origin"] == "'https://shop.example.com'"


def test_lambda_permissions_name_this_api_route_and_authorizer():
    plan = make_plan(factory.valid_dict("websocket"), region=REGION, deployment_id="ga-x")
    ids = {"account": "111122223333", "api": "abc123", "authorizer:token": "auth9"}
    sources = {s.key: resolve(s.call.params["SourceArn"], ids) for s in plan.steps if s.kind == "permission"}
    assert sources["permission:authorizer:token"] == "arn:aws:execute-api:us-east-1:111122223333:abc123/authorizers/auth9"
    assert sources["permission:route:$connect"] == "arn:aws:execute-api:us-east-1:111122223333:abc123/*/$connect"
    rest = make_plan(factory.valid_dict("rest"), region=REGION)
    tails = [resolve(s.call.params["SourceArn"], ids).split("abc123/")[1] for s in rest.steps if s.kind == "permission"]
    assert tails == ["*/GET/items", "*/POST/items", "*/GET/items/*"]  # ResolvedRoute.source_arn
    assert all(s.call.params["StatementId"].startswith("ga-") for s in rest.steps if s.kind == "permission")


def test_http_auto_deploy_needs_no_deployment_websocket_does():
    http = make_plan(factory.valid_dict("http"), region=REGION)
    assert "apigatewayv2.create_deployment" not in calls(http)
    assert any("AWS makes a new deployment itself" in c.summary for c in http.changes)
    ws = make_plan(factory.valid_dict("websocket"), region=REGION)
    assert calls(ws)[-2:] == ["apigatewayv2.create_deployment", "apigatewayv2.create_stage"]
    mock = next(s for s in ws.steps if s.key == "integration:$default").call.params
    assert mock["IntegrationType"] == "MOCK" and mock["TemplateSelectionExpression"] == "\\$default"


def test_stage_option_and_default_stage():
    d = factory.valid_dict("rest")
    d["stages"] = []
    plan = make_plan(d, region=REGION)
    assert any(s.key == "stage:dev" for s in plan.steps) and any("no stage" in n for n in plan.notes)
    d = factory.valid_dict("rest")
    d["stages"].append({"name": "beta"})
    only = make_plan(d, region=REGION, stage="beta")
    assert [s.key for s in only.steps if s.kind == "stage"] == ["stage:beta"]


def test_a_rest_api_without_routes_gets_no_stage():
    d = factory.valid_dict("rest")
    d["routes"] = []
    plan = make_plan(d, region=REGION)
    assert "apigateway.create_stage" not in calls(plan) and any("no routes yet" in n for n in plan.notes)


def test_plan_round_trips_through_json_and_renders():
    plan = make_plan(factory.kitchen_sink_rest().to_dict(), region="eu-west-1")
    again = Plan.from_dict(json.loads(json.dumps(plan.to_dict())))
    assert again.to_dict() == plan.to_dict()
    text = plan.render()
    assert "apigateway.create_rest_api(" in text and "<api>" in text and "What it may cost" in text
    assert "usage" not in text or "usage plan" in text


# --------------------------------------------------------------------------------------------------
# Changes: the diff against what the deployment already has
# --------------------------------------------------------------------------------------------------


def test_an_unchanged_design_makes_an_empty_plan():
    first = make_plan(factory.valid_dict("rest"), region=REGION)
    record = applied(first)
    again = make_plan(factory.valid_dict("rest"), record=record)
    assert again.empty and not again.steps and "Nothing to change" in again.render()


def test_changing_one_integration_reputs_it_and_points_the_stage_at_a_new_deployment():
    d = factory.valid_dict("rest")
    record = applied(make_plan(d, region=REGION))
    d["routes"][0]["integration"]["timeout_ms"] = 8000
    plan = make_plan(d, record=record)
    assert calls(plan) == ["sts.get_caller_identity", "apigateway.put_integration", "apigateway.create_deployment",
                           "apigateway.update_stage"]
    update = plan.steps[1]
    assert update.action == "update" and update.undo[0].params["timeoutInMillis"] == 5000
    ops = plan.steps[3].call.params["patchOperations"]
    assert ops == [{"op": "replace", "path": "/deploymentId", "value": {"$ref": "deployment:2"}}]
    assert plan.steps[3].undo[0].params["patchOperations"][-1]["value"] == {"$ref": "deployment:1"}
    assert [c.action for c in plan.changes] == ["update", "deploy"] and not plan.first


def test_removing_a_route_deletes_its_permission_and_method():
    d = factory.valid_dict("rest")
    record = applied(make_plan(d, region=REGION))
    del d["routes"][1]  # POST /items
    plan = make_plan(d, record=record)
    deleted = [(s.action, s.call.name if s.call else None, s.key) for s in plan.steps if s.action in ("delete", "forget")]
    assert ("delete", "lambda.remove_permission", "permission:route:POST /items") in deleted
    assert ("delete", "apigateway.delete_method", "method:POST /items") in deleted
    assert ("forget", None, "integration:POST /items") in deleted  # goes with its method
    assert deleted.index(("forget", None, "integration:POST /items")) < deleted.index(
        ("delete", "apigateway.delete_method", "method:POST /items"))
    assert "apigateway.create_deployment" in calls(plan)


def test_stage_settings_change_without_a_new_deployment():
    d = factory.valid_dict("rest")
    record = applied(make_plan(d, region=REGION))
    d["stages"][0]["throttle_rate"] = 50
    d["stages"][0]["variables"] = {"alias": "live"}
    plan = make_plan(d, record=record)
    assert calls(plan) == ["sts.get_caller_identity", "apigateway.update_stage", "apigateway.update_stage"]
    assert plan.steps[1].call.params["patchOperations"] == [{"op": "replace", "path": "/variables/alias", "value": "live"}]
    assert "without a new deployment" in plan.steps[1].note
    assert {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "50"} in plan.steps[2].call.params["patchOperations"]


def test_a_replaced_authorizer_replaces_the_methods_that_use_it():
    d = factory.valid_dict("rest")
    record = applied(make_plan(d, region=REGION))
    d["authorizers"][0]["user_pool_arns"] = [f"arn:aws:cognito-idp:{REGION}:123456789012:userpool/{REGION}_OTHER"]
    plan = make_plan(d, record=record)
    order = [(s.action, s.key) for s in plan.steps if s.action != "read"]
    assert ("delete", "method:GET /items/{id}") in order and ("delete", "authorizer:users") in order
    assert order.index(("delete", "method:GET /items/{id}")) < order.index(("delete", "authorizer:users"))
    assert order.index(("create", "authorizer:users")) < order.index(("create", "method:GET /items/{id}"))
    assert ("create", "method:GET /items") not in order  # it uses no authorizer
    assert any(c.action == "replace" and c.key == "authorizer:users" for c in plan.changes)


def test_a_canary_stage_gets_new_deployments_on_its_canary_only():
    d = factory.valid_dict("rest")
    d["stages"][0]["canary"] = {"percent_traffic": 10, "stage_variable_overrides": {"alias": "next"}}
    d["stages"][0]["variables"] = {"alias": "live"}
    first = make_plan(d, region=REGION)
    stage = next(s for s in first.steps if s.call and s.call.operation == "create_stage").call.params
    assert stage["canarySettings"] == {"percentTraffic": 10.0, "useStageCache": False,
                                       "stageVariableOverrides": {"alias": "next"}, "deploymentId": {"$ref": "deployment:1"}}
    record = applied(first)
    d["routes"][0]["integration"]["timeout_ms"] = 9000
    plan = make_plan(d, record=record)
    release = [s for s in plan.steps if s.call and s.call.operation == "create_deployment"]
    assert len(release) == 1 and release[0].call.params["stageName"] == "prod"
    assert release[0].call.params["canarySettings"]["percentTraffic"] == 10.0
    assert not any(op.get("path") == "/deploymentId" for s in plan.steps if s.call
                   for op in s.call.params.get("patchOperations", []))
    assert "promote" in release[0].note


def test_http_and_websocket_stage_updates():
    http = factory.valid_dict("http")
    record = applied(make_plan(http, region=REGION))
    http["stages"][0]["throttle_rate"] = 20
    plan = make_plan(http, record=record)
    assert calls(plan) == ["sts.get_caller_identity", "apigatewayv2.update_stage"]
    update = plan.steps[1]
    assert update.call.params["DefaultRouteSettings"] == {"ThrottlingRateLimit": 20.0, "ThrottlingBurstLimit": 100}
    assert "DeploymentId" not in update.call.params  # auto-deploy
    assert update.undo[0].params["DefaultRouteSettings"]["ThrottlingRateLimit"] == 50.0
    ws = factory.valid_dict("websocket")
    record = applied(make_plan(ws, region=REGION))
    ws["routes"][2]["integration"]["timeout_ms"] = 9000
    plan = make_plan(ws, record=record)
    assert calls(plan) == ["sts.get_caller_identity", "apigatewayv2.update_integration", "apigatewayv2.create_deployment",
                           "apigatewayv2.update_stage"]
    assert plan.steps[1].call.params["IntegrationId"] == {"$ref": "integration:sendMessage"}
    assert plan.steps[3].call.params == {"ApiId": {"$ref": "api"}, "StageName": "production",
                                         "DeploymentId": {"$ref": "deployment:2"}}
    assert plan.steps[3].undo[0].params["DeploymentId"] == {"$ref": "deployment:1"}


def test_a_deployment_stays_in_its_region():
    record = applied(make_plan(factory.valid_dict("http"), region=REGION))
    with pytest.raises(PlanError, match="lives in us-east-1"):
        make_plan(factory.valid_dict("http"), record=record, region="eu-west-1")


# --------------------------------------------------------------------------------------------------
# Teardown order
# --------------------------------------------------------------------------------------------------


def test_teardown_deletes_permissions_plans_keys_stages_deployments_then_the_api():
    d = factory.valid_dict("rest")
    d["api_keys"] = [{"name": "partner"}]
    d["usage_plans"] = [{"name": "basic", "stages": ["prod"], "api_keys": ["partner"], "throttle_rate": 5, "throttle_burst": 10}]
    record = applied(make_plan(d, region=REGION))
    plan = make_teardown_plan(record)
    order = [s.call.name for s in plan.steps if s.call is not None]
    first_of = {name: order.index(name) for name in reversed(order)}
    assert first_of["lambda.remove_permission"] < first_of["apigateway.delete_usage_plan_key"] \
        < first_of["apigateway.update_usage_plan"] < first_of["apigateway.delete_usage_plan"] \
        < first_of["apigateway.delete_api_key"] < first_of["apigateway.delete_stage"] \
        < first_of["apigateway.delete_deployment"] < first_of["apigateway.delete_rest_api"]
    assert order[-1] == "apigateway.delete_rest_api"
    forgotten = {s.key for s in plan.steps if s.action == "forget"}
    assert {"method:GET /items", "resource:/items", "authorizer:users", "stage_settings:prod"} <= forgotten


# --------------------------------------------------------------------------------------------------
# Costs
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "hourly"), [("0.5", 0.020), ("1.6", 0.038), ("6.1", 0.200), ("237", 3.800)])
def test_cache_is_billed_by_the_hour(size, hourly):
    d = factory.valid_dict("rest")
    d["stages"][0] |= {"cache_enabled": True, "cache_size": size}
    cost = estimate(resolve_design(d), REGION, hours=2)
    assert cost.hourly_usd == hourly and cost.while_up_usd == pytest.approx(hourly * 2)
    assert "never in the free tier" in cost.render() and "checked 2026-12-02" in cost.render()


def test_cost_lines_per_api_type_and_region_note():
    assert "$1.00/million requests" in estimate(resolve_design(factory.valid_dict("http")), REGION).render()
    ws = estimate(resolve_design(factory.valid_dict("websocket")), "eu-west-1").render()
    assert "Connection minutes" in ws and "eu-west-1 may differ" in ws
    rest = estimate(resolve_design(factory.valid_dict("rest")), REGION)
    assert rest.hourly_usd == 0 and "$3.50/million" in rest.render() and "1 million REST API calls" in rest.render()


# --------------------------------------------------------------------------------------------------
# Verification's comparison (pure): what moto can't report is checked against what AWS documents
# --------------------------------------------------------------------------------------------------


def canary_record_and_observed():
    d = factory.valid_dict("rest")
    d["stages"][0] |= {"variables": {"alias": "live"}, "cache_enabled": True, "cache_size": "1.6",
                       "canary": {"percent_traffic": 10, "stage_variable_overrides": {"alias": "next"}}}
    record = applied(make_plan(d, region=REGION))
    ids = record.ids
    # the shapes AWS documents for GetRestApi, GetMethod, GetAuthorizers, GetStage (with canarySettings)
    observed = {
        "api": {"id": ids["api"], "name": "items-api", "endpointConfiguration": {"types": ["REGIONAL"]}},
        "paths": ["/", "/items", "/items/{id}"],
        "authorizers": [{"id": ids["authorizer:users"], "name": "users", "type": "COGNITO_USER_POOLS"}],
        "methods": {
            "GET /items": {"authorizationType": "NONE", "apiKeyRequired": False,
                           "methodIntegration": {"type": "AWS_PROXY", "uri": f"arn:.../{lambda_arn('items')}/invocations"}},
            "POST /items": {"authorizationType": "AWS_IAM", "apiKeyRequired": False,
                            "methodIntegration": {"type": "AWS_PROXY", "uri": f"arn:.../{lambda_arn('items')}/invocations"}},
            "GET /items/{id}": {"authorizationType": "COGNITO_USER_POOLS", "authorizerId": ids["authorizer:users"],
                                "apiKeyRequired": False,
                                "methodIntegration": {"type": "AWS_PROXY", "uri": f"arn:.../{lambda_arn('items')}/invocations"}},
        },
        "stages": {"prod": {"deploymentId": ids["deployment:1"], "variables": {"alias": "live"},
                            "cacheClusterEnabled": True, "cacheClusterSize": "1.6",
                            "methodSettings": {"*/*": {"throttlingRateLimit": 100.0, "throttlingBurstLimit": 200}},
                            "canarySettings": {"percentTraffic": 10.0, "deploymentId": ids["deployment:1"],
                                               "stageVariableOverrides": {"alias": "next"}, "useStageCache": False}}},
        "api_keys": {}, "usage_plans": {},
        "policies": {lambda_arn("items"): [
            {"Sid": s.call.params["StatementId"], "Condition": {"ArnLike": {"AWS:SourceArn": resolve(s.call.params["SourceArn"], ids)}}}
            for s in Plan.from_dict(record.runs[0]["plan"]).steps if s.kind == "permission"]},
    }
    return record, observed


def test_compare_passes_when_aws_reports_the_design_canary_included():
    record, observed = canary_record_and_observed()
    checks = compare(record.design, record, observed)
    assert [c for c in checks if not c["passed"]] == []
    ids = {c["id"] for c in checks}
    assert {"stage.prod.canary", "stage.prod.canary_overrides", "stage.prod.canary_deployment", "stage.prod.cache_size",
            "method.GET /items/{id}.authorizer", "permission.permission:route:GET /items"} <= ids


def test_compare_fails_each_difference_with_what_aws_said():
    record, observed = canary_record_and_observed()
    bad = copy.deepcopy(observed)
    del bad["stages"]["prod"]["canarySettings"]  # what moto 5.2.5 answers
    bad["methods"]["POST /items"]["authorizationType"] = "NONE"
    bad["policies"][lambda_arn("items")] = []
    failed = {c["id"]: c for c in compare(record.design, record, bad) if not c["passed"]}
    assert failed["stage.prod.canary"]["actual"] is None and failed["stage.prod.canary"]["expected"] == 10.0
    assert failed["method.POST /items.authorization"]["actual"] == "NONE"
    assert "permission.permission:route:POST /items" in failed


# --------------------------------------------------------------------------------------------------
# Secrets: redaction and the Credentials value
# --------------------------------------------------------------------------------------------------

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE" * 8


def test_redact_masks_secret_fields_known_secrets_and_secret_shapes():
    out = redact({"id": "k1", "value": "apikeyvalue123456", "name": "partner"}, "create_api_key")
    assert out == {"id": "k1", "value": "***redacted***", "name": "partner"}
    assert redact({"patchOperations": [{"op": "replace", "path": "/name", "value": "x"}]}, "update_rest_api") == {
        "patchOperations": [{"op": "replace", "path": "/name", "value": "x"}]}
    assert redact({"Credentials": {"SecretAccessKey": "x"}}, "assume_role") == {"Credentials": "***redacted***"}
    assert redact({"message": f"bad key {SECRET}!"}, secrets=[SECRET])["message"] == "bad key ***redacted***!"
    assert redact({"x": SECRET, "y": TOKEN}) == {"x": "***redacted***", "y": "***redacted***"}
    assert redact({"arn": lambda_arn("items")})["arn"] == lambda_arn("items")


def test_credentials_never_show_their_secret():
    creds = Credentials("ASIAEXAMPLEEXAMPLE12", SECRET, TOKEN)
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert SECRET not in text and TOKEN not in text and "ASIAEXAMPLEEXAMPLE12" not in text
    with pytest.raises(TypeError):
        pickle.dumps(creds)
    with pytest.raises(TypeError):
        json.dumps(creds)
    with pytest.raises(AttributeError):
        creds.access_key_id = "x"
    assert not hasattr(creds, "__dict__")
    assert set(creds.secrets()) == {SECRET, TOKEN}


@pytest.mark.parametrize("text", [
    f"export AWS_ACCESS_KEY_ID=ASIAEXAMPLEEXAMPLE12\nexport AWS_SECRET_ACCESS_KEY={SECRET}\nexport AWS_SESSION_TOKEN={TOKEN}\n",
    f'$Env:AWS_ACCESS_KEY_ID="ASIAEXAMPLEEXAMPLE12"\n$Env:AWS_SECRET_ACCESS_KEY="{SECRET}"\n$Env:AWS_SESSION_TOKEN="{TOKEN}"',
    f"[default]\naws_access_key_id = ASIAEXAMPLEEXAMPLE12\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}",
    json.dumps({"Credentials": {"AccessKeyId": "ASIAEXAMPLEEXAMPLE12", "SecretAccessKey": SECRET, "SessionToken": TOKEN,
                                "Expiration": "2026-12-02T13:00:00Z"}}),
])
def test_pasted_credentials_are_parsed(text):
    creds = Credentials.from_text(text)
    assert creds.access_key_id == "ASIAEXAMPLEEXAMPLE12" and creds.temporary and creds == Credentials(
        "ASIAEXAMPLEEXAMPLE12", SECRET, TOKEN)


@pytest.mark.parametrize("text", ["", "hello", f"AWS_SECRET_ACCESS_KEY={SECRET}", "{not json",
                                  f"AWS_ACCESS_KEY_ID=nope\nAWS_SECRET_ACCESS_KEY={SECRET}"])
def test_bad_pastes_are_refused_without_repeating_them(text):
    with pytest.raises(CredentialsError) as info:
        Credentials.from_text(text)
    assert SECRET not in str(info.value)


# --------------------------------------------------------------------------------------------------
# The role template and quick-create link
# --------------------------------------------------------------------------------------------------


def test_role_template_trusts_the_site_with_the_learners_external_id(tmp_path):
    template = role_template("111122223333", "ga-learner-external-id", site="academy.example")
    role = template["Resources"]["DeployerRole"]["Properties"]
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}
    assert template["Parameters"]["ExternalId"]["Default"] == "ga-learner-external-id"
    assert template["Parameters"]["SitePrincipal"]["Default"] == "arn:aws:iam::111122223333:root"
    statements = {s["Sid"]: s for s in role["Policies"][0]["PolicyDocument"]["Statement"]}
    site = {"Fn::Sub": "${SiteTag}"}
    assert statements["CreateOnlyTagged"]["Condition"] == {"StringEquals": {"aws:RequestTag/gateway-academy:site": site}}
    assert statements["ManageTaggedRestApisKeysPlans"]["Condition"]["StringEquals"] == {
        "aws:ResourceTag/gateway-academy:site": site}
    assert statements["LambdaPermissionsForApiGatewayOnly"]["Condition"] == {
        "StringEquals": {"lambda:Principal": "apigateway.amazonaws.com"}}
    assert not any("*" in str(s["Action"]) for s in statements.values())  # named actions only
    path = tmp_path / "role.json"
    path.write_text(json.dumps(template), encoding="utf-8")
    lint = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), "--format", "json", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert [m for m in json.loads(lint.stdout or "[]") if m["Level"] in ("Error", "Warning")] == []


def test_quick_create_link():
    url = quick_create_url("https://bucket.s3.amazonaws.com/role.json", region="eu-west-1", stack_name="ga",
                           parameters={"ExternalId": "ga-x"})
    assert url.startswith("https://console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/create/review?")
    assert "templateURL=https%3A%2F%2Fbucket.s3.amazonaws.com%2Frole.json" in url and "param_ExternalId=ga-x" in url


# --------------------------------------------------------------------------------------------------
# Plain words, and the reaper's choice
# --------------------------------------------------------------------------------------------------


def client_error(code: str, message: str = "nope", status: int = 400, attempts: int = 0) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": status, "RetryAttempts": attempts}}, "CreateRestApi")


def test_errors_in_plain_words():
    assert "may not do it" in explain(client_error("AccessDeniedException"), "apigateway.create_rest_api")
    assert "8 attempts" in explain(client_error("TooManyRequestsException", attempts=7))
    assert "quota" in explain(client_error("LimitExceededException"))
    assert "not enabled" in explain(client_error("UnrecognizedClientException"), region="ap-east-1")
    assert "does not exist in eu-west-1" in explain(client_error("ResourceNotFoundException"), "lambda.add_permission",
                                                    region="eu-west-1", function="f")
    assert "Region" in explain(EndpointConnectionError(endpoint_url="https://apigateway.xx-nowhere-1.amazonaws.com"))


def test_due_for_reaping():
    now = utcnow()
    due = DeploymentRecord("ga-1", REGION, status="deployed", expires_at=iso(now - timedelta(minutes=1)))
    later = DeploymentRecord("ga-2", REGION, status="deployed", expires_at=iso(now + timedelta(hours=1)))
    gone = DeploymentRecord("ga-3", REGION, status="torn_down", expires_at=iso(now - timedelta(hours=1)))
    stuck = DeploymentRecord("ga-4", REGION, status="teardown_incomplete", expires_at=iso(now - timedelta(hours=1)))
    clean = DeploymentRecord("ga-5", REGION, status="rolled_back", expires_at=iso(now - timedelta(hours=1)))
    crashed = DeploymentRecord("ga-6", REGION, status="applying", expires_at=iso(now - timedelta(hours=1)),
                               state={"api": {"kind": "rest_api"}})
    assert [r.deployment_id for r in due_for_reaping([due, later, gone, stuck, clean, crashed], now)] == [
        "ga-1", "ga-4", "ga-6"]
    assert DeploymentRecord.from_dict(json.loads(due.to_json())) == due
