"""What a design means to AWS: ``resolve(design) -> ResolvedApi``.

The one place that translates the learner's design into API Gateway's own terms, with every default
filled in per API type. Every output reads it and nothing else: the OpenAPI and CloudFormation
exports, the generated clients, the diagram, the objective checks, the sandbox gateway and the AWS
deployer. The rules do not: they must see what the learner wrote, wrong values included.

``ResolvedApi`` is immutable (frozen dataclasses, tuples, read-only mappings), so an output cannot
change what the next one reads. It keeps the design's own words where AWS uses the same (route keys,
names, ARNs) and adds what AWS would do with them: the integration type and URI, the integration
method, the payload format version, the timeout in force, the passthrough behaviour as AWS spells
it, the mapping templates a mock needs, the CORS preflights a REST API needs, the authorizers,
validators and usage plans a route uses, and each stage with its cache, throttling and canary.

A draft is resolved too (an integration not chosen yet has type ""), so the builder can show
outputs while the learner works; the rules say what is wrong with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from .model import (
    Authorizer,
    Cors,
    Design,
    Integration,
    Route,
    Stage,
    default_identity_source,
    split_route_key,
)

# --------------------------------------------------------------------------------------------------
# The table: the app's integration kinds in AWS's terms
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KindSpec:
    """How one of the builder's integration kinds becomes an AWS integration."""

    aws_type: str  # IntegrationType: AWS_PROXY, AWS, HTTP_PROXY, HTTP, MOCK
    target: str  # what the URI is built from: "lambda", "http", "service", "subtype", "" (none)
    proxy: bool  # API Gateway passes the request through and the backend shapes the response
    method: str  # the integration HTTP method when the design names none: "POST", "route" (the route's), ""
    vpc_link: bool = False


INTEGRATION_KINDS_TO_AWS: Mapping[str, KindSpec] = MappingProxyType({
    "lambda_proxy": KindSpec("AWS_PROXY", "lambda", proxy=True, method="POST"),
    "lambda": KindSpec("AWS", "lambda", proxy=False, method="POST"),
    "http_proxy": KindSpec("HTTP_PROXY", "http", proxy=True, method="route"),
    "http": KindSpec("HTTP", "http", proxy=False, method="route"),
    "private": KindSpec("HTTP_PROXY", "http", proxy=True, method="route", vpc_link=True),
    "aws": KindSpec("AWS", "service", proxy=False, method="POST"),
    "aws_proxy": KindSpec("AWS_PROXY", "subtype", proxy=True, method=""),
    "mock": KindSpec("MOCK", "", proxy=False, method=""),
})
_NO_KIND = KindSpec("", "", proxy=False, method="")

#: What a MOCK integration needs to answer 200 when the design gives no request template.
MOCK_TEMPLATE = '{"statusCode": 200}'
#: The maximum integration timeout in force when a design sets none (REST and WebSocket 29 s, HTTP 30 s).
DEFAULT_TIMEOUT_MS = MappingProxyType({"rest": 29_000, "http": 30_000, "websocket": 29_000})
#: Lambda authorizer result cache and stage cache defaults (seconds).
DEFAULT_AUTHORIZER_TTL = 300
DEFAULT_CACHE_TTL = 300
DEFAULT_CACHE_SIZE = "0.5"
DEFAULT_CORS_HEADERS = "Content-Type,Authorization,X-Amz-Date,X-Api-Key,X-Amz-Security-Token"
DEFAULT_ROUTE_SELECTION = "$request.body.action"
PASSTHROUGH = MappingProxyType({"when_no_match": "WHEN_NO_MATCH", "when_no_templates": "WHEN_NO_TEMPLATES",
                                "never": "NEVER"})

_ARN_REGION = re.compile(r"arn:aws[\w-]*:[^:]+:([a-z]{2}(?:-[a-z]+)+-\d+):")
_PATH_PARAM = re.compile(r"\{([^{}/]+)\}")
_STAGE_VAR = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")


def arn_region(arn: str) -> str:
    m = _ARN_REGION.match(arn)
    return m.group(1) if m else ""


LAMBDA_INVOCATION_PATH = "lambda:path/2015-03-31/functions/"


