"""OpenAPI 3.0.1 export with the ``x-amazon-apigateway-*`` extensions, written from ``ResolvedApi``.

The document looks like API Gateway's own exports (lower-case integration types, Lambda invocation
URIs, ``x-amazon-apigateway-any-method``, ``/$default`` for an HTTP API's default route) and always
sets ``info.title``, ``info.version`` and ``info.description`` (moto's importer crashes without a
description, facts §4). Everything AWS-specific (types, URIs, methods, payload formats, CORS
preflights) comes resolved from ``resolved.py``; this module only spells it as OpenAPI.

WebSocket APIs: AWS has no OpenAPI import or export for them (facts §1), so ``export_openapi``
raises ``ExportNotSupported`` instead of inventing a format nobody can import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .errors import DesignError
from .model import Design
from .resolved import MOCK_TEMPLATE, ResolvedApi, ResolvedAuthorizer, ResolvedIntegration, ResolvedRoute, resolve

X = "x-amazon-apigateway-"
ANY_METHOD = X + "any-method"
_SCHEME_NAME = re.compile(r"[^A-Za-z0-9._-]")


class ExportNotSupported(DesignError):
    """The design can't be expressed in the requested format (e.g. a WebSocket API as OpenAPI)."""


def default_description(api: ResolvedApi | Design) -> str:
    """What ``info.description`` says when the design has none (and import recognises it as empty)."""
    label = {"rest": "REST", "http": "HTTP", "websocket": "WebSocket"}.get(api.api_type, "")
    return f"{api.name or 'Untitled'} ({label} API)"


class _Names:
    """Security scheme names: authorizer names (made OpenAPI-safe) plus the IAM and API key schemes."""

    def __init__(self, api: ResolvedApi) -> None:
        self.authorizers: dict[str, str] = {}
        taken: set[str] = set()
        for a in api.authorizers:
            name = _SCHEME_NAME.sub("_", a.name) or "authorizer"
            while name in taken:
                name += "_"
            taken.add(name)
            self.authorizers.setdefault(a.name, name)
        self.sigv4 = self._free("sigv4", taken)
        self.api_key = self._free("api_key", taken)

    @staticmethod
    def _free(name: str, taken: set[str]) -> str:
        while name in taken:
            name = "_" + name
        taken.add(name)
        return name


def _integration(api: ResolvedApi, integ: ResolvedIntegration) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if integ.type:
        out["type"] = integ.type.lower()
    if integ.http_method:
        out["httpMethod"] = integ.http_method
    if integ.uri:
        out["uri"] = integ.uri
    if integ.connection_type:
        out["connectionType"] = integ.connection_type
        out["connectionId"] = integ.connection_id
    if integ.kind == "aws_proxy":
        out["integrationSubtype"] = integ.subtype
    if integ.credentials:
        out["credentials"] = integ.credentials
    if integ.request_templates:
        out["requestTemplates"] = dict(integ.request_templates)
    if integ.request_parameters:
        out["requestParameters"] = dict(integ.request_parameters)
    if integ.passthrough_behavior:
        out["passthroughBehavior"] = integ.passthrough_behavior.lower()
    if integ.timeout_ms is not None:
        out["timeoutInMillis"] = integ.timeout_ms
    if integ.payload_format_version:
        out["payloadFormatVersion"] = integ.payload_format_version
    if integ.responses:
        out["responses"] = {r.selection_pattern or "default": _response(r) for r in integ.responses}
    return out


def _response(response) -> dict[str, Any]:
    out: dict[str, Any] = {"statusCode": response.status_code}
    if response.templates:
        out["responseTemplates"] = dict(response.templates)
    if response.parameters:
        out["responseParameters"] = dict(response.parameters)
    return out


def _parameters(route_or_path: ResolvedRoute | tuple[str, ...]) -> list[dict[str, Any]]:
    """Path parameters as API Gateway names them: a greedy ``{proxy+}`` is "proxy" for REST APIs (REST
    import requires it, as its own exports show) and "proxy+" for HTTP APIs.  So a REST path with a
    greedy parameter fails strict OpenAPI validators on ordinary methods, exactly like AWS's exports do."""
    names = route_or_path.path_parameters if isinstance(route_or_path, ResolvedRoute) else route_or_path
    return [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names]


