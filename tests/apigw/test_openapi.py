"""OpenAPI export (valid, with the AWS extensions) and import (every drop reported), and round trips."""

from __future__ import annotations

import json

import pytest
import yaml
from openapi_spec_validator import validate as validate_spec

from labs.apigw.model import API_TYPES, Design, DesignError, IntegrationResponse
from labs.apigw.openapi import (
    NOT_IN_OPENAPI,
    ExportNotSupported,
    ImportError_,
    export_openapi,
    import_openapi,
    lambda_invocation_uri,
    to_json,
    to_yaml,
)
from labs.apigw.scenarios import SCENARIO_DIR, load_all

from .factories import factory

X = "x-amazon-apigateway-"


def carried(design: Design) -> dict:
    """The part of a design an OpenAPI document carries."""
    data = design.to_dict()
    for key in NOT_IN_OPENAPI:
        data.pop(key, None)
    return data


def round_trip(design: Design, text: str = "json") -> tuple[Design, list]:
    doc = export_openapi(design)
    source = to_json(doc) if text == "json" else to_yaml(doc)
    result = import_openapi(source)
    return result.design, result.notes


@pytest.mark.parametrize("api_type", ["rest", "http"])
def test_export_is_valid_openapi_with_info(api_type):
    doc = export_openapi(factory.valid(api_type))
    validate_spec(doc)
    assert doc["openapi"] == "3.0.1"
    assert doc["info"]["title"] and doc["info"]["version"] and doc["info"]["description"]


def test_websocket_export_is_refused_clearly():
    with pytest.raises(ExportNotSupported, match="no OpenAPI import or export for WebSocket"):
        export_openapi(factory.valid("websocket"))
    assert issubclass(ExportNotSupported, DesignError)


@pytest.mark.parametrize("make", [factory.kitchen_sink_rest, factory.kitchen_sink_http,
                                  lambda: factory.valid("rest"), lambda: factory.valid("http")])
@pytest.mark.parametrize("text", ["json", "yaml"])
def test_round_trip_is_lossless(make, text):
    design = make()
    back, notes = round_trip(design, text)
    assert carried(back) == carried(design)
    assert [n for n in notes if n.kind == "dropped"] == []


def test_round_trip_of_scenario_solutions():
    for s in load_all(SCENARIO_DIR):
        if s.api_type == "websocket":
            continue
        back, notes = round_trip(s.reference_solution)
        assert carried(back) == carried(s.reference_solution), s.slug
        assert [n for n in notes if n.kind == "dropped"] == [], s.slug


def test_scenario_exports_are_valid_openapi():
    for s in load_all(SCENARIO_DIR):
        if s.api_type != "websocket":
            validate_spec(export_openapi(s.reference_solution))


def test_rest_export_details():
    doc = export_openapi(factory.kitchen_sink_rest())
    get_items = doc["paths"]["/items"]["get"][X + "integration"]
    assert get_items["type"] == "aws_proxy" and get_items["httpMethod"] == "POST"
    assert get_items["uri"] == lambda_invocation_uri("us-east-1", "arn:aws:lambda:us-east-1:123456789012:function:items")
    assert "payloadFormatVersion" not in get_items
    assert doc["servers"][0][X + "endpoint-configuration"] == {"types": ["REGIONAL"]}
    assert doc[X + "api-key-source"] == "HEADER" and doc[X + "policy"]["Version"] == "2012-10-17"
    assert doc[X + "request-validators"]["all"] == {"validateRequestBody": True, "validateRequestParameters": True}
    assert X + "any-method" in doc["paths"]["/files/{proxy+}"]
    assert doc["paths"]["/files/{proxy+}"][X + "any-method"]["parameters"][0]["name"] == "proxy"  # REST names it without '+'
    schemes = doc["components"]["securitySchemes"]
    assert schemes["sigv4"][X + "authtype"] == "awsSigv4"
    assert schemes["users"][X + "authorizer"]["type"] == "cognito_user_pools"
    assert schemes["token"][X + "authorizer"]["type"] == "token"
    assert schemes["token"][X + "authorizer"]["authorizerUri"].startswith("arn:aws:apigateway:eu-west-1:lambda:path/")
    assert schemes["api_key"] == {"type": "apiKey", "name": "x-api-key", "in": "header"}
    assert doc["paths"]["/items/{id}"]["put"]["security"] == [{"token": [], "api_key": []}]
    preflight = doc["paths"]["/items"]["options"][X + "integration"]
    params = preflight["responses"]["default"]["responseParameters"]
    assert preflight["type"] == "mock"
    assert params["method.response.header.Access-Control-Allow-Origin"] == "'https://shop.example.com'"
    assert params["method.response.header.Access-Control-Allow-Credentials"] == "'true'"
    s3 = doc["paths"]["/s3/{key}"]["get"][X + "integration"]
    assert s3["uri"] == "arn:aws:apigateway:eu-west-1:s3:path/bucket/{key}" and s3["httpMethod"] == "GET"