def lambda_invocation_uri(region: str, function_arn: str, partition: str = "aws") -> str:
    """The URI API Gateway uses to invoke a Lambda function (integrations and authorizers); the
    partition and Region may be spelled otherwise (CloudFormation's ``${AWS::Partition}``)."""
    return f"arn:{partition}:apigateway:{region}:{LAMBDA_INVOCATION_PATH}{function_arn}/invocations"


def stage_variables_in(text: str) -> tuple[str, ...]:
    return tuple(_STAGE_VAR.findall(text))


def substitute_stage_variables(text: str, variables: Mapping[str, str]) -> str:
    """``${stageVariables.x}`` replaced by the stage's value (an unset variable becomes "", as in AWS)."""
    return _STAGE_VAR.sub(lambda m: variables.get(m.group(1), ""), text)


def _ro(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


# --------------------------------------------------------------------------------------------------
# The resolved API
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResolvedResponse:
    """An integration response (REST and WebSocket custom integrations).  An integration's are the default
    one (no selection pattern, status 200) first, then the design's others in their order."""

    status_code: str = "200"
    selection_pattern: str = ""
    templates: Mapping[str, str] = field(default_factory=lambda: _ro({}))
    parameters: Mapping[str, str] = field(default_factory=lambda: _ro({}))

    @property
    def websocket_key(self) -> str:
        """A WebSocket integration response's key: ``$default``, or its pattern between slashes (``/4\\d\\d/``)."""
        return f"/{self.selection_pattern}/" if self.selection_pattern else "$default"


@dataclass(frozen=True, slots=True)
class ResolvedIntegration:
    kind: str  # the builder's kind ("" = not chosen yet)
    type: str  # AWS IntegrationType ("" = not chosen yet)
    target_kind: str  # what it calls: "lambda", "http", "service", "subtype" (HTTP API AWS_PROXY), "" (mock/none)
    proxy: bool
    uri: str  # as AWS stores it: a Lambda invocation URI, an HTTP URL or VPC link target, a service ARN
    http_method: str  # the integration's own HTTP method ("" where AWS takes none)
    lambda_arn: str
    lambda_region: str  # the Region of the function: the integration's, the ARN's, else "" (the API's)
    service: str
    service_style: str  # "action" | "path" | ""
    service_target: str  # the action ("PutItem") or path ("bucket/key")
    region: str  # the region the design names for the integration ("" = the API's)
    connection_type: str  # "VPC_LINK" or "" (internet)
    connection_id: str
    subtype: str
    credentials: str
    request_templates: Mapping[str, str]  # as given, or the template a MOCK needs to answer 200
    templates_given: bool  # the design itself has request templates
    template_selection_expression: str  # WebSocket/HTTP (v2): "\\$default" when a $default template is used
    request_parameters: Mapping[str, str]
    passthrough_behavior: str  # AWS's spelling: WHEN_NO_MATCH | WHEN_NO_TEMPLATES | NEVER | ""
    timeout_ms: int | None  # as the design sets it
    effective_timeout_ms: int  # what API Gateway waits: the design's, else the API type's maximum
    payload_format_version: str  # in force: HTTP APIs always have one; REST/WebSocket only if set
    responses: tuple[ResolvedResponse, ...]

    @property
    def uses_lambda(self) -> bool:
        return self.kind in ("lambda_proxy", "lambda")

    @property
    def method_statuses(self) -> list[str]:
        """The method responses a REST method declares: 200, then each status its integration responses map
        to (API Gateway refuses an integration response whose status has no method response)."""
        statuses = ["200"]
        for r in self.responses:
            if r.status_code and r.status_code not in statuses:
                statuses.append(r.status_code)
        return statuses

    def service_uri(self, region: str, partition: str = "aws", escape=lambda text: text) -> str:
        """An AWS service integration's URI with other spellings of the Region and partition
        (CloudFormation's ``${AWS::Region}``); ``escape`` protects the design's own text in a template."""
        return (f"arn:{partition}:apigateway:{region}:{escape(self.service)}:"
                f"{self.service_style}/{escape(self.service_target)}")


@dataclass(frozen=True, slots=True)
class ResolvedAuthorizer:
    name: str
    type: str  # as the design says: TOKEN | REQUEST | COGNITO_USER_POOLS | JWT
    lambda_arn: str
    uri: str  # the Lambda invocation URI ("" for Cognito and JWT)
    identity_sources: tuple[str, ...]  # in force (the API type's default when the design names none)
    identity_sources_given: bool
    ttl_seconds: int | None
    effective_ttl_seconds: int  # Lambda authorizers: 300 when unset; Cognito/JWT: 0 (no result cache)
    user_pool_arns: tuple[str, ...]
    issuer: str
    audience: tuple[str, ...]
    payload_format_version: str  # HTTP API Lambda authorizers: "2.0" unless set; "" elsewhere unless set
    simple_responses: bool

    @property
    def identity_source(self) -> str:
        return ", ".join(self.identity_sources)

    @property
    def uses_lambda(self) -> bool:
        return self.type in ("TOKEN", "REQUEST", "")


@dataclass(frozen=True, slots=True)
class ResolvedValidator:
    name: str
    validate_body: bool
    validate_parameters: bool


@dataclass(frozen=True, slots=True)
class ResolvedRoute:
    key: str
    method: str  # "" for WebSocket keys and $default
    path: str  # "" for WebSocket keys and $default
    integration: ResolvedIntegration
    authorization: str  # NONE | AWS_IAM | CUSTOM | COGNITO_USER_POOLS | JWT
    authorizer: ResolvedAuthorizer | None  # the one the route names, if the design has it
    authorizer_name: str  # as the design names it (may name none that exists)
    scopes: tuple[str, ...]
    api_key_required: bool
    request_validator: ResolvedValidator | None
    request_validator_name: str
    operation_id: str
    summary: str
    path_parameters: tuple[str, ...]  # as API Gateway names them (REST: "proxy" for "{proxy+}")
    source_arn: str  # the execute-api ARN tail a Lambda permission for this route names ("*/GET/a/*")

    @property
    def is_default(self) -> bool:
        return self.key.strip() == "$default"


@dataclass(frozen=True, slots=True)
class ResolvedCors:
    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...]
    allow_headers: tuple[str, ...]
    expose_headers: tuple[str, ...]
    max_age: int | None
    allow_credentials: bool
    #: REST custom (non-proxy) methods add these to their own responses (header name -> 'value').
    method_response_parameters: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Preflight:
    """A REST CORS preflight: an OPTIONS method on a path, a MOCK that answers with these headers."""

    path: str
    headers: Mapping[str, str]  # "Allow-Origin" -> "*", ...


