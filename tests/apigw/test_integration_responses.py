"""Integration responses beside the default one: how a custom (non-proxy) REST integration turns a backend's
error into the client's 4XX/5XX.  API Gateway tries each response's selection pattern against the backend's
HTTP status code (against the function's errorMessage for a custom Lambda integration) and answers with the
default response when none matches; each maps to a method response of its status.  The same design must
import, export (OpenAPI, CloudFormation, the deployer's calls) and run in the sandbox alike.
"""

from __future__ import annotations

import json

from labs.apigw import openapi
from labs.apigw.cloudformation import export_cloudformation
from labs.apigw.deploy import make_plan
from labs.apigw.gateway import Request, Sandbox
from labs.apigw.model import Design, IntegrationResponse
from labs.apigw.rules import validate

ACCT = "123456789012"


def design(integration: dict, api_type: str = "rest") -> dict:
    return {"schema": 1, "name": "t", "api_type": api_type, "endpoint_types": ["REGIONAL"],
            "routes": [{"key": "GET /thing", "integration": integration}], "stages": [{"name": "prod"}]}


HTTP_STATUS = {  # the sample backend answers /status/{code} with that code
    "kind": "http", "uri": "http://httpbin.example.com/status/{code}", "http_method": "GET",
    "request_parameters": {"integration.request.path.code": "method.request.querystring.code"},
    "responses": [
        {"selection_pattern": "4\\d{2}", "status_code": "400", "templates": {"application/json": '{"error": "client"}'}},
        {"selection_pattern": "5\\d{2}", "status_code": "502"},
    ],
}
LAMBDA_ERROR = {
    "kind": "lambda", "lambda_arn": f"arn:aws:lambda:us-east-1:{ACCT}:function:error",
    "responses": [{"selection_pattern": ".*went wrong.*", "status_code": "500",
                   "templates": {"application/json": '{"failed": "$input.path(\'$.errorMessage\')"}'}}],
}


def call(d: dict, query: str = ""):
    sb = Sandbox(1)
    sb.deploy(d)
    return sb.invoke(Request("GET", "/thing", stage="prod", query=query))


def step(response, name: str):
    return next(s for s in response.trace if s.step == name)


def test_the_backends_status_picks_the_integration_response_and_its_template():
    bad = call(design(HTTP_STATUS), "code=404")
    assert bad.status == 400 and json.loads(bad.body) == {"error": "client"}
    assert "'4\\\\d{2}' matched '404'" in step(bad, "integration-response").detail
    broken = call(design(HTTP_STATUS), "code=503")
    assert broken.status == 502 and json.loads(broken.body) == {"status": 503}  # no template: the body passes
    ok = call(design(HTTP_STATUS), "code=201")
    assert ok.status == 200 and "the default response answers" in step(ok, "integration-response").detail


def test_a_custom_lambda_integration_matches_the_error_message():
    failed = call(design(LAMBDA_ERROR))
    assert failed.status == 500
    assert json.loads(failed.body) == {"failed": "Something went wrong in the function"}
    without = call(design({**LAMBDA_ERROR, "responses": []}))
    assert without.status == 200  # AWS's own pitfall: the default response turns the error into a 200
    assert "needs a selection pattern" in step(without, "integration-response").detail


def test_openapi_round_trip_keeps_every_response_and_declares_its_method_response():
    d = Design.from_dict(design(HTTP_STATUS))
    doc = openapi.export_openapi(d)
    op = doc["paths"]["/thing"]["get"]
    assert set(op["responses"]) == {"200", "400", "502"}
    assert op["x-amazon-apigateway-integration"]["responses"] == {
        "default": {"statusCode": "200"},
        "4\\d{2}": {"statusCode": "400", "responseTemplates": {"application/json": '{"error": "client"}'}},
        "5\\d{2}": {"statusCode": "502"},
    }
    result = openapi.import_openapi(openapi.export_openapi(d))
    assert result.design.routes[0].integration.responses == d.routes[0].integration.responses
    assert not [n for n in result.notes if "respons" in n.message], result.notes