def _security(route: ResolvedRoute, names: _Names) -> list[dict[str, list[str]]] | None:
    requirement: dict[str, list[str]] = {}
    if route.authorization == "AWS_IAM":
        requirement[names.sigv4] = []
    elif route.authorization in ("CUSTOM", "COGNITO_USER_POOLS", "JWT") and route.authorizer_name in names.authorizers:
        requirement[names.authorizers[route.authorizer_name]] = list(route.scopes)
    if route.api_key_required:
        requirement[names.api_key] = []
    return [requirement] if requirement else None


def _operation(api: ResolvedApi, route: ResolvedRoute, names: _Names) -> dict[str, Any]:
    op: dict[str, Any] = {}
    if route.operation_id:
        op["operationId"] = route.operation_id
    if route.summary:
        op["summary"] = route.summary
    params = _parameters(route)
    if params:
        op["parameters"] = params
    op["responses"] = {}
    for status in route.integration.method_statuses:
        response: dict[str, Any] = {"description": f"{status} response"}
        cors_params = api.cors.method_response_parameters if api.cors is not None else {}
        if cors_params and not route.integration.proxy:
            response["headers"] = {p[len("method.response.header."):]: {"schema": {"type": "string"}} for p in cors_params}
        op["responses"][status] = response
    security = _security(route, names)
    if security:
        op["security"] = security
    if route.request_validator_name:
        op[X + "request-validator"] = route.request_validator_name
    op[X + "integration"] = _integration(api, route.integration)
    return op


def _preflight(api: ResolvedApi, path: str, headers: Mapping[str, str]) -> dict[str, Any]:
    """A REST CORS preflight: an OPTIONS method with a MOCK integration returning the CORS headers."""
    op: dict[str, Any] = {}
    params = _parameters(next(r.path_parameters for r in api.routes if r.path == path))
    if params:
        op["parameters"] = params
    op["responses"] = {"200": {"description": "200 response",
                               "headers": {f"Access-Control-{h}": {"schema": {"type": "string"}} for h in headers}}}
    op[X + "integration"] = {
        "type": "mock",
        "requestTemplates": {"application/json": MOCK_TEMPLATE},
        "passthroughBehavior": "when_no_match",
        "responses": {"default": {"statusCode": "200", "responseParameters": {
            f"method.response.header.Access-Control-{h}": f"'{v}'" for h, v in headers.items()}}},
    }
    return op


def _security_schemes(api: ResolvedApi, names: _Names) -> dict[str, Any]:
    schemes: dict[str, Any] = {}
    if any(r.authorization == "AWS_IAM" for r in api.routes):
        schemes[names.sigv4] = {"type": "apiKey", "name": "Authorization", "in": "header", X + "authtype": "awsSigv4"}
    if any(r.api_key_required for r in api.routes):
        schemes[names.api_key] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
    for a in api.authorizers:
        scheme_name = names.authorizers[a.name]
        if scheme_name not in schemes:
            schemes[scheme_name] = _authorizer_scheme(api, a)
    return schemes


def _header_name(identity_source: str) -> str:
    first = identity_source.split(",")[0].strip()
    return first.rsplit(".", 1)[-1] if ".header." in first else "Authorization"


def _authorizer_scheme(api: ResolvedApi, a: ResolvedAuthorizer) -> dict[str, Any]:
    ext: dict[str, Any] = {"type": a.type.lower()}
    if a.type == "JWT":
        ext["jwtConfiguration"] = {"issuer": a.issuer, "audience": list(a.audience)}
        ext["identitySource"] = a.identity_source
        return {"type": "oauth2", "flows": {}, X + "authorizer": ext}
    scheme: dict[str, Any] = {"type": "apiKey", "name": _header_name(a.identity_source), "in": "header"}
    if a.type == "COGNITO_USER_POOLS":
        scheme[X + "authtype"] = "cognito_user_pools"
        ext["providerARNs"] = list(a.user_pool_arns)
        if a.identity_sources_given:
            ext["identitySource"] = a.identity_source
    else:
        if api.api_type == "rest":
            scheme[X + "authtype"] = "custom"
        ext["authorizerUri"] = a.uri
        ext["identitySource"] = a.identity_source
        if a.payload_format_version:
            ext["authorizerPayloadFormatVersion"] = a.payload_format_version
        if a.simple_responses:
            ext["enableSimpleResponses"] = True
    if a.ttl_seconds is not None and a.type != "COGNITO_USER_POOLS":
        ext["authorizerResultTtlInSeconds"] = a.ttl_seconds
    scheme[X + "authorizer"] = ext
    return scheme