@dataclass(frozen=True, slots=True)
class ResolvedCanary:
    percent_traffic: float
    stage_variable_overrides: Mapping[str, str]
    use_stage_cache: bool
    variables: Mapping[str, str]  # the stage's variables with the overrides applied


@dataclass(frozen=True, slots=True)
class ResolvedStage:
    name: str
    description: str
    variables: Mapping[str, str]
    throttle_rate: float | None
    throttle_burst: int | None
    cache_enabled: bool
    cache_size: str  # in force when the cache is on ("0.5" unless set)
    cache_size_given: str
    cache_ttl: int | None
    effective_cache_ttl: int
    canary: ResolvedCanary | None
    logging_level: str
    auto_deploy: bool
    waf_web_acl_arn: str


@dataclass(frozen=True, slots=True)
class ResolvedApiKey:
    name: str
    description: str
    enabled: bool


@dataclass(frozen=True, slots=True)
class ResolvedUsagePlan:
    name: str
    description: str
    stages: tuple[str, ...]
    api_keys: tuple[str, ...]
    throttle_rate: float | None
    throttle_burst: int | None
    quota_limit: int | None
    quota_period: str  # in force when there is a quota ("DAY" unless set)


@dataclass(frozen=True, slots=True)
class ResolvedApi:
    api_type: str
    name: str
    title: str  # the name, or "Untitled"
    description: str  # as the design says
    version: str
    endpoint_types: tuple[str, ...]  # as the design lists them
    endpoint_type: str  # in force: the first listed, else the API type's default
    region: str
    protocol_type: str  # REST | HTTP | WEBSOCKET
    route_selection_expression: str  # WebSocket: in force; HTTP: as given
    api_key_source: str  # as given ("" = AWS's default, HEADER)
    api_key_selection_expression: str  # WebSocket, when a route needs a key
    routes: tuple[ResolvedRoute, ...]
    authorizers: tuple[ResolvedAuthorizer, ...]
    request_validators: tuple[ResolvedValidator, ...]
    api_keys: tuple[ResolvedApiKey, ...]
    usage_plans: tuple[ResolvedUsagePlan, ...]
    cors: ResolvedCors | None
    preflights: tuple[Preflight, ...]  # REST only
    resource_policy: Mapping[str, Any] | None
    stages: tuple[ResolvedStage, ...]
    tags: Mapping[str, str]
    clients: str  # the design's hint: "global" | "same-region" | "vpc" | ""
    client_retries: bool

    def authorizer_named(self, name: str) -> ResolvedAuthorizer | None:
        return next((a for a in self.authorizers if a.name == name), None)

    def concrete_function_arns(self, arn: str) -> tuple[list[str], list[str]]:
        """(every ARN a stage-variable function ARN becomes on the stages and their canaries, the
        variables missing on some stage); a plain ARN is itself. Lambda permissions need these."""
        if not _STAGE_VAR.search(arn):
            return ([arn] if arn else []), []
        resolved: list[str] = []
        missing: list[str] = []
        contexts = [dict(s.variables) for s in self.stages]
        contexts += [dict(s.canary.variables) for s in self.stages if s.canary is not None]
        for variables in contexts:
            absent = [v for v in _STAGE_VAR.findall(arn) if v not in variables]
            if absent:
                missing += [v for v in absent if v not in missing]
                continue
            value = _STAGE_VAR.sub(lambda m: variables[m.group(1)], arn)
            if value not in resolved:
                resolved.append(value)
        return resolved, missing

    def stage_named(self, name: str) -> ResolvedStage | None:
        return next((s for s in self.stages if s.name == name), None)

    @property
    def label(self) -> str:
        return {"rest": "REST", "http": "HTTP", "websocket": "WebSocket"}[self.api_type]

    def resource_paths(self) -> list[str]:
        """REST: every resource the routes need, parents first ("/a", "/a/{id}"), as AWS builds them."""
        seen: dict[str, None] = {}
        for route in self.routes:
            if not route.path or route.path == "/":
                continue
            current = ""
            for part in route.path.split("/")[1:]:
                current = f"{current}/{part}"
                seen.setdefault(current, None)
        return list(seen)


