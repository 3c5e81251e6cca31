"""The gateway's small parts on their own: policies, JSONPath, DynamoDB, parameter mapping, functions."""

from __future__ import annotations

import json

import pytest

from labs.apigw.gateway import FUNCTIONS, Request, Sandbox
from labs.apigw.gateway.dynamodb import Tables
from labs.apigw.gateway.functions import FunctionNotFound, invoke, parse_arn
from labs.apigw.gateway.jsonpath import MISSING, JsonPathError, find
from labs.apigw.gateway.policy import evaluate

from .test_gateway import ACCT, arn, deployed, http, proxy, rest

PREFIX = f"arn:aws:execute-api:us-east-1:{ACCT}:abc"
RES = f"{PREFIX}/prod/GET/reports"


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(**extra):
    return {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*", **extra}


def test_policy_deny_wins_and_no_match_is_implicit():
    deny = {**allow(), "Effect": "Deny", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}
    doc = policy(deny, allow())
    assert evaluate(doc, resource=RES, arn_prefix=PREFIX, context={"aws:SourceVpce": "vpce-1"}).allowed
    assert evaluate(doc, resource=RES, arn_prefix=PREFIX, context={"aws:SourceVpce": "vpce-2"}).explicit_deny
    assert evaluate(doc, resource=RES, arn_prefix=PREFIX, context={}).explicit_deny  # negated key absent: true
    only_post = policy(allow(Resource="execute-api:/prod/POST/*"))
    assert evaluate(only_post, resource=RES, arn_prefix=PREFIX).effect == ""


@pytest.mark.parametrize("condition,context,expected", [
    ({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}, {"aws:SourceIp": "10.1.2.3"}, True),
    ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "10.1.2.3"}, False),
    ({"StringLike": {"aws:SourceVpce": "vpce-0*"}}, {"aws:SourceVpce": "vpce-0abc"}, True),
    ({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}, {}, True),
    ({"Null": {"aws:SourceVpce": "true"}}, {}, True),
    ({"StringEquals": {"aws:SourceVpce": "vpce-1"}}, {}, False),
    ({"NumericLessThan": {"aws:x": "3"}}, {"aws:x": "1"}, False),
])
def test_policy_conditions(condition, context, expected):
    decision = evaluate(policy(allow(Condition=condition)), resource=RES, arn_prefix=PREFIX, context=context)
    assert decision.allowed is expected
    if "Numeric" in str(condition):
        assert any("not emulated" in n for n in decision.notes)


def test_policy_principals_and_not_action():
    doc = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"},
                  "NotAction": "execute-api:ManageConnections", "Resource": "*"})
    assert evaluate(doc, resource=RES, arn_prefix=PREFIX, caller="arn:aws:iam::123456789012:user/x",
                    caller_account=ACCT).allowed
    assert not evaluate(doc, resource=RES, arn_prefix=PREFIX, caller="*").allowed


def test_jsonpath_subset():
    doc = {"a": {"b": [1, {"c": "x"}]}, "k-1": 2}
    assert find(doc, "$.a.b[1].c") == "x" and find(doc, "$['k-1']") == 2 and find(doc, "a.b[0]") == 1
    assert find(doc, "$.a.b[*]") == [1, {"c": "x"}] and find(doc, "$.nope") is MISSING and find(doc, "$") == doc
    with pytest.raises(JsonPathError):
        find(doc, "$..c")


def test_dynamodb_actions_and_errors():
    tables = Tables({})
    assert tables.execute("PutItem", json.dumps({"TableName": "Items", "Item": {"id": {"S": "1"}, "n": {"N": "2"}}})) \
        == (200, {})
    status, body = tables.execute("GetItem", json.dumps({"TableName": "Items", "Key": {"id": {"S": "1"}}}))
    assert status == 200 and body["Item"]["n"] == {"N": "2"}
    status, body = tables.execute("UpdateItem", json.dumps({
        "TableName": "Items", "Key": {"id": {"S": "1"}}, "UpdateExpression": "SET n = :n",
        "ExpressionAttributeValues": {":n": {"N": "3"}}, "ReturnValues": "ALL_NEW"}))
    assert body["Attributes"]["n"] == {"N": "3"}
    status, body = tables.execute("Query", json.dumps({"TableName": "Items", "KeyConditionExpression": "id = :v",
                                                       "ExpressionAttributeValues": {":v": {"S": "1"}}}))
    assert body["Count"] == 1
    assert tables.execute("PutItem", json.dumps({"TableName": "Nope", "Item": {}}))[1]["__type"].endswith(
        "ResourceNotFoundException")
    status, body = tables.execute("PutItem", json.dumps({"TableName": "Items", "Item": {"name": {"S": "x"}}}))
    assert status == 400 and "Missing the key id" in body["message"]
    assert tables.execute("DeleteItem", json.dumps({"TableName": "Items", "Key": {"id": {"S": "1"}}})) == (200, {})
    assert tables.execute("Scan", '{"TableName": "Items"}')[1]["Count"] == 0
    assert tables.execute("PutItem", "not json")[0] == 400