def _cors_extension(api: ResolvedApi) -> dict[str, Any]:
    assert api.cors is not None
    cors = api.cors
    out: dict[str, Any] = {}
    for key, value in (("allowOrigins", cors.allow_origins), ("allowMethods", cors.allow_methods),
                       ("allowHeaders", cors.allow_headers), ("exposeHeaders", cors.expose_headers)):
        if value:
            out[key] = list(value)
    if cors.max_age is not None:
        out["maxAge"] = cors.max_age
    if cors.allow_credentials:
        out["allowCredentials"] = True
    return out


def _server(api: ResolvedApi) -> dict[str, Any]:
    server: dict[str, Any] = {
        "url": f"https://{{apiId}}.execute-api.{api.region}.amazonaws.com/{{basePath}}",
        "variables": {"apiId": {"default": "your-api-id"}, "basePath": {"default": ""}},
    }
    if api.api_type == "rest" and api.endpoint_types:
        server[X + "endpoint-configuration"] = {"types": list(api.endpoint_types)}
    return server


def _openapi_path(route: ResolvedRoute) -> tuple[str, str]:
    """(method, OpenAPI path) for a route; HTTP's $default route is the path "/$default" with ANY."""
    if route.is_default:
        return "ANY", "/$default"
    return route.method, route.path


def export_openapi(design: Design | Mapping[str, Any] | ResolvedApi) -> dict[str, Any]:
    """The design as an OpenAPI 3.0.1 document with API Gateway extensions (REST and HTTP APIs)."""
    api = resolve(design)
    if api.api_type == "websocket":
        raise ExportNotSupported(
            "AWS has no OpenAPI import or export for WebSocket APIs; export this design as CloudFormation instead."
        )
    names = _Names(api)
    doc: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {"title": api.title, "description": api.description or default_description(api),
                 "version": api.version or "1.0"},
        "servers": [_server(api)],
    }
    if api.tags:
        doc["tags"] = [{"name": k, X + "tag-value": v} for k, v in api.tags.items()]
    paths: dict[str, dict[str, Any]] = {}
    used_ids: set[str] = set()
    for route in api.routes:
        method, path = _openapi_path(route)
        if not path:
            continue  # a malformed key can't become a path; the rules report it
        op = _operation(api, route, names)
        op_id = op.get("operationId")
        if op_id is not None:
            while op_id in used_ids:  # OpenAPI requires unique operation ids
                op_id += "_"
            op["operationId"] = op_id
            used_ids.add(op_id)
        paths.setdefault(path, {})[ANY_METHOD if method == "ANY" else method.lower()] = op
    for preflight in api.preflights:
        paths[preflight.path].setdefault("options", _preflight(api, preflight.path, preflight.headers))
    doc["paths"] = paths
    schemes = _security_schemes(api, names)
    if schemes:
        doc["components"] = {"securitySchemes": schemes}
    if api.request_validators:
        doc[X + "request-validators"] = {
            v.name: {"validateRequestBody": v.validate_body, "validateRequestParameters": v.validate_parameters}
            for v in api.request_validators
        }
    if api.api_type == "http":
        doc[X + "importexport-version"] = "1.0"
        if api.cors is not None:
            doc[X + "cors"] = _cors_extension(api)
    else:
        if api.api_key_source:
            doc[X + "api-key-source"] = api.api_key_source
        if api.resource_policy:
            doc[X + "policy"] = _plain(api.resource_policy)
    return doc


def _plain(value: Any) -> Any:
    """Read-only mappings (as ResolvedApi holds them) back to plain dicts and lists for the writers."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value