# --------------------------------------------------------------------------------------------------
# resolve()
# --------------------------------------------------------------------------------------------------


def resolve(design: Design | Mapping[str, Any] | ResolvedApi) -> ResolvedApi:
    """The design in API Gateway's terms (see the module). Raises only ``DesignError``."""
    if isinstance(design, ResolvedApi):
        return design
    if not isinstance(design, Design):
        design = Design.from_dict(design)
    api = design.api_type
    authorizers = tuple(_authorizer(design, a) for a in design.authorizers)
    by_name: dict[str, ResolvedAuthorizer] = {}
    for a in authorizers:
        by_name.setdefault(a.name, a)
    validators = tuple(ResolvedValidator(v.name, v.validate_body, v.validate_parameters) for v in design.request_validators)
    validators_by_name: dict[str, ResolvedValidator] = {}
    for v in validators:
        validators_by_name.setdefault(v.name, v)
    cors = _cors(design.cors, api)
    routes = tuple(_route(design, r, by_name, validators_by_name, cors) for r in design.routes)
    return ResolvedApi(
        api_type=api,
        name=design.name,
        title=design.name or "Untitled",
        description=design.description,
        version=design.version,
        endpoint_types=tuple(design.endpoint_types),
        endpoint_type=design.endpoint_type,
        region=design.region,
        protocol_type={"rest": "REST", "http": "HTTP", "websocket": "WEBSOCKET"}[api],
        route_selection_expression=(design.route_selection_expression or DEFAULT_ROUTE_SELECTION)
        if api == "websocket" else design.route_selection_expression,
        api_key_source=design.api_key_source,
        api_key_selection_expression=(
            ("$context.authorizer.usageIdentifierKey" if design.api_key_source == "AUTHORIZER" else "$request.header.x-api-key")
            if api == "websocket" and any(r.api_key_required for r in design.routes) else ""
        ),
        routes=routes,
        authorizers=authorizers,
        request_validators=validators,
        api_keys=tuple(ResolvedApiKey(k.name, k.description, k.enabled) for k in design.api_keys),
        usage_plans=tuple(
            ResolvedUsagePlan(p.name, p.description, tuple(p.stages), tuple(p.api_keys), p.throttle_rate, p.throttle_burst,
                              p.quota_limit, (p.quota_period or "DAY") if p.quota_limit is not None else p.quota_period)
            for p in design.usage_plans
        ),
        cors=cors,
        preflights=_preflights(routes, cors) if api == "rest" else (),
        resource_policy=_ro(design.resource_policy) if design.resource_policy else None,
        stages=tuple(_stage(s) for s in design.stages),
        tags=_ro(design.tags),
        clients=design.clients,
        client_retries=design.client_retries,
    )


