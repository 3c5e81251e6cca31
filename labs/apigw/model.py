"""The design of an API Gateway API, as a learner builds it in the lab builder.

One set of dataclasses covers REST, HTTP and WebSocket APIs, because the builder walks the same steps
for all three and the rules (``rules.py``) decide what each type allows.  Keeping every field for every
type means a learner who switches the API type keeps their work and sees findings instead of losing it.

``Design.to_dict()`` / ``Design.from_dict()`` are the storage format (``"schema": 1``).  ``from_dict`` is
forgiving about *missing* fields (drafts are incomplete) and strict about *wrong* ones (a list where text
belongs, an unknown field, an unknown API type), and it only ever raises ``DesignError``.
AWS vocabulary (endpoint types, methods, authorization types, ...) is kept as free text on purpose: a wrong
value there is a teaching moment reported by a rule, not a crash.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from . import documents
from .errors import DesignError

SCHEMA_VERSION = 1

API_TYPES = ("rest", "http", "websocket")
ENDPOINT_TYPES = ("EDGE", "REGIONAL", "PRIVATE")
#: The app's integration vocabulary.  ``aws_proxy`` is an HTTP API first-class AWS service integration
#: (``AWS_PROXY`` + ``IntegrationSubtype``, e.g. EventBridge-PutEvents); ``private`` is an HTTP proxy
#: through a VPC link.  "" means "not chosen yet" (a draft).
INTEGRATION_KINDS = ("lambda_proxy", "lambda", "http_proxy", "http", "aws", "aws_proxy", "mock", "private")
LAMBDA_KINDS = frozenset({"lambda_proxy", "lambda"})
PROXY_KINDS = frozenset({"lambda_proxy", "http_proxy", "aws_proxy", "private"})
AUTHORIZATION_TYPES = ("NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS", "JWT")
AUTHORIZER_TYPES = ("TOKEN", "REQUEST", "COGNITO_USER_POOLS", "JWT")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
CLIENT_HINTS = ("global", "same-region", "vpc")
LOGGING_LEVELS = ("OFF", "ERROR", "INFO")
QUOTA_PERIODS = ("DAY", "WEEK", "MONTH")
API_KEY_SOURCES = ("HEADER", "AUTHORIZER")
PASSTHROUGH_BEHAVIORS = ("when_no_match", "when_no_templates", "never")
WEBSOCKET_PREDEFINED_ROUTES = ("$connect", "$disconnect", "$default")
DEFAULT_REGION = "us-east-1"
#: The most routes the builder edits in one design: API Gateway's default quota (300 routes or
#: resources per API, raisable) with room for a raised one. Imports and forms stop here, which also
#: bounds the work of any one builder request.
MAX_DESIGN_ROUTES = 400




# --------------------------------------------------------------------------------------------------
# The dataclasses
# --------------------------------------------------------------------------------------------------


@dataclass
class IntegrationResponse:
    """One more integration response beside the default one (REST and WebSocket custom integrations).

    API Gateway picks it when ``selection_pattern`` (a regular expression) matches the backend's HTTP
    status code, or a Lambda function's ``errorMessage``; the default response (``Integration.
    response_templates``, status 200) answers when none matches.  ``status_code`` is the method response
    it maps to (REST), and ``templates`` its response mapping templates by content type.
    """

    selection_pattern: str = ""
    status_code: str = ""
    templates: dict[str, str] = field(default_factory=dict)


@dataclass
class Integration:
    """Where a route sends its requests.  Only the fields of the chosen ``kind`` matter."""

    kind: str = ""
    lambda_arn: str = ""  # lambda_proxy, lambda
    uri: str = ""  # http_proxy, http (URL); private (target: ALB/NLB listener ARN, Cloud Map ARN or URL)
    http_method: str = ""  # integration method; "" = POST for Lambda/AWS, the route's method for HTTP
    service: str = ""  # aws: e.g. "dynamodb"
    action: str = ""  # aws, action style: e.g. "PutItem"
    service_path: str = ""  # aws, path style: e.g. S3 "{bucket}/{key}"
    region: str = ""  # "" = the design's region
    role_arn: str = ""  # aws, aws_proxy: the role API Gateway assumes (integration credentials)
    subtype: str = ""  # aws_proxy (HTTP APIs): e.g. "EventBridge-PutEvents"
    connection_id: str = ""  # private: the VPC link id
    request_templates: dict[str, str] = field(default_factory=dict)
    response_templates: dict[str, str] = field(default_factory=dict)  # the default integration response's
    responses: list[IntegrationResponse] = field(default_factory=list)  # the others, in the order they are tried
    request_parameters: dict[str, str] = field(default_factory=dict)
    passthrough_behavior: str = ""
    timeout_ms: int | None = None
    payload_format_version: str = ""


@dataclass
class Route:
    """One route: REST/HTTP ``"GET /orders/{id}"``, HTTP ``"$default"``, WebSocket ``"$connect"``."""

    key: str = ""
    integration: Integration = field(default_factory=Integration)
    authorization: str = "NONE"
    authorizer: str = ""  # name of an Authorizer (CUSTOM, COGNITO_USER_POOLS, JWT)
    scopes: list[str] = field(default_factory=list)
    api_key_required: bool = False
    request_validator: str = ""  # name of a RequestValidator (REST)
    operation_id: str = ""
    summary: str = ""

    @property
    def method(self) -> str:
        """The HTTP method of a ``"METHOD /path"`` key, else ""."""
        return split_route_key(self.key)[0]

    @property
    def path(self) -> str:
        """The path of a ``"METHOD /path"`` key, else ""."""
        return split_route_key(self.key)[1]


@dataclass
class Authorizer:
    """A Lambda (TOKEN/REQUEST), Cognito user pool or JWT authorizer.  IAM is a route auth type."""

    name: str = ""
    type: str = ""
    lambda_arn: str = ""  # TOKEN, REQUEST
    identity_sources: list[str] = field(default_factory=list)
    ttl_seconds: int | None = None  # TOKEN, REQUEST; None = AWS default (300)
    user_pool_arns: list[str] = field(default_factory=list)  # COGNITO_USER_POOLS
    issuer: str = ""  # JWT
    audience: list[str] = field(default_factory=list)  # JWT
    payload_format_version: str = ""  # HTTP API REQUEST authorizers: "1.0" | "2.0"
    simple_responses: bool = False  # HTTP API REQUEST authorizers with payload 2.0


@dataclass
class ApiKey:
    name: str = ""
    description: str = ""
    enabled: bool = True


@dataclass
class UsagePlan:
    name: str = ""
    description: str = ""
    stages: list[str] = field(default_factory=list)
    api_keys: list[str] = field(default_factory=list)
    throttle_rate: float | None = None
    throttle_burst: int | None = None
    quota_limit: int | None = None
    quota_period: str = ""


@dataclass
class RequestValidator:
    name: str = ""
    validate_body: bool = False
    validate_parameters: bool = False


@dataclass
class Cors:
    """HTTP APIs: the built-in CorsConfiguration.  REST APIs: exported as OPTIONS methods."""

    allow_origins: list[str] = field(default_factory=list)
    allow_methods: list[str] = field(default_factory=list)
    allow_headers: list[str] = field(default_factory=list)
    expose_headers: list[str] = field(default_factory=list)
    max_age: int | None = None
    allow_credentials: bool = False


@dataclass
class Canary:
    percent_traffic: float = 0.0
    stage_variable_overrides: dict[str, str] = field(default_factory=dict)
    use_stage_cache: bool = False


@dataclass
class Stage:
    name: str = ""
    description: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    throttle_rate: float | None = None
    throttle_burst: int | None = None
    cache_enabled: bool = False
    cache_size: str = ""  # GB, as AWS spells it: "0.5", "1.6", ... "237"
    cache_ttl: int | None = None
    canary: Canary | None = None
    logging_level: str = "OFF"
    auto_deploy: bool = False
    waf_web_acl_arn: str = ""


@dataclass
class Design:
    """A whole API as designed.  ``clients`` and ``client_retries`` are hints for best-practice tips."""

    name: str = ""
    description: str = ""
    version: str = "1.0"
    api_type: str = "rest"
    endpoint_types: list[str] = field(default_factory=list)
    region: str = DEFAULT_REGION
    route_selection_expression: str = ""
    api_key_source: str = ""
    routes: list[Route] = field(default_factory=list)
    authorizers: list[Authorizer] = field(default_factory=list)
    api_keys: list[ApiKey] = field(default_factory=list)
    usage_plans: list[UsagePlan] = field(default_factory=list)
    request_validators: list[RequestValidator] = field(default_factory=list)
    cors: Cors | None = None
    resource_policy: dict[str, Any] | None = None
    stages: list[Stage] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    clients: str = ""
    client_retries: bool = False

    @property
    def endpoint_type(self) -> str:
        """The endpoint type in effect: the first one listed, else AWS's default for the API type."""
        if self.endpoint_types:
            return self.endpoint_types[0]
        return "EDGE" if self.api_type == "rest" else "REGIONAL"

    def authorizer_named(self, name: str) -> Authorizer | None:
        return next((a for a in self.authorizers if a.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-serialisable dict (see ``from_dict``).  Empty optional parts are left out."""
        return _design_to_dict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Design:
        """Build a design from ``to_dict`` output (or a hand-written file); raises only ``DesignError``."""
        return _design_from_dict(data)


def default_identity_source(api_type: str) -> str:
    """Where an authorizer reads the caller's token when the design names no identity source."""
    return {
        "rest": "method.request.header.Authorization",
        "http": "$request.header.Authorization",
        "websocket": "route.request.header.Authorization",
    }.get(api_type, "method.request.header.Authorization")


def split_route_key(key: str) -> tuple[str, str]:
    """``"GET /a"`` -> ``("GET", "/a")``; anything else (``"$default"``, ``"sendMessage"``) -> ``("", "")``."""
    method, sep, path = key.partition(" ")
    if not sep or not path.startswith("/"):
        return "", ""
    return method, path


# --------------------------------------------------------------------------------------------------
# to_dict: a generic walk that leaves out defaults, so stored drafts stay small and readable
# --------------------------------------------------------------------------------------------------


def _plain(obj: Any) -> Any:
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if hasattr(obj, "__dataclass_fields__"):
        out: dict[str, Any] = {}
        defaults = type(obj)()
        for name in obj.__dataclass_fields__:
            value = getattr(obj, name)
            if name in _ALWAYS_KEEP or value != getattr(defaults, name):
                out[name] = _plain(value)
        return out
    return obj


_ALWAYS_KEEP = frozenset({"name", "key", "kind", "type", "api_type"})


def _design_to_dict(design: Design) -> dict[str, Any]:
    body = _plain(design)
    return {"schema": SCHEMA_VERSION, **body}


# --------------------------------------------------------------------------------------------------
# from_dict: small typed readers, each naming the field path in its error
# --------------------------------------------------------------------------------------------------

T = TypeVar("T")


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


class _Reader:
    """Reads one JSON object, remembering which keys it used so unknown keys can be reported."""

    def __init__(self, data: Any, where: str, allowed: frozenset[str]) -> None:
        if not isinstance(data, Mapping):
            raise DesignError(f"{where} must be an object, got {_describe(data)}")
        unknown = [str(k) for k in data if k not in allowed]
        if unknown:
            raise DesignError(
                f"{where} has unknown field(s) {', '.join(sorted(map(repr, unknown)))}; "
                f"known fields: {', '.join(sorted(allowed))}"
            )
        self.data = data
        self.where = where

    def _at(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def _storable(self, text: str, where: str) -> str:
        """Text that UTF-8 and PostgreSQL can hold; a design that has any other can't be exported."""
        if documents.bad_text(text):
            raise DesignError(f"{where} {documents.value_problem(text)}")
        return text

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise DesignError(f"{self._at(key)} must be text, got {_describe(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise DesignError(f"{self._at(key)} must be text, got a non-finite number")
        return self._storable(value, self._at(key)) if isinstance(value, str) else _number_text(value)

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise DesignError(f"{self._at(key)} must be true or false, got {_describe(value)}")

    def number(self, key: str, kind: Callable[[float], T]) -> T | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise DesignError(f"{self._at(key)} must be a number, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DesignError(f"{self._at(key)} must be a number, got {_describe(value)}")
        if isinstance(value, int) and abs(value) > _MAX_NUMBER:  # before float(): huge ints overflow
            raise DesignError(f"{self._at(key)} is out of range")
        if not math.isfinite(value):
            raise DesignError(f"{self._at(key)} must be a finite number")
        if abs(value) > _MAX_NUMBER:
            raise DesignError(f"{self._at(key)} is out of range")
        if kind is int and value != int(value):
            raise DesignError(f"{self._at(key)} must be a whole number, got {value}")
        return kind(value)

    def texts(self, key: str) -> list[str]:
        value = self.data.get(key)
        if value is None:
            return []
        if isinstance(value, str):  # a single value typed where a list belongs: forgive it
            return [value]
        if not isinstance(value, (list, tuple)):
            raise DesignError(f"{self._at(key)} must be a list of text, got {_describe(value)}")
        out = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                raise DesignError(f"{self._at(key)}[{i}] must be text, got {_describe(item)}")
            out.append(self._storable(item, f"{self._at(key)}[{i}]") if isinstance(item, str) else _number_text(item))
        return out

    def text_map(self, key: str) -> dict[str, str]:
        value = self.data.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise DesignError(f"{self._at(key)} must be an object of text values, got {_describe(value)}")
        out: dict[str, str] = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise DesignError(f"{self._at(key)} has a key that is not text: {k!r}")
            if v is None:
                v = ""
            if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                raise DesignError(f"{self._at(key)}.{k} must be text, got {_describe(v)}")
            if isinstance(v, float) and not math.isfinite(v):
                raise DesignError(f"{self._at(key)}.{k} must be text, got a non-finite number")
            self._storable(k, f"{self._at(key)} key {documents.printable(k)!r}")
            out[k] = self._storable(v, f"{self._at(key)}.{k}") if isinstance(v, str) else _number_text(v)
        return out

    def items(self, key: str, build: Callable[[Any, str], T]) -> list[T]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, (list, tuple)):
            raise DesignError(f"{self._at(key)} must be a list, got {_describe(value)}")
        return [build(item, f"{self._at(key)}[{i}]") for i, item in enumerate(value)]

    def version(self, key: str) -> str:
        """Payload format versions: YAML and hand-written JSON often say 2.0 (a number) for "2.0"."""
        value = self.data.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            if abs(value) < 1000:
                return f"{value:.1f}"
        return self.text(key)

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.text(key, default)
        if value not in choices and value != default:
            raise DesignError(f"{self._at(key)} must be one of {', '.join(choices)}; got {value!r}")
        return value


_MAX_NUMBER = 10**15


def _number_text(value: int | float) -> str:
    """1 -> "1", 0.5 -> "0.5", 118.0 -> "118": how AWS spells numbers held as text (cache sizes)."""
    if isinstance(value, int) and abs(value) > _MAX_NUMBER:
        raise DesignError("a number used as text is out of range")
    if isinstance(value, float) and value.is_integer() and abs(value) <= _MAX_NUMBER:
        return str(int(value))
    return format(value, "g") if isinstance(value, float) else str(value)


def _fields(cls: type) -> frozenset[str]:
    return frozenset(cls.__dataclass_fields__)  # type: ignore[attr-defined]


def _integration(data: Any, where: str) -> Integration:
    r = _Reader(data, where, _fields(Integration))
    return Integration(
        kind=r.choice("kind", INTEGRATION_KINDS, ""),
        lambda_arn=r.text("lambda_arn"),
        uri=r.text("uri"),
        http_method=r.text("http_method"),
        service=r.text("service"),
        action=r.text("action"),
        service_path=r.text("service_path"),
        region=r.text("region"),
        role_arn=r.text("role_arn"),
        subtype=r.text("subtype"),
        connection_id=r.text("connection_id"),
        request_templates=r.text_map("request_templates"),
        response_templates=r.text_map("response_templates"),
        responses=r.items("responses", _integration_response),
        request_parameters=r.text_map("request_parameters"),
        passthrough_behavior=r.text("passthrough_behavior"),
        timeout_ms=r.number("timeout_ms", int),
        payload_format_version=r.version("payload_format_version"),
    )


def _integration_response(data: Any, where: str) -> IntegrationResponse:
    r = _Reader(data, where, _fields(IntegrationResponse))
    return IntegrationResponse(selection_pattern=r.text("selection_pattern"), status_code=r.text("status_code"),
                               templates=r.text_map("templates"))


def _route(data: Any, where: str) -> Route:
    r = _Reader(data, where, _fields(Route))
    integration = r.get("integration")
    return Route(
        key=r.text("key"),
        integration=_integration(integration, f"{where}.integration") if integration is not None else Integration(),
        authorization=r.text("authorization", "NONE") or "NONE",
        authorizer=r.text("authorizer"),
        scopes=r.texts("scopes"),
        api_key_required=r.flag("api_key_required"),
        request_validator=r.text("request_validator"),
        operation_id=r.text("operation_id"),
        summary=r.text("summary"),
    )


def _authorizer(data: Any, where: str) -> Authorizer:
    r = _Reader(data, where, _fields(Authorizer))
    return Authorizer(
        name=r.text("name"),
        type=r.text("type"),
        lambda_arn=r.text("lambda_arn"),
        identity_sources=r.texts("identity_sources"),
        ttl_seconds=r.number("ttl_seconds", int),
        user_pool_arns=r.texts("user_pool_arns"),
        issuer=r.text("issuer"),
        audience=r.texts("audience"),
        payload_format_version=r.version("payload_format_version"),
        simple_responses=r.flag("simple_responses"),
    )


def _api_key(data: Any, where: str) -> ApiKey:
    r = _Reader(data, where, _fields(ApiKey))
    return ApiKey(name=r.text("name"), description=r.text("description"), enabled=r.flag("enabled", True))


def _usage_plan(data: Any, where: str) -> UsagePlan:
    r = _Reader(data, where, _fields(UsagePlan))
    return UsagePlan(
        name=r.text("name"),
        description=r.text("description"),
        stages=r.texts("stages"),
        api_keys=r.texts("api_keys"),
        throttle_rate=r.number("throttle_rate", float),
        throttle_burst=r.number("throttle_burst", int),
        quota_limit=r.number("quota_limit", int),
        quota_period=r.text("quota_period"),
    )


def _validator(data: Any, where: str) -> RequestValidator:
    r = _Reader(data, where, _fields(RequestValidator))
    return RequestValidator(
        name=r.text("name"),
        validate_body=r.flag("validate_body"),
        validate_parameters=r.flag("validate_parameters"),
    )


def _cors(data: Any, where: str) -> Cors:
    r = _Reader(data, where, _fields(Cors))
    return Cors(
        allow_origins=r.texts("allow_origins"),
        allow_methods=r.texts("allow_methods"),
        allow_headers=r.texts("allow_headers"),
        expose_headers=r.texts("expose_headers"),
        max_age=r.number("max_age", int),
        allow_credentials=r.flag("allow_credentials"),
    )


def _canary(data: Any, where: str) -> Canary:
    r = _Reader(data, where, _fields(Canary))
    return Canary(
        percent_traffic=r.number("percent_traffic", float) or 0.0,
        stage_variable_overrides=r.text_map("stage_variable_overrides"),
        use_stage_cache=r.flag("use_stage_cache"),
    )


def _stage(data: Any, where: str) -> Stage:
    r = _Reader(data, where, _fields(Stage))
    canary = r.get("canary")
    return Stage(
        name=r.text("name"),
        description=r.text("description"),
        variables=r.text_map("variables"),
        throttle_rate=r.number("throttle_rate", float),
        throttle_burst=r.number("throttle_burst", int),
        cache_enabled=r.flag("cache_enabled"),
        cache_size=r.text("cache_size"),
        cache_ttl=r.number("cache_ttl", int),
        canary=_canary(canary, f"{where}.canary") if canary is not None else None,
        logging_level=r.text("logging_level", "OFF") or "OFF",
        auto_deploy=r.flag("auto_deploy"),
        waf_web_acl_arn=r.text("waf_web_acl_arn"),
    )


def _policy(value: Any) -> dict[str, Any] | None:
    """A resource policy may arrive as an object or as the JSON text a learner pasted."""
    if value is None or value == "" or value == {}:
        return None
    if isinstance(value, str):
        value = documents.loads_json(value, documents.POLICY_FIELD)
    if not isinstance(value, Mapping):
        raise DesignError(f"resource_policy must be a JSON object, got {_describe(value)}")
    # Bounded (depth, size, text) before the round trip below walks it.
    documents.check(value, documents.POLICY_STRUCTURE)
    try:  # it must survive a JSON round trip (no NaN, no odd objects) to be exportable
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise DesignError(f"resource_policy can't be stored as JSON: {exc}") from None


_DESIGN_KEYS = _fields(Design) | {"schema", "endpoint_type"}


def _design_from_dict(data: Any) -> Design:
    r = _Reader(data, "", _DESIGN_KEYS)
    schema = r.get("schema")
    if schema is not None and (isinstance(schema, bool) or schema != SCHEMA_VERSION):
        raise DesignError(f"schema {schema!r} is not supported (this version reads schema {SCHEMA_VERSION})")
    api_type = r.text("api_type", "rest") or "rest"
    if api_type not in API_TYPES:
        raise DesignError(f"api_type must be one of {', '.join(API_TYPES)}; got {api_type!r}")
    endpoint_types = r.texts("endpoint_types")
    single = r.text("endpoint_type")
    if single and not endpoint_types:  # the one-value shorthand a hand-written file may use
        endpoint_types = [single]
    return Design(
        name=r.text("name"),
        description=r.text("description"),
        version=r.text("version", "1.0"),
        api_type=api_type,
        endpoint_types=endpoint_types,
        region=r.text("region", DEFAULT_REGION) or DEFAULT_REGION,
        route_selection_expression=r.text("route_selection_expression"),
        api_key_source=r.text("api_key_source"),
        routes=r.items("routes", _route),
        authorizers=r.items("authorizers", _authorizer),
        api_keys=r.items("api_keys", _api_key),
        usage_plans=r.items("usage_plans", _usage_plan),
        request_validators=r.items("request_validators", _validator),
        cors=_cors(r.get("cors"), "cors") if r.get("cors") is not None else None,
        resource_policy=_policy(r.get("resource_policy")),
        stages=r.items("stages", _stage),
        tags=r.text_map("tags"),
        clients=r.choice("clients", CLIENT_HINTS, ""),
        client_retries=r.flag("client_retries"),
    )