def test_http_export_details():
    doc = export_openapi(factory.kitchen_sink_http())
    validate_spec(doc)
    assert doc[X + "importexport-version"] == "1.0"
    assert doc[X + "cors"]["allowOrigins"] == ["https://notes.example.com"] and doc[X + "cors"]["maxAge"] == -1
    assert doc["paths"]["/notes"]["get"][X + "integration"]["payloadFormatVersion"] == "2.0"
    assert X + "any-method" in doc["paths"]["/$default"]
    assert doc["paths"]["/$default"][X + "any-method"][X + "integration"]["payloadFormatVersion"] == "1.0"
    jwt = doc["components"]["securitySchemes"]["jwt"]
    assert jwt["type"] == "oauth2" and jwt[X + "authorizer"]["jwtConfiguration"]["audience"] == ["client1"]
    assert doc["paths"]["/notes"]["get"]["security"] == [{"jwt": ["notes/read"]}]
    events = doc["paths"]["/events"]["post"][X + "integration"]
    assert events["integrationSubtype"] == "EventBridge-PutEvents" and events["type"] == "aws_proxy"
    assert doc["paths"]["/vpc/{proxy+}"]["get"]["parameters"][0]["name"] == "proxy+"
    assert doc["tags"] == [{"name": "team", X + "tag-value": "notes"}]


def test_unsafe_scheme_names_and_duplicate_operation_ids_stay_valid():
    d = factory.valid("http")
    d.authorizers[0].name = "my jwt/authorizer"
    for r in d.routes:
        r.authorizer = "my jwt/authorizer"
        r.operation_id = "same"
    doc = export_openapi(d)
    validate_spec(doc)
    assert "my_jwt_authorizer" in doc["components"]["securitySchemes"]


# ---- import ---------------------------------------------------------------------------------------


SWAGGER = {
    "swagger": "2.0",
    "info": {"title": "Legacy", "version": "1", "contact": {"name": "x"}},
    "basePath": "/prod",
    "x-amazon-apigateway-endpoint-configuration": {"types": ["PRIVATE"], "vpcEndpointIds": ["vpce-1"]},
    "x-amazon-apigateway-binary-media-types": ["image/png"],
    "securityDefinitions": {
        "auth": {"type": "apiKey", "name": "Authorization", "in": "header", X + "authtype": "custom",
                 X + "authorizer": {"type": "token", "authorizerUri": lambda_invocation_uri("us-east-1", "arn:aws:lambda:us-east-1:1:function:a"),
                                    "identitySource": "method.request.header.Authorization", "authorizerResultTtlInSeconds": 60}},
        "basic": {"type": "basic"},
    },
    "paths": {
        "/pets/{petId}": {
            "get": {
                "parameters": [{"name": "petId", "in": "path", "required": True, "type": "string"},
                               {"name": "q", "in": "query", "type": "string"}],
                "security": [{"auth": []}, {"basic": []}],
                "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}}},
                X + "integration": {"type": "HTTP", "httpMethod": "GET", "uri": "http://example.com/pets/{id}",
                                    "requestParameters": {"integration.request.path.id": "method.request.path.petId"},
                                    "cacheKeyParameters": ["method.request.path.petId"],
                                    "responses": {"default": {"statusCode": "200"}, "4\\d{2}": {"statusCode": "400"}}},
            },
            "trace": {},
        }
    },
    "definitions": {"Pet": {"type": "object"}},
}


def test_swagger_import_maps_extensions_and_reports_drops():
    result = import_openapi(json.dumps(SWAGGER))
    d = result.design
    assert d.api_type == "rest" and d.name == "Legacy" and d.endpoint_types == ["PRIVATE"]
    [route] = d.routes
    assert route.key == "GET /pets/{petId}" and route.authorization == "CUSTOM" and route.authorizer == "auth"
    assert route.integration.kind == "http" and route.integration.http_method == ""
    assert route.integration.request_parameters == {"integration.request.path.id": "method.request.path.petId"}
    [a] = d.authorizers
    assert a.type == "TOKEN" and a.lambda_arn == "arn:aws:lambda:us-east-1:1:function:a" and a.ttl_seconds == 60
    assert a.identity_sources == []  # the default header
    text = "\n".join(str(n) for n in result.notes)
    for expected in ("info: contact dropped", "vpcEndpointIds dropped", "x-amazon-apigateway-binary-media-types: dropped",
                     "security scheme 'basic'", "query q dropped", "alternative security requirements", "response declarations",
                     "cacheKeyParameters dropped", "trace dropped", "1 model(s) dropped", "basePath"):
        assert expected in text, expected
    assert route.integration.responses == [IntegrationResponse("4\\d{2}", "400")]  # kept, not dropped
    assert "4\\d{2}" not in text