def _integration(design: Design, route: Route, method: str, cors: ResolvedCors | None) -> ResolvedIntegration:
    integ: Integration = route.integration
    api = design.api_type
    spec = INTEGRATION_KINDS_TO_AWS.get(integ.kind, _NO_KIND)
    uri = ""
    lambda_region = ""
    style, target = "", ""
    if spec.target == "lambda":
        lambda_region = integ.region or arn_region(integ.lambda_arn)
        uri = lambda_invocation_uri(lambda_region or design.region, integ.lambda_arn)
    elif spec.target == "http":
        uri = integ.uri
    elif spec.target == "service":
        style, target = ("action", integ.action) if integ.action else ("path", integ.service_path)
        uri = f"arn:aws:apigateway:{integ.region or design.region}:{integ.service}:{style}/{target}"  # = service_uri
    if spec.method == "POST":
        http_method = integ.http_method or "POST"
    elif spec.method == "route":  # HTTP backends get the caller's method; $default forwards any
        http_method = integ.http_method or method or ("ANY" if api == "http" and route.key.strip() == "$default" else
                                                      "POST" if api == "websocket" else "")
    else:
        http_method = ""  # MOCK and AWS_PROXY integrations take no HTTP method
    templates = dict(integ.request_templates)
    if spec.aws_type == "MOCK" and not templates:
        templates = {("application/json" if api == "rest" else "$default"): MOCK_TEMPLATE}
    selection = "\\$default" if api != "rest" and "$default" in templates else ""
    if api == "http":  # required on every HTTP API integration; 1.0 is the only value for non-Lambda ones
        payload = integ.payload_format_version or ("2.0" if integ.kind == "lambda_proxy" else "1.0")
    else:
        payload = integ.payload_format_version
    responses: tuple[ResolvedResponse, ...] = ()
    extra = tuple(ResolvedResponse(r.status_code.strip(), r.selection_pattern, _ro(r.templates))
                  for r in integ.responses)
    if api != "http" and integ.kind and not spec.proxy:
        params = _ro(cors.method_response_parameters if cors is not None else {})
        responses = (ResolvedResponse("200", "", _ro(integ.response_templates), params),
                     *(replace(r, parameters=params) for r in extra))
    elif integ.response_templates or extra:  # invalid on a proxy (a rule says so) but never lost
        responses = (ResolvedResponse("200", "", _ro(integ.response_templates)), *extra)
    return ResolvedIntegration(
        kind=integ.kind, type=spec.aws_type, target_kind=spec.target, proxy=spec.proxy, uri=uri, http_method=http_method,
        lambda_arn=integ.lambda_arn if spec.target == "lambda" else "", lambda_region=lambda_region,
        service=integ.service if spec.target == "service" else "", service_style=style, service_target=target,
        region=integ.region, connection_type="VPC_LINK" if spec.vpc_link else "",
        connection_id=integ.connection_id if spec.vpc_link else "",
        subtype=integ.subtype if spec.target == "subtype" else "", credentials=integ.role_arn,
        request_templates=_ro(templates), templates_given=bool(integ.request_templates),
        template_selection_expression=selection,
        request_parameters=_ro(integ.request_parameters),
        passthrough_behavior=PASSTHROUGH.get(integ.passthrough_behavior.lower(), integ.passthrough_behavior.upper()),
        timeout_ms=integ.timeout_ms,
        effective_timeout_ms=integ.timeout_ms if integ.timeout_ms is not None else DEFAULT_TIMEOUT_MS[api],
        payload_format_version=payload, responses=responses,
    )


