"""resolve(): one AWS-shaped, immutable description of a design that every output reads."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from types import MappingProxyType

import pytest

from labs.apigw import cloudformation, diagram, objectives, openapi, resolved, sdk
from labs.apigw.model import Design
from labs.apigw.resolved import KindSpec, resolve

from .factories import DesignFactory, lambda_arn

LABS = Path(__file__).resolve().parents[2] / "labs"
f = DesignFactory()


def design(api_type: str, *routes, **extra) -> Design:
    return Design.from_dict({"schema": 1, "api_type": api_type, "name": "orders", "routes": list(routes), **extra})


def test_the_resolved_api_is_immutable():
    api = resolve(f.kitchen_sink_rest())
    with pytest.raises(dataclasses.FrozenInstanceError):
        api.title = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        api.routes[0].integration.request_parameters["x"] = "y"  # type: ignore[index]
    assert isinstance(api.routes, tuple) and isinstance(api.tags, MappingProxyType)


@pytest.mark.parametrize("api_type, timeout", [("rest", 29_000), ("http", 30_000), ("websocket", 29_000)])
def test_the_timeout_in_force_is_the_api_types_maximum_unless_set(api_type, timeout):
    key = "$default" if api_type == "websocket" else "GET /a"
    route = f.route(key, "http_proxy", api_type, integ={"timeout_ms": None})
    integ = resolve(design(api_type, route)).routes[0].integration
    assert integ.timeout_ms is None and integ.effective_timeout_ms == timeout
    route = f.route(key, "http_proxy", api_type, integ={"timeout_ms": 1234})
    assert resolve(design(api_type, route)).routes[0].integration.effective_timeout_ms == 1234


def test_integration_kinds_become_aws_integrations():
    routes = [f.route(f"GET /{kind}", kind, "rest") for kind in ("lambda_proxy", "lambda", "http_proxy", "http", "aws", "mock", "private")]
    api = resolve(design("rest", *routes))
    by_path = {r.path: r.integration for r in api.routes}
    assert by_path["/lambda_proxy"].type == "AWS_PROXY" and by_path["/lambda_proxy"].http_method == "POST"
    assert by_path["/lambda_proxy"].uri == (
        f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{lambda_arn('items')}/invocations")
    assert by_path["/lambda"].type == "AWS" and not by_path["/lambda"].proxy
    assert by_path["/http_proxy"].type == "HTTP_PROXY" and by_path["/http_proxy"].http_method == "GET"
    assert by_path["/aws"].uri == "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem"
    assert by_path["/aws"].credentials.endswith(":role/apigw-ddb")
    assert by_path["/mock"].request_templates == {"application/json": '{"statusCode": 200}'}
    assert not by_path["/mock"].templates_given
    assert by_path["/private"].connection_type == "VPC_LINK" and by_path["/private"].type == "HTTP_PROXY"


def test_http_api_defaults_payload_format_and_default_route_method():
    api = resolve(design("http", f.route("GET /a", "lambda_proxy", "http", integ={"payload_format_version": ""}),
                         f.route("$default", "http_proxy", "http")))
    assert api.routes[0].integration.payload_format_version == "2.0"
    assert api.routes[1].integration.payload_format_version == "1.0"
    assert api.routes[1].integration.http_method == "ANY"  # $default forwards the caller's method


def test_passthrough_is_spelled_as_aws_does():
    route = f.route("POST /a", "lambda", "rest", integ={"passthrough_behavior": "when_no_templates"})
    assert resolve(design("rest", route)).routes[0].integration.passthrough_behavior == "WHEN_NO_TEMPLATES"


def test_authorizers_stages_and_websocket_defaults():
    d = design("rest", f.route("GET /a", "lambda_proxy", "rest", authorization="CUSTOM", authorizer="tok"),
               authorizers=[{"name": "tok", "type": "TOKEN", "lambda_arn": lambda_arn("auth", "eu-west-1")}],
               stages=[{"name": "prod", "variables": {"v": "1", "w": "a"}, "cache_enabled": True,
                        "canary": {"percent_traffic": 10, "stage_variable_overrides": {"v": "2"}}}])
    api = resolve(d)
    authorizer = api.routes[0].authorizer
    assert authorizer is not None and authorizer.effective_ttl_seconds == 300
    assert authorizer.identity_sources == ("method.request.header.Authorization",)
    assert ":eu-west-1:lambda:path" in authorizer.uri
    stage = api.stages[0]
    assert stage.cache_size == "0.5" and stage.effective_cache_ttl == 300
    assert stage.canary is not None and dict(stage.canary.variables) == {"v": "2", "w": "a"}
    ws = resolve(design("websocket", f.route("sendMessage", "lambda_proxy", "websocket")))
    assert ws.route_selection_expression == "$request.body.action" and ws.routes[0].source_arn == "*/sendMessage"


def test_rest_cors_is_expanded_into_preflights_and_response_headers():
    d = design("rest", f.route("GET /a/{id}", "lambda", "rest"), f.route("POST /a/{id}", "lambda_proxy", "rest"),
               cors={"allow_origins": ["https://app.example"]})
    api = resolve(d)
    assert [p.path for p in api.preflights] == ["/a/{id}"]
    assert api.preflights[0].headers["Allow-Methods"] == "GET,OPTIONS,POST"
    assert api.routes[0].integration.responses[0].parameters == {
        "method.response.header.Access-Control-Allow-Origin": "'https://app.example'"}
    assert api.resource_paths() == ["/a", "/a/{id}"]


def test_every_output_reads_the_resolved_api():
    """Outputs given a ResolvedApi show what it says, whatever the design said."""
    api = resolve(f.valid("rest"))
    first = api.routes[0]
    changed = dataclasses.replace(
        api, title="Renamed-By-Resolve", name="Renamed-By-Resolve",
        routes=(dataclasses.replace(first, key="GET /renamed", method="GET", path="/renamed", operation_id="renamedOp",
                                    integration=dataclasses.replace(first.integration, uri="https://changed.example/x",
                                                                    type="HTTP_PROXY", kind="http_proxy",
                                                                    target_kind="http", proxy=True, lambda_arn="")),
                *api.routes[1:]),
    )
    doc = openapi.export_openapi(changed)
    assert doc["info"]["title"] == "Renamed-By-Resolve"
    assert doc["paths"]["/renamed"]["get"]["x-amazon-apigateway-integration"]["uri"] == "https://changed.example/x"
    template = cloudformation.to_yaml(cloudformation.export_cloudformation(changed))
    assert "https://changed.example/x" in template and "Renamed-By-Resolve" in template
    assert "renamed" in sdk.generate_client(changed, "python").lower()
    assert "renamedOp" in sdk.generate_client(changed, "javascript") or "renamed" in sdk.generate_client(changed, "javascript")
    svg = diagram.render_svg(changed)
    assert "Renamed-By-Resolve" in svg and "changed.example" in svg
    results = objectives.evaluate(f.valid("rest"), [{"id": "r", "text": "t", "check": "route", "key": "GET /renamed"}],
                                  resolved=changed, findings=[])
    assert results[0].met


def test_a_change_to_the_integration_table_shows_up_in_every_export(monkeypatch):
    table = dict(resolved.INTEGRATION_KINDS_TO_AWS)
    table["http_proxy"] = KindSpec("HTTP", "http", proxy=False, method="route")  # pretend AWS changed
    monkeypatch.setattr(resolved, "INTEGRATION_KINDS_TO_AWS", MappingProxyType(table))
    d = design("rest", f.route("GET /a", "http_proxy", "rest"))
    assert openapi.export_openapi(d)["paths"]["/a"]["get"]["x-amazon-apigateway-integration"]["type"] == "http"
    method = next(r for r in cloudformation.export_cloudformation(d)["Resources"].values() if r["Type"] == "AWS::ApiGateway::Method")
    assert method["Properties"]["Integration"]["Type"] == "HTTP"
    assert "IntegrationResponses" in method["Properties"]["Integration"]  # custom integrations answer through one


AWS_TERMS = ("AWS_PROXY", "HTTP_PROXY", "lambda:path/2015-03-31", "payloadFormatVersion", "PayloadFormatVersion")


def test_no_integration_translation_stands_twice_under_labs():
    """AWS's integration vocabulary is written in resolved.py only (rules read the design as written,
    and the importer reads AWS's words back; both are allowed to name them). Outputs may compare a
    resolved value with AWS's words, never produce one."""
    offenders = []
    for path in LABS.rglob("*.py"):
        rel = path.relative_to(LABS).as_posix()
        if rel in ("apigw/resolved.py", "apigw/openapi_import.py") or rel.startswith(("apigw/rules", "migrations")):
            continue
        tree = ast.parse(path.read_text())
        # Reading a resolved value (``integ.type == "AWS_PROXY"``) or naming it in a message is not translating it.
        compared = {id(n) for c in ast.walk(tree) if isinstance(c, (ast.Compare, ast.JoinedStr)) for n in ast.walk(c)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in compared:
                offenders += [f"{rel}:{node.lineno}: {term}" for term in AWS_TERMS
                              if term in node.value and not node.value.startswith(("\n", " "))]
    # The exporters spell the resolved payload format as a key; they never decide its value.
    allowed = {"payloadFormatVersion", "PayloadFormatVersion"}
    assert [o for o in offenders if o.rsplit(": ", 1)[1] not in allowed] == []


def test_an_imported_http_document_asking_for_private_gets_an_error():
    from labs.apigw.rules import validate

    doc = {"openapi": "3.0.1", "info": {"title": "p", "version": "1"}, "x-amazon-apigateway-importexport-version": "1.0",
           "x-amazon-apigateway-endpoint-configuration": {"types": ["PRIVATE"]},
           "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}, "x-amazon-apigateway-integration": {
               "type": "http_proxy", "uri": "https://e.example", "httpMethod": "GET", "payloadFormatVersion": "1.0"}}}}}
    result = openapi.import_openapi(doc)
    assert result.design.api_type == "http" and result.design.endpoint_types == ["PRIVATE"]
    errors = [f for f in validate(result.design) if f.severity == "error" and f.location.startswith("endpoint")]
    assert errors and "REST" in errors[0].message
