"""Real public API Gateway definitions (shared/corpus): import, validate and re-export every one.

OpenAPI/Swagger files are imported; CloudFormation templates are not (there is no CloudFormation
importer), but they must be recognised and refused with a clear message.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openapi_spec_validator import validate as validate_spec

from labs.apigw.cloudformation import export_cloudformation
from labs.apigw.diagram import render_svg
from labs.apigw.openapi import ImportError_, export_openapi, import_openapi
from labs.apigw.rules import validate

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")


def _files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.suffix in (".json", ".yaml", ".yml"))


def _is_openapi(path: Path) -> bool:
    return path.parent.name == "awsdocs-openapi" or path.name == "api.yaml"


OPENAPI_FILES = [p for p in _files() if _is_openapi(p)]
TEMPLATES = [p for p in _files() if not _is_openapi(p)]


def _id(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def _import(name: str):
    return import_openapi((CORPUS / name).read_bytes())


@pytest.mark.parametrize("path", OPENAPI_FILES, ids=_id)
def test_definition_imports_validates_and_reexports(path):
    result = import_openapi(path.read_bytes())
    design = result.design
    assert design.routes, "every corpus definition has routes"
    validate(design)
    doc = export_openapi(design)
    assert doc["info"]["description"] and doc["info"]["version"]
    if not any(r.path.endswith("+}") and r.method != "ANY" for r in design.routes):
        validate_spec(doc)  # REST greedy parameters are named as AWS names them, which strict OAS rejects
    again = import_openapi(doc).design
    assert [r.key for r in again.routes] == [r.key for r in design.routes]
    export_cloudformation(design)
    render_svg(design)
    for note in result.notes:
        assert note.location and note.message


@pytest.mark.parametrize("path", TEMPLATES, ids=_id)
def test_cloudformation_templates_are_recognised(path):
    with pytest.raises(ImportError_, match="CloudFormation template"):
        import_openapi(path.read_bytes())


def test_corpus_has_both_kinds():
    assert len(OPENAPI_FILES) >= 10 and len(TEMPLATES) >= 20


# ---- specific, real findings ---------------------------------------------------------------------


def test_simple_petstore_is_clean_rest_with_http_integrations():
    result = _import("awsdocs-openapi/simple-petstore.swagger20.json")
    d = result.design
    assert d.api_type == "rest" and d.version == ""  # the published file has no info.version
    assert {r.key: r.integration.kind for r in d.routes} == {"GET /pets": "http", "GET /pets/{petId}": "http"}
    assert d.routes[1].integration.request_parameters == {"integration.request.path.id": "method.request.path.petId"}
    assert [f.severity for f in validate(d) if f.severity == "error"] == []


def test_http_petstore_is_detected_as_http_api():
    d = _import("awsdocs-openapi/http-api-example-petstore.oas30.json").design
    assert d.api_type == "http"
    assert all(r.integration.kind == "http_proxy" for r in d.routes)
    findings = {(f.rule_id, f.location) for f in validate(d)}
    assert ("security.write-route-open", "routes[1].authorization") in findings  # POST /pets is open


def test_proxy_petstore_any_method_and_greedy_path():
    for name in ("petstore-with-proxy-resource.oas30.json", "petstore-with-proxy-resource.swagger20.json"):
        result = _import(f"awsdocs-openapi/{name}")
        [route] = result.design.routes
        assert route.key == "ANY /{proxy+}" and route.integration.kind == "http_proxy"
        assert route.integration.http_method == ""  # ANY, same as the route
        assert any("cacheKeyParameters" in n.message for n in result.notes)
        assert "security.write-route-open" in {f.rule_id for f in validate(result.design)}


def test_request_validators_sample_keeps_validators():
    result = _import("awsdocs-openapi/reqvalidators-sample.swagger20.json")
    d = result.design
    assert {v.name for v in d.request_validators} == {"all", "params-only"}
    assert {r.key: r.request_validator for r in d.routes} == {"POST /validation": "all", "GET /validation": "params-only"}
    assert any(n.kind == "changed" and "default validator 'params-only'" in n.message for n in result.notes)


def test_lambdacalc_custom_lambda_integrations_get_the_retry_tip():
    d = _import("awsdocs-openapi/lambdacalc.swagger20.json").design
    assert {r.integration.kind for r in d.routes} == {"lambda"}
    assert d.region == "us-east-1"  # from the host; the function lives in us-west-2
    assert d.routes[0].integration.region == ""  # implied by the function ARN, and kept on export:
    uri = export_openapi(d)["paths"]["/calc"]["get"]["x-amazon-apigateway-integration"]["uri"]
    assert uri.startswith("arn:aws:apigateway:us-west-2:lambda:path/2015-03-31/functions/arn:aws:lambda:us-west-2:")
    assert "integration.lambda-no-retry" in {f.rule_id for f in validate(d)}


def test_s3_and_kinesis_service_integrations():
    s3 = _import("awsdocs-openapi/s3-proxy.swagger20.json").design
    assert all(r.integration.kind == "aws" and r.integration.service == "s3" for r in s3.routes)
    assert any(r.authorization == "AWS_IAM" for r in s3.routes)
    kinesis = _import("awsdocs-openapi/kinesis-proxy.oas30.json").design
    assert {r.integration.action for r in kinesis.routes} >= {"ListStreams", "PutRecord"}
    swagger = _import("awsdocs-openapi/kinesis-proxy.swagger20.json").design
    assert sorted(r.key for r in swagger.routes) == sorted(r.key for r in kinesis.routes)


def test_include_snippets_report_cloudformation_expressions():
    result = _import("serverless-patterns/apigw-ddb-openapi-crud/api.yaml")
    assert all(r.integration.service == "dynamodb" for r in result.design.routes)
    assert any("Fn::GetAtt" in n.message for n in result.notes)
    findings = {f.rule_id for f in validate(result.design)}
    assert "integration.aws-needs-role" in findings  # the role was a CloudFormation reference
    eventbridge = _import("serverless-patterns/apigw-http-api-eventbridge/api.yaml").design
    assert eventbridge.api_type == "http" and eventbridge.routes[0].integration.kind == "aws_proxy"
    assert eventbridge.routes[0].integration.subtype == "EventBridge-PutEvents"