def _route(design: Design, route: Route, authorizers: Mapping[str, ResolvedAuthorizer],
           validators: Mapping[str, ResolvedValidator], cors: ResolvedCors | None) -> ResolvedRoute:
    api = design.api_type
    method, path = split_route_key(route.key)
    names = _PATH_PARAM.findall(path)
    if api == "rest":
        names = [n.removesuffix("+") for n in names]
    authorization = route.authorization or "NONE"
    authorizer = authorizers.get(route.authorizer) if authorization in ("CUSTOM", "COGNITO_USER_POOLS", "JWT") else None
    return ResolvedRoute(
        key=route.key, method=method, path=path, integration=_integration(design, route, method, cors),
        authorization=authorization, authorizer=authorizer, authorizer_name=route.authorizer,
        scopes=tuple(route.scopes), api_key_required=route.api_key_required,
        request_validator=validators.get(route.request_validator), request_validator_name=route.request_validator,
        operation_id=route.operation_id, summary=route.summary, path_parameters=tuple(names),
        source_arn=_source_arn(api, route.key, method, path),
    )


def _source_arn(api: str, key: str, method: str, path: str) -> str:
    """The tail (after the API id) of the execute-api ARN that invokes this route: stage, method, path."""
    if api == "websocket":
        return f"*/{key}"
    if key.strip() == "$default":
        return "*/$default"
    if not path:
        return ""
    parts = ["*" if p.startswith("{") else p for p in path.split("/")[1:]]
    return f"*/{'*' if method == 'ANY' else method}/" + "/".join(parts)


def _authorizer(design: Design, a: Authorizer) -> ResolvedAuthorizer:
    api = design.api_type
    uses_lambda = a.type in ("TOKEN", "REQUEST", "")
    region = arn_region(a.lambda_arn) or design.region
    identity = tuple(a.identity_sources) or (default_identity_source(api),)
    payload = a.payload_format_version
    if api == "http" and uses_lambda and a.type != "JWT":
        payload = payload or "2.0"
    return ResolvedAuthorizer(
        name=a.name, type=a.type, lambda_arn=a.lambda_arn if uses_lambda else "",
        uri=lambda_invocation_uri(region, a.lambda_arn) if uses_lambda else "",
        identity_sources=identity, identity_sources_given=bool(a.identity_sources),
        ttl_seconds=a.ttl_seconds,
        effective_ttl_seconds=(a.ttl_seconds if a.ttl_seconds is not None else DEFAULT_AUTHORIZER_TTL) if uses_lambda else 0,
        user_pool_arns=tuple(a.user_pool_arns), issuer=a.issuer, audience=tuple(a.audience),
        payload_format_version=payload, simple_responses=a.simple_responses,
    )


def _cors(cors: Cors | None, api: str) -> ResolvedCors | None:
    if cors is None:
        return None
    params = cors_method_response_parameters(cors) if api == "rest" else {}
    return ResolvedCors(
        allow_origins=tuple(cors.allow_origins), allow_methods=tuple(cors.allow_methods),
        allow_headers=tuple(cors.allow_headers), expose_headers=tuple(cors.expose_headers),
        max_age=cors.max_age, allow_credentials=cors.allow_credentials, method_response_parameters=_ro(params),
    )


def cors_method_response_parameters(cors: Cors | None) -> dict[str, str]:
    """REST custom (non-proxy) methods must add Access-Control-Allow-Origin to their own responses."""
    if cors is None:
        return {}
    params = {"method.response.header.Access-Control-Allow-Origin": f"'{rest_origin(cors.allow_origins)}'"}
    if cors.expose_headers:
        params["method.response.header.Access-Control-Expose-Headers"] = f"'{','.join(cors.expose_headers)}'"
    return params


def rest_origin(origins: Iterable[str]) -> str:
    """A REST preflight answers one origin: the first allowed, else any."""
    return next(iter(origins), "*")


def _preflights(routes: tuple[ResolvedRoute, ...], cors: ResolvedCors | None) -> tuple[Preflight, ...]:
    if cors is None:
        return ()
    methods_by_path: dict[str, list[str]] = {}
    for route in routes:
        if route.path:
            methods_by_path.setdefault(route.path, []).append(route.method)
    return tuple(
        Preflight(path, _ro(preflight_headers(cors, methods)))
        for path, methods in methods_by_path.items() if "OPTIONS" not in methods
    )