def test_cloudformation_writes_each_integration_response_and_method_response():
    template = export_cloudformation(Design.from_dict(design(HTTP_STATUS)))
    method = next(r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Method")
    assert [(r["StatusCode"], r.get("SelectionPattern")) for r in method["Integration"]["IntegrationResponses"]] == [
        ("200", None), ("400", "4\\d{2}"), ("502", "5\\d{2}")]
    assert [r["StatusCode"] for r in method["MethodResponses"]] == ["200", "400", "502"]


def test_the_deployer_puts_a_method_response_before_each_integration_response():
    plan = make_plan(design(HTTP_STATUS), region="us-east-1")
    calls = [(s.call.name, s.call.params.get("statusCode"), s.call.params.get("selectionPattern"))
             for s in plan.steps if s.call is not None and s.call.name.endswith("_response")]
    assert calls == [("apigateway.put_method_response", "200", None), ("apigateway.put_integration_response", "200", None),
                     ("apigateway.put_method_response", "400", None),
                     ("apigateway.put_integration_response", "400", "4\\d{2}"),
                     ("apigateway.put_method_response", "502", None),
                     ("apigateway.put_integration_response", "502", "5\\d{2}")]


def test_websocket_integration_responses_are_keyed_by_their_pattern_between_slashes():
    d = {"schema": 1, "name": "w", "api_type": "websocket", "routes": [
        {"key": "$default", "integration": {"kind": "mock", "response_templates": {"$default": '{"ok": true}'},
                                            "responses": [{"selection_pattern": "4\\d{2}",
                                                           "templates": {"$default": '{"ok": false}'}}]}}],
         "stages": [{"name": "prod"}]}
    template = export_cloudformation(Design.from_dict(d))
    keys = sorted(r["Properties"]["IntegrationResponseKey"] for r in template["Resources"].values()
                  if r["Type"] == "AWS::ApiGatewayV2::IntegrationResponse")
    assert keys == ["$default", "/4\\d{2}/"]
    plan = make_plan(d, region="us-east-1")
    assert sorted(s.call.params["IntegrationResponseKey"] for s in plan.steps
                  if s.call is not None and s.call.name == "apigatewayv2.create_integration_response") == [
        "$default", "/4\\d{2}/"]


def findings(d: dict) -> list[str]:
    return [f.message for f in validate(Design.from_dict(d)) if f.rule_id == "integration.response-selection"]


def test_the_rule_names_what_each_response_lacks():
    def with_responses(*responses):
        return design({**HTTP_STATUS, "responses": [IntegrationResponse(*r).__dict__ for r in responses]})

    assert findings(design(HTTP_STATUS)) == []
    assert "Only the default response goes without a selection pattern" in findings(with_responses(("", "400")))[0]
    assert "not a regular expression" in findings(with_responses(("(4\\d{2}", "400")))[0]
    assert "three digits from 100 to 599" in findings(with_responses(("4\\d{2}", "4000")))[0]
    assert "Status 200 is already the default response's" in findings(with_responses(("4\\d{2}", "200")))[0]
    [same] = findings(with_responses(("4\\d{2}", "400"), ("4\\d{2}", "404")))
    assert "would never be chosen" in same
    # on a proxy integration the backend's answer goes through as it is: the proxy rule says so instead
    proxy = design({"kind": "http_proxy", "uri": "http://echo.example.com/", "responses": [
        {"selection_pattern": "4\\d{2}", "status_code": "400"}]})
    assert findings(proxy) == []
    assert any(f.rule_id == "integration.proxy-no-templates" for f in validate(Design.from_dict(proxy)))


def test_an_import_keeps_at_most_one_response_per_status_code_and_says_so():
    mappings = {"default": {"statusCode": "200"}, **{f"x{n}": {"statusCode": "400"} for n in range(600)}}
    doc = {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {"/thing": {"get": {
        "x-amazon-apigateway-integration": {"type": "mock", "responses": mappings}}}}}
    result = openapi.import_openapi(doc)
    assert len(result.design.routes[0].integration.responses) == 500
    assert any("100 response mapping(s) past the first 500 dropped" in n.message for n in result.notes)


NESTED = "(" * 450 + "4" + ")" * 450  # under the length limit, and too deep for the parser (RecursionError)


def test_a_pattern_too_deep_to_read_is_a_finding_and_skipped_by_the_sandbox_with_a_note():
    d = design({**HTTP_STATUS, "responses": [{"selection_pattern": NESTED, "status_code": "400"}]})
    [finding] = findings(d)
    assert "nests too deeply" in finding
    answer = call(d, "code=404")
    assert answer.status == 200  # the default response answers
    assert "was skipped: it nests too deeply to be read" in step(answer, "integration-response").detail


def test_a_pattern_that_matches_too_long_is_stopped_and_skipped(monkeypatch):
    from labs.apigw import patterns
    from labs.apigw.gateway import integration

    class Endless:  # what the regex package does past its timeout
        def fullmatch(self, subject, timeout):
            assert timeout == patterns.MATCH_TIMEOUT_S
            raise TimeoutError("regex timed out")

    assert patterns.fullmatch(Endless(), "404") is None
    monkeypatch.setattr(integration, "compile_pattern", lambda text: (Endless(), ""))
    answer = call(design(HTTP_STATUS), "code=404")
    assert answer.status == 200
    assert "was stopped after 50 ms of matching and skipped" in step(answer, "integration-response").detail