def test_function_arns_aliases_and_unknown_functions():
    assert parse_arn(arn("pricing:live")) == ("us-east-1", "pricing", "live")
    with pytest.raises(FunctionNotFound):
        parse_arn("pricing")

    class NoServices:
        tables = Tables({})

    v2 = invoke(arn("pricing:next"), {"httpMethod": "GET", "path": "/prices", "resource": "/prices"},
                services=NoServices(), request_id="r", kind="proxy-1.0")
    assert v2.version == "2" and json.loads(v2.payload["body"])["version"] == 2
    latest = invoke(arn("pricing"), {}, services=NoServices(), request_id="r", kind="custom")
    assert latest.version == "2"
    with pytest.raises(FunctionNotFound):
        invoke(arn("nobody"), {}, services=NoServices(), request_id="r", kind="custom")
    failed = invoke(arn("error"), {}, services=NoServices(), request_id="r", kind="custom")
    assert failed.function_error == "Unhandled" and set(failed.payload) == {"errorMessage", "errorType", "stackTrace"}
    assert {"echo", "slow", "error", "bad-response", "orders-api", "pricing", "chat-send", "chat-connections",
            "chat-auth", "notes-api", "reports-api"} <= set(FUNCTIONS)


def test_rest_parameter_mapping_reaches_an_http_backend():
    design = rest({"key": "GET /items/{id}", "integration": {
        "kind": "http", "uri": "https://echo.example.com/lookup/{item}",
        "request_parameters": {"integration.request.path.item": "method.request.path.id",
                               "integration.request.header.X-Stage": "stageVariables.name",
                               "integration.request.querystring.mode": "'fast'"}}},
        stages=[{"name": "prod", "variables": {"name": "prod-1"}}])
    r = deployed(design).invoke(Request("GET", "/items/5", stage="prod", query="ignored=1",
                                        headers={"X-Not-Mapped": "1"}))
    echoed = r.json()
    assert echoed["path"] == "/lookup/5" and echoed["query"] == {"mode": "fast"}
    assert echoed["headers"] == {"X-Stage": "prod-1"}


def test_http_parameter_mapping():
    design = http({"key": "GET /a", "integration": {
        "kind": "http_proxy", "uri": "https://echo.example.com/a",
        "request_parameters": {"append:header.x-from": "$context.requestId", "remove:header.x-secret": "''",
                               "overwrite:querystring.q": "${request.querystring.q}-v2", "overwrite:path": "/b"}}})
    r = deployed(design).invoke(Request("GET", "/a", query="q=1", headers={"x-secret": "s"}))
    echoed = r.json()
    assert echoed["path"] == "/b" and echoed["query"] == {"q": "1-v2"}
    assert "x-secret" not in {k.lower() for k in echoed["headers"]} and echoed["headers"]["x-from"]


def test_sandbox_errors_and_bounds():
    sb = deployed(rest("GET /a"))
    from labs.apigw.gateway import SandboxError

    with pytest.raises(SandboxError):
        sb.load_test(Request("GET", "/a", stage="prod"), 0)
    with pytest.raises(SandboxError):
        sb.load_test(Request("GET", "/a", stage="prod"), 2, rate=0)
    with pytest.raises(SandboxError):
        Sandbox.from_dict({"version": 99})
    with pytest.raises(ValueError):
        sb.advance(-1)
    assert deployed(http("GET /a")).invoke_url("$default").endswith(".amazonaws.com")


def test_draft_routes_without_integration_are_configuration_errors():
    r = deployed(rest({"key": "GET /a", "integration": {}})).invoke(Request("GET", "/a", stage="prod"))
    assert (r.status, r.error_type) == (500, "API_CONFIGURATION_ERROR")
    assert deployed(rest({"key": "GET /a", "integration": proxy("echo")})).invoke(
        Request("GET", "/a", stage="prod")).status == 200