def test_import_detects_http_apis_and_default_route():
    doc = export_openapi(factory.kitchen_sink_http())
    del doc[X + "importexport-version"]
    del doc[X + "cors"]
    assert import_openapi(doc).design.api_type == "http"
    assert import_openapi({"openapi": "3.0.1", "info": {"title": "t", "version": "1"},
                           "paths": {"/$default": {X + "any-method": {X + "integration": {"type": "http_proxy", "uri": "https://e.com", "httpMethod": "ANY"}}}}}).design.routes[0].key == "$default"


def test_import_with_forced_type():
    doc = export_openapi(factory.valid("rest"))
    assert import_openapi(doc, api_type="http").design.api_type == "http"
    with pytest.raises(ImportError_, match="WebSocket"):
        import_openapi(doc, api_type="websocket")
    with pytest.raises(ImportError_, match="api_type"):
        import_openapi(doc, api_type="grpc")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("openapi: [3.0", "neither valid JSON nor valid YAML"),
        ("- a\n- b\n", "object at the top level"),
        ("just text", "object at the top level"),
        ('{"openapi": "2.5"}', "unsupported version '2.5'"),
        ('{"swagger": "1.2"}', "unsupported version '1.2'"),
        ('{"info": {}}', "no 'openapi' or 'swagger' field"),
        ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A:\n    Type: X\n    Properties:\n      N: !Sub '${AWS::Region}'\n",
         "CloudFormation template"),
        (b"\xff\xfe\x00junk", "not UTF-8"),
        (12, "expected OpenAPI text"),
    ],
)
def test_malformed_imports_raise_import_error(source, message):
    with pytest.raises(ImportError_) as exc:
        import_openapi(source)
    assert message in str(exc.value)
    assert isinstance(exc.value, DesignError)


@pytest.mark.parametrize(
    "doc",
    [
        {"openapi": "3.0.1", "paths": []},
        {"openapi": "3.0.1", "info": "x", "paths": {"/a": []}},
        {"openapi": "3.0.1", "paths": {"/a": {"get": []}}},
        {"openapi": "3.0.1", "paths": {"/a": {"get": {X + "integration": [], "security": {}}}}},
        {"openapi": "3.0.1", "paths": {"/a": {"get": {X + "integration": {"type": "aws", "uri": {"Ref": "X"}}, "security": [[]]}}}},
        {"openapi": "3.0.1", "components": [], X + "cors": [], X + "policy": "nope", "tags": {}, "servers": {}},
        {"openapi": "3.0.1", "components": {"securitySchemes": {"a": [], "b": {X + "authorizer": {"type": "jwt", "jwtConfiguration": {"audience": 5}}}}}},
        {"openapi": "3.0.1", X + "request-validators": {"a": 1}, X + "request-validator": 3, "paths": {"x": {}}},
        {"swagger": "2.0", "paths": {"/a": {"get": {X + "integration": {"type": "aws_proxy", "uri": "nope", "timeoutInMillis": "soon",
                                                                         "payloadFormatVersion": True}}}}},
    ],
)
def test_odd_documents_import_with_notes_not_crashes(doc):
    result = import_openapi(doc)
    assert result.notes


def test_fn_sub_is_resolved_with_a_note():
    doc = {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {X + "integration": {
        "type": "aws", "httpMethod": "POST", "uri": {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:dynamodb:action/GetItem"},
        "requestTemplates": {"application/json": {"Fn::Sub": '{"TableName": "${Table}"}'}}}}}}}
    result = import_openapi(doc)
    integ = result.design.routes[0].integration
    assert (integ.service, integ.action) == ("dynamodb", "GetItem")
    assert integ.request_templates == {"application/json": '{"TableName": "${Table}"}'}
    assert any("${Table} left as text" in n.message for n in result.notes)


def test_rest_cors_preflights_fold_back_into_cors():
    design = factory.kitchen_sink_rest()
    doc = export_openapi(design)
    result = import_openapi(doc)
    assert result.design.cors == design.cors
    assert not any(r.method == "OPTIONS" for r in result.design.routes)
    assert any("recognised as CORS preflights" in n.message for n in result.notes)


def test_json_and_yaml_texts_import_the_same():
    doc = export_openapi(factory.kitchen_sink_rest())
    assert import_openapi(to_json(doc)).design == import_openapi(to_yaml(doc)).design
    assert yaml.safe_load(to_yaml(doc)) == json.loads(to_json(doc))


@pytest.mark.parametrize("api_type", API_TYPES)
def test_export_accepts_dicts(api_type):
    data = factory.valid_dict(api_type)
    if api_type == "websocket":
        with pytest.raises(ExportNotSupported):
            export_openapi(data)
    else:
        assert export_openapi(data)["info"]["title"] == data["name"]