def preflight_headers(cors: ResolvedCors, methods: Iterable[str]) -> dict[str, str]:
    """What a REST CORS preflight returns: ``{"Allow-Origin": "...", ...}``; unset lists fall back to
    the path's own methods and common headers (REST APIs have no CORS switch)."""
    headers = {
        "Allow-Origin": rest_origin(cors.allow_origins),
        "Allow-Methods": ",".join(cors.allow_methods) or computed_allow_methods(methods),
        "Allow-Headers": ",".join(cors.allow_headers) or DEFAULT_CORS_HEADERS,
    }
    if cors.allow_credentials:
        headers["Allow-Credentials"] = "true"
    if cors.max_age is not None:
        headers["Max-Age"] = str(cors.max_age)
    if cors.expose_headers:
        headers["Expose-Headers"] = ",".join(cors.expose_headers)
    return headers


def computed_allow_methods(methods: Iterable[str]) -> str:
    present = {m.upper() for m in methods}
    if "ANY" in present:
        present = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}
    return ",".join(sorted(present | {"OPTIONS"}))


def _stage(s: Stage) -> ResolvedStage:
    canary = None
    if s.canary is not None:
        overrides = dict(s.canary.stage_variable_overrides)
        canary = ResolvedCanary(s.canary.percent_traffic, _ro(overrides), s.canary.use_stage_cache,
                                _ro({**s.variables, **overrides}))
    return ResolvedStage(
        name=s.name, description=s.description, variables=_ro(s.variables), throttle_rate=s.throttle_rate,
        throttle_burst=s.throttle_burst, cache_enabled=s.cache_enabled,
        cache_size=(s.cache_size or DEFAULT_CACHE_SIZE) if s.cache_enabled else s.cache_size, cache_size_given=s.cache_size,
        cache_ttl=s.cache_ttl, effective_cache_ttl=s.cache_ttl if s.cache_ttl is not None else DEFAULT_CACHE_TTL,
        canary=canary, logging_level=s.logging_level or "OFF", auto_deploy=s.auto_deploy,
        waf_web_acl_arn=s.waf_web_acl_arn,
    )


def v2_integration_properties(integ: ResolvedIntegration, api_type: str, *, lambda_uri, service_uri) -> dict[str, Any]:
    """An HTTP or WebSocket integration as API Gateway v2 takes it: the parameters of CreateIntegration,
    which are also the properties of ``AWS::ApiGatewayV2::Integration``. The CloudFormation export and
    the deployer both use it; they differ only in how a URI is spelled, so they pass ``lambda_uri`` and
    ``service_uri`` (a literal ARN for boto3, an ``Fn::Sub`` for a template). A draft becomes a mock."""
    props: dict[str, Any] = {"IntegrationType": integ.type or "MOCK"}
    if integ.target_kind == "lambda":
        props["IntegrationUri"] = lambda_uri(integ)
        if api_type == "websocket":
            props["IntegrationMethod"] = integ.http_method
    elif integ.target_kind == "http":
        props["IntegrationUri"] = integ.uri
        props["IntegrationMethod"] = integ.http_method
        if integ.connection_type:
            props["ConnectionType"] = integ.connection_type
            props["ConnectionId"] = integ.connection_id
    elif integ.target_kind == "service":
        props["IntegrationUri"] = service_uri(integ)
        props["IntegrationMethod"] = integ.http_method
    elif integ.target_kind == "subtype":
        props["IntegrationSubtype"] = integ.subtype
    templates = dict(integ.request_templates) or ({} if integ.kind else {"$default": MOCK_TEMPLATE})
    if integ.credentials:
        props["CredentialsArn"] = integ.credentials
    if templates and not integ.proxy:
        props["RequestTemplates"] = templates
        if "$default" in templates:
            props["TemplateSelectionExpression"] = "\\$default"
    if integ.request_parameters:
        props["RequestParameters"] = dict(integ.request_parameters)
    if integ.passthrough_behavior and api_type == "websocket":
        props["PassthroughBehavior"] = integ.passthrough_behavior
    if integ.timeout_ms is not None:
        props["TimeoutInMillis"] = integ.timeout_ms
    if integ.payload_format_version:
        props["PayloadFormatVersion"] = integ.payload_format_version
    return props
