"""OpenAPI 3.0 and Swagger 2.0 import (JSON or YAML) into a design.

Whatever a design can't hold is listed in ``ImportResult.notes`` with its location; nothing is dropped
silently.  Export then import of a design is lossless for everything OpenAPI carries; stages, API keys,
usage plans and the design hints (``clients``, ``client_retries``) are not part of an OpenAPI
definition (see ``NOT_IN_OPENAPI``).  Text is read by ``documents.load``, which bounds it first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from . import documents
from .errors import DesignError
from .model import (
    LAMBDA_KINDS,
    MAX_DESIGN_ROUTES,
    PROXY_KINDS,
    Authorizer,
    Cors,
    Design,
    Integration,
    IntegrationResponse,
    RequestValidator,
    Route,
    default_identity_source,
    split_route_key,
)
from .openapi_export import ANY_METHOD, X, default_description
from .resolved import DEFAULT_CORS_HEADERS, LAMBDA_INVOCATION_PATH, arn_region, computed_allow_methods, cors_method_response_parameters

#: Design fields an OpenAPI definition does not carry (so a round trip leaves them at their defaults).
NOT_IN_OPENAPI = ("stages", "api_keys", "usage_plans", "clients", "client_retries")

METHOD_KEYS = ("get", "put", "post", "delete", "options", "head", "patch")
#: Integration responses kept per integration beside the default: one per status code, 100 to 599.
MAX_INTEGRATION_RESPONSES = 500
MAX_IMPORT_BYTES = documents.MAX_DOCUMENT_BYTES  # ImportRestApi body limit [BOTO-V1]
_LAMBDA_URI = re.compile(r"arn:aws[\w-]*:apigateway:([^:]*):" + re.escape(LAMBDA_INVOCATION_PATH) + r"(.+)/invocations")
_SERVICE_URI = re.compile(r"arn:aws[\w-]*:apigateway:([^:]*):([^:]+):(action|path)/(.*)", re.DOTALL)
_EXECUTE_API_HOST = re.compile(r"execute-api\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com")
_CORS_PARAM = "method.response.header.Access-Control-"


class ImportError_(DesignError):  # noqa: N801 - the trailing underscore avoids shadowing the builtin
    """The text is not an OpenAPI 3.0 / Swagger 2.0 document we can read; the message says why."""


@dataclass(frozen=True)
class ImportNote:
    """Something the import changed or could not keep.  ``kind`` is "dropped" or "changed"."""

    location: str
    message: str
    kind: Literal["dropped", "changed"] = "dropped"

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass
class ImportResult:
    design: Design
    notes: list[ImportNote] = field(default_factory=list)


#: Pseudo parameters an import can resolve inside ``Fn::Sub`` (the rest stay as ``${Name}`` text).
_PSEUDO = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::AccountId": "123456789012"}


def parse_document(source: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """JSON or YAML text (or an already-parsed mapping) -> a dict; ``ImportError_`` when it isn't one.

    Text is read by ``documents.load``: no YAML aliases, bounded size, depth and node count, text
    that can be stored. A mapping given by Python code is checked against the same limits.
    """
    if not isinstance(source, (str, bytes, Mapping)):
        raise ImportError_(f"expected OpenAPI text or a mapping, got {type(source).__name__}")
    try:
        if isinstance(source, Mapping):
            data: Any = dict(source)
            documents.check(data)
        else:
            data = documents.load(source)
    except documents.DocumentError as problem:
        raise ImportError_(str(problem)) from None
    if not isinstance(data, dict):
        raise ImportError_("the definition must be a JSON/YAML object at the top level")
    return data


class _Importer:
    """One import: walks the document, builds a design, and records every note on the way."""

    def __init__(self, doc: dict[str, Any], api_type: str | None) -> None:
        self.doc = doc
        self.notes: list[ImportNote] = []
        self.swagger = _document_version(doc)
        self.api = self._api_type(api_type)
        self.design = Design(api_type=self.api, version="")
        self.raw_cors: dict[int, dict[str, str]] = {}  # route index -> CORS response params found
        self.schemes: dict[str, tuple[str, Any]] = {}

    # -- helpers ----------------------------------------------------------------------------------

    def note(self, location: str, message: str, kind: Literal["dropped", "changed"] = "dropped") -> None:
        self.notes.append(ImportNote(location or "(root)", message, kind))

    def text(self, value: Any, location: str, what: str) -> str:
        """Text fields: numbers are stringified; CloudFormation intrinsics and other objects are dropped."""
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        sub = value.get("Fn::Sub") if isinstance(value, Mapping) and len(value) == 1 else None
        if isinstance(sub, list) and sub and isinstance(sub[0], str):
            sub = sub[0]
        if isinstance(sub, str):
            return self._resolve_sub(sub, location, what)
        if isinstance(value, Mapping) and any(str(k).startswith("Fn::") or k == "Ref" for k in value):
            self.note(location, f"{what} is a CloudFormation expression ({', '.join(map(str, value))}); dropped — "
                      "resolve it first (these files are meant for AWS::Include)")
        else:
            self.note(location, f"{what} is not text; dropped")
        return ""

    def _resolve_sub(self, template: str, location: str, what: str) -> str:
        """A CloudFormation ``Fn::Sub``: resolve the pseudo parameters, keep other ``${Name}`` as text."""
        values = {**_PSEUDO, "AWS::Region": self.design.region}
        kept: list[str] = []

        def replace(m: re.Match[str]) -> str:
            name = m.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in values:
                return values[name]
            kept.append(name)
            return m.group(0)

        text = re.sub(r"\$\{([^}]*)\}", replace, template)
        left = f"; ${{{'}, ${'.join(dict.fromkeys(kept))}}} left as text" if kept else ""
        self.note(location, f"{what} was a CloudFormation Fn::Sub; pseudo parameters resolved{left}", "changed")
        return text

    def texts(self, value: Any, location: str, what: str) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list):
            out = [self.text(v, f"{location}[{i}]", what) for i, v in enumerate(value)]
            return [v for v in out if v]
        self.note(location, f"{what} is not a list; dropped")
        return []

    def text_map(self, value: Any, location: str, what: str) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.note(location, f"{what} is not an object; dropped")
            return {}
        out = {}
        for k, v in value.items():
            t = self.text(v, f"{location}.{k}", f"{what} {k!r}")
            if t or v == "":
                out[str(k)] = t
        return out

    def integer(self, value: Any, location: str, what: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool):
            self.note(location, f"{what} is not a number; dropped")
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        self.note(location, f"{what} {value!r} is not a whole number; dropped")
        return None

    def leftovers(self, obj: Mapping[str, Any], used: Iterable[str], location: str, why: str = "") -> None:
        extra = [str(k) for k in obj if k not in set(used)]
        if extra:
            self.note(location, f"{', '.join(extra)} dropped{': ' + why if why else ' (not part of a design)'}")

    # -- top level ---------------------------------------------------------------------------------

    def _api_type(self, requested: str | None) -> str:
        if requested is not None:
            if requested == "websocket":
                raise ImportError_("AWS has no OpenAPI import for WebSocket APIs; build WebSocket designs in the builder")
            if requested not in ("rest", "http"):
                raise ImportError_(f"api_type must be 'rest' or 'http', got {requested!r}")
            return requested
        if self.swagger:
            return "rest"  # HTTP API import takes OpenAPI 3.0 only
        if any(k in self.doc for k in (X + "importexport-version", X + "cors")):
            return "http"
        paths = self.doc.get("paths")
        if isinstance(paths, Mapping):
            if "/$default" in paths:
                return "http"
            for item in paths.values():
                if not isinstance(item, Mapping):
                    continue
                for op in item.values():
                    integ = op.get(X + "integration") if isinstance(op, Mapping) else None
                    if isinstance(integ, Mapping) and ("payloadFormatVersion" in integ or "integrationSubtype" in integ):
                        return "http"
        return "rest"

    def run(self) -> ImportResult:
        doc, d = self.doc, self.design
        if self.swagger and self.api == "http":
            self.note("swagger", "HTTP API import accepts OpenAPI 3.0 only; converted anyway", "changed")
        self._info()
        self._region()
        self._base_path()
        self._endpoint_configuration()
        self._security_schemes()
        self._request_validators()
        self._paths()
        self._rest_cors()
        self._default_validator()
        if X + "api-key-source" in doc:
            d.api_key_source = self.text(doc[X + "api-key-source"], X + "api-key-source", "API key source")
        if X + "policy" in doc:
            self._policy(doc[X + "policy"])
        if X + "cors" in doc:
            self._http_cors(doc[X + "cors"])
        self._tags()
        self._root_leftovers()
        return ImportResult(d, self.notes)

    _ROOT_KEYS = frozenset({
        "openapi", "swagger", "info", "paths", "servers", "host", "basePath", "schemes", "components",
        "securityDefinitions", "tags", X + "endpoint-configuration", X + "request-validators",
        X + "request-validator", X + "api-key-source", X + "policy", X + "cors", X + "importexport-version",
    })

    def _root_leftovers(self) -> None:
        """Report every top-level key the walk above did not use."""
        for key, value in self.doc.items():
            if key in self._ROOT_KEYS:
                continue
            if key == "security":
                self.note("security", "root-level security is ignored by API Gateway (set it per operation); dropped")
            elif key == "definitions":
                count = f"{len(value)} " if isinstance(value, Mapping) else ""
                self.note(key, f"{count}model(s) dropped: the design has no request/response models")
            else:
                self.note(str(key), "dropped (not part of a design)")

    def _info(self) -> None:
        info = self.doc.get("info")
        if not isinstance(info, Mapping):
            self.note("info", "missing or not an object; the API has no name yet")
            return
        d = self.design
        d.name = self.text(info.get("title"), "info.title", "title")
        d.version = self.text(info.get("version"), "info.version", "version")
        description = self.text(info.get("description"), "info.description", "description")
        d.description = "" if description == default_description(d) else description
        self.leftovers(info, ("title", "version", "description"), "info")

    def _base_path(self) -> None:
        """A base path (Swagger ``basePath`` or a ``servers`` basePath variable) is usually a stage name."""
        found = []
        if isinstance(self.doc.get("basePath"), str) and self.doc["basePath"].strip("/"):
            found.append(("basePath", self.doc["basePath"]))
        servers = self.doc.get("servers")
        for i, server in enumerate(servers if isinstance(servers, list) else []):
            variables = server.get("variables") if isinstance(server, Mapping) else None
            base = variables.get("basePath") if isinstance(variables, Mapping) else None
            default = base.get("default") if isinstance(base, Mapping) else None
            if isinstance(default, str) and default.strip("/"):
                found.append((f"servers[{i}].variables.basePath", default))
        for location, value in found:
            self.note(location, f"base path {value!r} ignored, as AWS's import does by default (basepath=ignore); "
                      "add it as a stage if it names one")

    def _region(self) -> None:
        """The region: from the server URL/host, else from the first ARN in an integration."""
        candidates: list[str] = []
        servers = self.doc.get("servers")
        if isinstance(servers, list):
            candidates += [s.get("url", "") for s in servers if isinstance(s, Mapping) and isinstance(s.get("url"), str)]
        if isinstance(self.doc.get("host"), str):
            candidates.append(self.doc["host"])
        for c in candidates:
            m = _EXECUTE_API_HOST.search(c)
            if m:
                self.design.region = m.group(1)
                return
        for integ in self._integrations():
            uri = integ.get("uri")
            if isinstance(uri, str):
                m = _LAMBDA_URI.fullmatch(uri) or _SERVICE_URI.fullmatch(uri)
                if m and re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d+", m.group(1)):
                    self.design.region = m.group(1)
                    return

    def _integrations(self) -> Iterable[Mapping[str, Any]]:
        paths = self.doc.get("paths")
        if not isinstance(paths, Mapping):
            return
        for item in paths.values():
            if isinstance(item, Mapping):
                for op in item.values():
                    if isinstance(op, Mapping) and isinstance(op.get(X + "integration"), Mapping):
                        yield op[X + "integration"]

    def _endpoint_configuration(self) -> None:
        configs: list[tuple[str, Any]] = []
        if X + "endpoint-configuration" in self.doc:
            configs.append((X + "endpoint-configuration", self.doc[X + "endpoint-configuration"]))
        servers = self.doc.get("servers")
        if isinstance(servers, list):
            for i, s in enumerate(servers):
                if isinstance(s, Mapping) and X + "endpoint-configuration" in s:
                    configs.append((f"servers[{i}].{X}endpoint-configuration", s[X + "endpoint-configuration"]))
                if isinstance(s, Mapping):
                    self.leftovers(s, ("url", "variables", "description", X + "endpoint-configuration"), f"servers[{i}]")
        elif servers is not None:
            self.note("servers", "not a list; dropped")
        for location, config in configs[:1]:
            if not isinstance(config, Mapping):
                self.note(location, "not an object; dropped")
                continue
            types = self.texts(config.get("types"), f"{location}.types", "endpoint types")
            self.design.endpoint_types = types
            if self.api != "rest" and types and types != ["REGIONAL"]:
                # Kept, not dropped: a learner who asked for a private HTTP API must be told why it can't be.
                self.note(f"{location}.types", f"HTTP APIs are regional only; endpoint types {types} kept so that "
                          "the findings explain what to use instead", "changed")
            self.leftovers(config, ("types",), location, "the design does not model VPC endpoint ids, IP address type "
                           "or disabling the execute-api endpoint")
        for location, _ in configs[1:]:
            self.note(location, "a second endpoint configuration; only the first is used")

    def _security_schemes(self) -> None:
        if self.swagger:
            schemes, where = self.doc.get("securityDefinitions"), "securityDefinitions"
        else:
            components = self.doc.get("components")
            if components is not None and not isinstance(components, Mapping):
                self.note("components", "not an object; dropped")
                components = {}
            components = components or {}
            schemes, where = components.get("securitySchemes"), "components.securitySchemes"
            for key, value in components.items():
                if key == "securitySchemes":
                    continue
                count = f"{len(value)} " if isinstance(value, Mapping) else ""
                what = "model(s)" if key == "schemas" else "item(s)"
                self.note(f"components.{key}", f"{count}{what} dropped: the design has no reusable {key}")
        if schemes is None:
            return
        if not isinstance(schemes, Mapping):
            self.note(where, "not an object; dropped")
            return
        for name, scheme in schemes.items():
            self._scheme(str(name), scheme, f"{where}.{name}")

    def _scheme(self, name: str, scheme: Any, location: str) -> None:
        if not isinstance(scheme, Mapping):
            self.note(location, "not an object; dropped")
            return
        ext = scheme.get(X + "authorizer")
        authtype = str(scheme.get(X + "authtype", "")).lower()
        if isinstance(ext, Mapping):
            self.schemes[name] = ("authorizer", self._authorizer(name, ext, authtype, f"{location}.{X}authorizer"))
        elif authtype == "awssigv4":
            self.schemes[name] = ("iam", None)
        elif scheme.get("type") == "apiKey" and str(scheme.get("name", "")).lower() == "x-api-key" and not authtype:
            self.schemes[name] = ("api_key", None)
        else:
            self.note(location, f"security scheme {name!r} ({scheme.get('type')}) has no API Gateway authorizer; "
                      "dropped (API Gateway needs a Lambda, Cognito or JWT authorizer for it)")

    def _authorizer(self, name: str, ext: Mapping[str, Any], authtype: str, location: str) -> Authorizer:
        raw_type = str(ext.get("type", authtype or "")).lower()
        types = {"token": "TOKEN", "request": "REQUEST", "cognito_user_pools": "COGNITO_USER_POOLS", "jwt": "JWT"}
        a = Authorizer(name=name, type=types.get(raw_type, raw_type.upper()))
        uri = self.text(ext.get("authorizerUri"), f"{location}.authorizerUri", "authorizer URI")
        m = _LAMBDA_URI.fullmatch(uri)
        a.lambda_arn = m.group(2) if m else uri
        identity = ext.get("identitySource")
        a.identity_sources = self.texts(identity, f"{location}.identitySource", "identity source")
        if ", ".join(a.identity_sources) == default_identity_source(self.api) and a.type != "COGNITO_USER_POOLS":
            a.identity_sources = []
        a.ttl_seconds = self.integer(ext.get("authorizerResultTtlInSeconds"), f"{location}.authorizerResultTtlInSeconds", "TTL")
        a.user_pool_arns = self.texts(ext.get("providerARNs"), f"{location}.providerARNs", "user pool ARN")
        jwt = ext.get("jwtConfiguration")
        if isinstance(jwt, Mapping):
            a.issuer = self.text(jwt.get("issuer"), f"{location}.jwtConfiguration.issuer", "issuer")
            a.audience = self.texts(jwt.get("audience"), f"{location}.jwtConfiguration.audience", "audience")
            self.leftovers(jwt, ("issuer", "audience"), f"{location}.jwtConfiguration")
        version = ext.get("authorizerPayloadFormatVersion")
        if isinstance(version, (int, float)) and not isinstance(version, bool):
            a.payload_format_version = f"{version:.1f}"
        else:
            a.payload_format_version = self.text(version, f"{location}.authorizerPayloadFormatVersion", "payload format")
        a.simple_responses = ext.get("enableSimpleResponses") is True
        self.leftovers(
            ext,
            ("type", "authorizerUri", "identitySource", "authorizerResultTtlInSeconds", "providerARNs",
             "jwtConfiguration", "authorizerPayloadFormatVersion", "enableSimpleResponses"),
            location,
            "the design does not model authorizer credentials or identity validation expressions",
        )
        self.design.authorizers.append(a)
        return a

    def _request_validators(self) -> None:
        validators = self.doc.get(X + "request-validators")
        if validators is None:
            return
        if not isinstance(validators, Mapping):
            self.note(X + "request-validators", "not an object; dropped")
            return
        for name, v in validators.items():
            if not isinstance(v, Mapping):
                self.note(f"{X}request-validators.{name}", "not an object; dropped")
                continue
            self.design.request_validators.append(
                RequestValidator(str(name), v.get("validateRequestBody") is True, v.get("validateRequestParameters") is True)
            )

    def _default_validator(self) -> None:
        default = self.doc.get(X + "request-validator")
        if default is None:
            return
        name = self.text(default, X + "request-validator", "default request validator")
        if not name:
            return
        routes = [r for r in self.design.routes if not r.request_validator]
        for r in routes:
            r.request_validator = name
        self.note(X + "request-validator", f"the API-wide default validator {name!r} was set on each of the "
                  f"{len(routes)} method(s) without their own", "changed")

    # -- paths -------------------------------------------------------------------------------------

    def _paths(self) -> None:
        paths = self.doc.get("paths")
        if paths is None:
            self.note("paths", "missing; the design has no routes")
            return
        if not isinstance(paths, Mapping):
            self.note("paths", "not an object; dropped")
            return
        operations = sum(  # OPTIONS aside: a REST export has a CORS preflight on every path
            sum((key in METHOD_KEYS and key != "options") or key == ANY_METHOD for key in item)
            for item in paths.values() if isinstance(item, Mapping)
        )
        if operations > MAX_DESIGN_ROUTES:
            raise ImportError_(
                f"the definition has {operations:,} operations; the builder edits at most {MAX_DESIGN_ROUTES} routes "
                f"(API Gateway's default quota is 300 routes or resources per API). Split it into smaller APIs."
            )
        for path, item in paths.items():
            location = f"paths.{path}"
            if not isinstance(path, str) or not path.startswith("/"):
                self.note(location, "not a path (paths start with '/'); dropped")
                continue
            if not isinstance(item, Mapping):
                self.note(location, "not an object; dropped")
                continue
            used = {"parameters", "summary", "description"}
            self._non_path_parameters(item.get("parameters"), f"{location}.parameters")
            for key, op in item.items():
                if key == ANY_METHOD:
                    method = "ANY"
                elif key in METHOD_KEYS:
                    method = key.upper()
                else:
                    continue
                used.add(key)
                self._operation(path, method, op, f"{location}.{key}")
            self.leftovers(item, used, location)

    def _non_path_parameters(self, params: Any, location: str) -> None:
        if params is None:
            return
        if not isinstance(params, list):
            self.note(location, "not a list; dropped")
            return
        dropped = [
            f"{p.get('in')} {p.get('name')}" if isinstance(p, Mapping) else "(not an object)"
            for p in params
            if not (isinstance(p, Mapping) and p.get("in") == "path")
        ]
        if dropped:
            self.note(location, f"parameter(s) {', '.join(map(str, dropped))} dropped: the design declares only "
                      "path parameters (implied by the path)")

    def _operation(self, path: str, method: str, op: Any, location: str) -> None:
        if not isinstance(op, Mapping):
            self.note(location, "not an object; dropped")
            return
        key = "$default" if path == "/$default" else f"{method} {path}"
        if key == "$default" and method != "ANY":
            self.note(location, f"the $default route takes every method; {method} became ANY", "changed")
        route = Route(key=key)
        route.operation_id = self.text(op.get("operationId"), f"{location}.operationId", "operation id")
        route.summary = self.text(op.get("summary"), f"{location}.summary", "summary")
        self._non_path_parameters(op.get("parameters"), f"{location}.parameters")
        self._route_security(route, op.get("security"), f"{location}.security")
        if X + "request-validator" in op:
            route.request_validator = self.text(op[X + "request-validator"], f"{location}.{X}request-validator", "validator")
        integ = op.get(X + "integration")
        if integ is None:
            self.note(location, "has no x-amazon-apigateway-integration; the route has no integration yet", "changed")
        else:
            route.integration = self._integration(integ, method, f"{location}.{X}integration")
        self._responses(op.get("responses"), route.integration, f"{location}.responses")
        used = {"operationId", "summary", "parameters", "responses", "security", X + "request-validator",
                X + "integration", "isDefaultRoute"}
        self.leftovers(op, used, location)
        self.design.routes.append(route)

    def _responses(self, responses: Any, integ: Integration, location: str) -> None:
        """The method responses a design makes are 200 and each status of its integration responses, with
        the CORS headers; report anything richer that a design can't hold."""
        if not isinstance(responses, Mapping):
            return
        made = {"200", "default", *(r.status_code for r in integ.responses)}
        extra_codes = [str(c) for c in responses if str(c) not in made]
        rich = False
        for r in responses.values():
            if not isinstance(r, Mapping):
                continue
            headers = r.get("headers") or {}
            if any(k not in ("description", "headers", "content") for k in r):
                rich = True
            if isinstance(headers, Mapping) and any(not str(h).startswith("Access-Control-") for h in headers):
                rich = True
            if r.get("content"):
                rich = True
        if extra_codes or rich:
            codes = ", ".join(str(c) for c in responses)
            self.note(location, f"response declarations ({codes}) dropped: the design does not model method responses")

    def _route_security(self, route: Route, security: Any, location: str) -> None:
        if security is None:
            return
        if not isinstance(security, list):
            self.note(location, "not a list; dropped")
            return
        if not security:
            return
        if len(security) > 1:
            self.note(location, "alternative security requirements: only the first is used", "changed")
        requirement = security[0]
        if not isinstance(requirement, Mapping):
            self.note(location, "not an object; dropped")
            return
        for name, scopes in requirement.items():
            kind, authorizer = self.schemes.get(str(name), (None, None))
            if kind == "iam":
                route.authorization = "AWS_IAM"
            elif kind == "api_key":
                route.api_key_required = True
            elif kind == "authorizer":
                if route.authorizer:
                    self.note(location, f"a second authorizer {name!r} on one method; dropped")
                    continue
                route.authorizer = authorizer.name
                route.authorization = {"TOKEN": "CUSTOM", "REQUEST": "CUSTOM"}.get(authorizer.type, authorizer.type)
                route.scopes = self.texts(scopes, f"{location}.{name}", "scope")
            else:
                self.note(location, f"security scheme {name!r} is not defined or not usable; dropped")

    def _integration(self, ext: Any, method: str, location: str) -> Integration:
        integ = Integration()
        if not isinstance(ext, Mapping):
            self.note(location, "not an object; dropped")
            return integ
        raw_type = str(ext.get("type", "")).lower()
        uri = self.text(ext.get("uri"), f"{location}.uri", "uri")
        http_method = self.text(ext.get("httpMethod"), f"{location}.httpMethod", "httpMethod").upper()
        connection = str(ext.get("connectionType", "")).upper()
        lambda_match = _LAMBDA_URI.fullmatch(uri)
        lambda_arn = lambda_match.group(2) if lambda_match else (uri if uri.startswith("arn:aws:lambda:") else "")
        if raw_type in ("aws_proxy", "aws") and ext.get("integrationSubtype"):
            integ.kind = "aws_proxy"
            integ.subtype = self.text(ext.get("integrationSubtype"), f"{location}.integrationSubtype", "subtype")
        elif raw_type in ("aws_proxy", "aws") and (lambda_arn or raw_type == "aws_proxy"):
            integ.kind = "lambda_proxy" if raw_type == "aws_proxy" else "lambda"
            integ.lambda_arn = lambda_arn
            if not lambda_arn and uri:
                self.note(f"{location}.uri", f"{uri!r} is not a Lambda function URI; dropped")
            if lambda_match:
                expected = arn_region(lambda_arn) or self.design.region
                integ.region = "" if lambda_match.group(1) == expected else lambda_match.group(1)
            integ.http_method = "" if http_method == "POST" else http_method
        elif raw_type == "aws":
            integ.kind = "aws"
            m = _SERVICE_URI.fullmatch(uri)
            if m:
                region, integ.service, style, tail = m.groups()
                integ.region = "" if region == self.design.region else region
                if style == "action":
                    integ.action = tail
                else:
                    integ.service_path = tail
            elif uri:
                self.note(f"{location}.uri", f"{uri!r} is not an AWS service integration URI; dropped")
            integ.http_method = "" if http_method == "POST" else http_method
        elif raw_type in ("http", "http_proxy"):
            integ.kind = "private" if connection == "VPC_LINK" else raw_type
            if connection == "VPC_LINK" and raw_type == "http":
                self.note(
                    location,
                    "a non-proxy HTTP integration over a VPC link became a private (proxy) integration",
                    "changed",
                )
            integ.uri = uri
            integ.http_method = "" if http_method == method else http_method
            integ.connection_id = self.text(ext.get("connectionId"), f"{location}.connectionId", "connection id")
        elif raw_type == "mock":
            integ.kind = "mock"
        else:
            self.note(
                f"{location}.type",
                f"integration type {ext.get('type')!r} is unknown; the route has no integration yet",
            )
        integ.role_arn = self.text(ext.get("credentials"), f"{location}.credentials", "credentials")
        templates = self.text_map(ext.get("requestTemplates"), f"{location}.requestTemplates", "request template")
        if integ.kind == "mock" and templates == {"application/json": '{"statusCode": 200}'}:
            templates = {}
        integ.request_templates = templates
        integ.request_parameters = self.text_map(ext.get("requestParameters"), f"{location}.requestParameters", "request parameter")
        integ.passthrough_behavior = self.text(
            ext.get("passthroughBehavior"), f"{location}.passthroughBehavior", "passthrough behaviour"
        )
        integ.timeout_ms = self.integer(ext.get("timeoutInMillis"), f"{location}.timeoutInMillis", "timeout")
        version = ext.get("payloadFormatVersion")
        if isinstance(version, (int, float)) and not isinstance(version, bool):
            version = f"{version:.1f}"
        integ.payload_format_version = self.text(version, f"{location}.payloadFormatVersion", "payload format")
        if self.api == "http" and integ.kind != "lambda_proxy" and integ.payload_format_version == "1.0":
            integ.payload_format_version = ""  # the only valid value; the export writes it back
        self._integration_responses(integ, ext.get("responses"), f"{location}.responses")
        used = {"type", "uri", "httpMethod", "connectionType", "connectionId", "integrationSubtype", "credentials",
                "requestTemplates", "requestParameters", "passthroughBehavior", "timeoutInMillis",
                "payloadFormatVersion", "responses"}
        if connection and connection not in ("INTERNET", "VPC_LINK"):
            self.note(f"{location}.connectionType", f"{connection!r} is unknown; dropped")
        self.leftovers(ext, used, location, "the design does not model caching keys, content handling or TLS settings")
        return integ

    def _integration_responses(self, integ: Integration, responses: Any, location: str) -> None:
        """``responses`` maps selection patterns to integration responses: "default" is the design's default
        response (status 200), every other pattern one more ``IntegrationResponse`` in the document's order."""
        if responses is None:
            return
        if not isinstance(responses, Mapping):
            self.note(location, "not an object; dropped")
            return
        default = responses.get("default")
        others = [k for k in responses if k != "default"]
        if default is None and others:  # no default response: the first one answers what no other matches
            first = others.pop(0)
            default = responses[first]
            if str(first) not in ("200", "2\\d{2}"):
                self.note(f"{location}.{first}", "used as the default response mapping", "changed")
        if len(others) > MAX_INTEGRATION_RESPONSES:
            self.note(location, f"{len(others) - MAX_INTEGRATION_RESPONSES} response mapping(s) past the first "
                      f"{MAX_INTEGRATION_RESPONSES} dropped: a method has one per status code, 100 to 599")
            others = others[:MAX_INTEGRATION_RESPONSES]
        for pattern in others:
            self._other_response(integ, str(pattern), responses[pattern], f"{location}.{pattern}")
        if not isinstance(default, Mapping):
            return
        integ.response_templates = self.text_map(
            default.get("responseTemplates"), f"{location}.default.responseTemplates", "response template"
        )
        params = self.text_map(default.get("responseParameters"), f"{location}.default.responseParameters", "response parameter")
        cors = {k: v for k, v in params.items() if k.startswith(_CORS_PARAM)}
        if cors:
            self.raw_cors[len(self.design.routes)] = cors
        rest = [k for k in params if k not in cors]
        if rest:
            self.note(f"{location}.default.responseParameters", f"{', '.join(rest)} dropped: the design does not "
                      "model response header mappings")
        status = str(default.get("statusCode", "200"))
        if status != "200":
            self.note(f"{location}.default.statusCode", f"status {status} dropped: the design's default response is 200")
        self.leftovers(
            default,
            ("statusCode", "responseTemplates", "responseParameters", "selectionPattern"),
            f"{location}.default",
        )

    def _other_response(self, integ: Integration, pattern: str, response: Any, location: str) -> None:
        if not isinstance(response, Mapping):
            self.note(location, "not an object; dropped")
            return
        params = self.text_map(response.get("responseParameters"), f"{location}.responseParameters", "response parameter")
        rest = [k for k in params if not k.startswith(_CORS_PARAM)]  # CORS headers come from the design's CORS
        if rest:
            self.note(f"{location}.responseParameters", f"{', '.join(rest)} dropped: the design does not model "
                      "response header mappings")
        integ.responses.append(IntegrationResponse(
            selection_pattern=pattern,
            status_code=self.text(response.get("statusCode"), f"{location}.statusCode", "status code"),
            templates=self.text_map(response.get("responseTemplates"), f"{location}.responseTemplates",
                                    "response template"),
        ))
        self.leftovers(response, ("statusCode", "responseTemplates", "responseParameters", "selectionPattern"), location)

    # -- CORS, policy, tags -------------------------------------------------------------------------

    def _rest_cors(self) -> None:
        """REST CORS is a set of OPTIONS mock methods; fold them back into the design's CORS settings."""
        if self.api != "rest" or not self.raw_cors:
            return
        d = self.design
        preflights = [
            i for i, r in enumerate(d.routes)
            if r.method == "OPTIONS" and r.integration.kind == "mock" and _CORS_PARAM + "Allow-Origin" in self.raw_cors.get(i, {})
        ]
        if not preflights:
            for i, params in self.raw_cors.items():
                self.note(f"routes[{i}]", f"CORS response headers {', '.join(params)} dropped (no OPTIONS preflight found)")
            return
        first = self.raw_cors[preflights[0]]
        value = {k[len(_CORS_PARAM):]: v.strip("'") for k, v in first.items()}
        path_methods: dict[str, list[str]] = {}
        for r in d.routes:
            if r.method != "OPTIONS":
                path_methods.setdefault(r.path, []).append(r.method)
        methods = value.get("Allow-Methods", "")
        computed = computed_allow_methods(path_methods.get(d.routes[preflights[0]].path, []))
        max_age = value.get("Max-Age", "")
        cors = Cors(
            allow_origins=[value["Allow-Origin"]] if value.get("Allow-Origin") else [],
            allow_methods=[] if methods == computed else _split(methods),
            allow_headers=_split(headers) if (headers := value.get("Allow-Headers", DEFAULT_CORS_HEADERS)) != DEFAULT_CORS_HEADERS else [],
            expose_headers=_split(value.get("Expose-Headers", "")),
            max_age=int(max_age) if max_age.lstrip("-").isdigit() else None,
            allow_credentials=value.get("Allow-Credentials", "").lower() == "true",
        )
        d.cors = cors
        others = [i for i in preflights[1:] if {k: v for k, v in self.raw_cors[i].items() if not k.endswith("Allow-Methods")}
                  != {k: v for k, v in first.items() if not k.endswith("Allow-Methods")}]
        if others:
            self.note(
                "paths",
                f"{len(others)} CORS preflight(s) differ from the first; the first one's settings are used",
                "changed",
            )
        generated = set(cors_method_response_parameters(d.cors).items())
        for i, params in self.raw_cors.items():
            if i in preflights:
                continue
            odd = [k for k, v in params.items() if (k, v) not in generated]
            if odd:
                self.note(
                    f"routes[{i}]",
                    f"CORS response headers {', '.join(odd)} dropped: they now follow the design's CORS settings",
                    "changed",
                )
        paths = sorted({d.routes[i].path for i in preflights})
        self.note("paths", f"OPTIONS method(s) on {', '.join(paths)} recognised as CORS preflights and kept as the "
                  "design's CORS settings", "changed")
        d.routes = [r for i, r in enumerate(d.routes) if i not in set(preflights)]

    def _http_cors(self, value: Any) -> None:
        location = X + "cors"
        if not isinstance(value, Mapping):
            self.note(location, "not an object; dropped")
            return
        if self.api != "http":
            self.note(location, "is an HTTP API extension; kept as the design's CORS settings", "changed")
        self.design.cors = Cors(
            allow_origins=self.texts(value.get("allowOrigins"), f"{location}.allowOrigins", "origin"),
            allow_methods=self.texts(value.get("allowMethods"), f"{location}.allowMethods", "method"),
            allow_headers=self.texts(value.get("allowHeaders"), f"{location}.allowHeaders", "header"),
            expose_headers=self.texts(value.get("exposeHeaders"), f"{location}.exposeHeaders", "header"),
            max_age=self.integer(value.get("maxAge"), f"{location}.maxAge", "max age"),
            allow_credentials=value.get("allowCredentials") is True,
        )
        self.leftovers(
            value,
            ("allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge", "allowCredentials"),
            location,
        )

    def _policy(self, value: Any) -> None:
        try:
            if isinstance(value, str):
                value = documents.loads_json(value, documents.POLICY)
            if not isinstance(value, Mapping):
                self.note(X + "policy", "not a JSON object; dropped")
                return
            documents.check(value, documents.POLICY)
            too_big = documents.policy_size_problem(value)
            if too_big:
                self.note(X + "policy", f"{too_big}; dropped")
                return
            self.design.resource_policy = json.loads(json.dumps(value, allow_nan=False, default=str))
        except documents.DocumentError as problem:
            self.note(X + "policy", f"{problem}; dropped")
        except (TypeError, ValueError):
            self.note(X + "policy", "can't be stored as JSON; dropped")

    def _tags(self) -> None:
        tags = self.doc.get("tags")
        if tags is None:
            return
        if not isinstance(tags, list):
            self.note("tags", "not a list; dropped")
            return
        plain = []
        for i, tag in enumerate(tags):
            if isinstance(tag, Mapping) and X + "tag-value" in tag:
                self.design.tags[self.text(tag.get("name"), f"tags[{i}].name", "tag name")] = self.text(
                    tag[X + "tag-value"], f"tags[{i}].{X}tag-value", "tag value"
                )
            else:
                plain.append(str(tag.get("name")) if isinstance(tag, Mapping) else str(tag))
        if plain:
            self.note("tags", f"documentation tag(s) {', '.join(plain)} dropped (only tags with "
                      "x-amazon-apigateway-tag-value are AWS tags)")


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _document_version(doc: Mapping[str, Any]) -> bool:
    """True for Swagger 2.0, False for OpenAPI 3.x; ``ImportError_`` for anything else."""
    if str(doc.get("swagger", "")) == "2.0":
        return True
    version = doc.get("openapi")
    if isinstance(version, str) and version.startswith("3."):
        return False
    if "swagger" in doc or "openapi" in doc:
        found = doc.get("swagger", doc.get("openapi"))
        raise ImportError_(f"unsupported version {found!r}: API Gateway imports Swagger 2.0 and OpenAPI 3.0")
    if "AWSTemplateFormatVersion" in doc or "Resources" in doc:
        raise ImportError_("this is a CloudFormation template, not an OpenAPI definition")
    raise ImportError_("not an OpenAPI 3.0 or Swagger 2.0 document: it has no 'openapi' or 'swagger' field")


def import_openapi(source: str | bytes | Mapping[str, Any], api_type: str | None = None) -> ImportResult:
    """Read an OpenAPI 3.0 / Swagger 2.0 definition into a design, listing what it could not keep.

    ``api_type`` ("rest" or "http") overrides detection (HTTP when the document has HTTP-only extensions
    such as ``x-amazon-apigateway-importexport-version`` or ``payloadFormatVersion``).
    Raises ``ImportError_`` (a ``DesignError``) for anything that is not such a document.
    """
    doc = parse_document(source)
    try:
        return _Importer(doc, api_type).run()
    except DesignError:
        raise
    except RecursionError:
        raise ImportError_("the definition is nested too deeply to read") from None
