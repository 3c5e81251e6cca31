"""The guided builder's steps: one form (plus formsets) per step, each reading its part of a Design
and writing it back.

Forms check only what a form can (numbers are numbers, JSON is JSON, sizes are sane); everything AWS
itself enforces is left to labs.apigw.rules, so the learner sees AWS's rule with its reason and lesson
instead of a generic "invalid value". The choices a form offers come from rules.options_for, the same
table the rules run on.
"""

from __future__ import annotations

import json

from django import forms

from .apigw import documents, rules
from .apigw.model import (
    API_TYPES,
    AUTHORIZER_TYPES,
    CLIENT_HINTS,
    LOGGING_LEVELS,
    ApiKey,
    Authorizer,
    Canary,
    Cors,
    Design,
    MAX_DESIGN_ROUTES,
    Integration,
    IntegrationResponse,
    RequestValidator,
    Route,
    Stage,
    UsagePlan,
)

TEXT = 500  # generous: the rules, not the form, say what AWS accepts
LONG = 20_000
API_LABELS = {"rest": "REST API", "http": "HTTP API", "websocket": "WebSocket API"}
ENDPOINT_LABELS = {"EDGE": "Edge-optimized", "REGIONAL": "Regional", "PRIVATE": "Private"}
CLIENT_LABELS = {
    "global": "Clients all over the world",
    "same-region": "Clients in the API's own Region",
    "vpc": "Only clients inside a VPC",
}
KIND_LABELS = {
    "lambda_proxy": "Lambda proxy",
    "lambda": "Lambda (custom, with mapping templates)",
    "http_proxy": "HTTP proxy",
    "http": "HTTP (custom)",
    "aws": "AWS service (e.g. DynamoDB)",
    "aws_proxy": "AWS service (HTTP API subtype)",
    "mock": "Mock",
    "private": "Private, over a VPC link",
}
AUTH_LABELS = {
    "NONE": "None (open)",
    "AWS_IAM": "IAM (callers sign with SigV4)",
    "CUSTOM": "Lambda authorizer",
    "COGNITO_USER_POOLS": "Cognito user pool",
    "JWT": "JWT authorizer",
}


def _csv(value: str) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _pairs(value: str) -> dict[str, str]:
    """`key=value` lines → dict; blank lines are skipped."""
    pairs = {}
    for line in (value or "").splitlines():
        if not line.strip():
            continue
        key, sep, val = line.partition("=")
        if not sep:
            raise forms.ValidationError(f"“{line.strip()[:60]}” needs the form name=value.")
        pairs[key.strip()] = val.strip()
    return pairs


def _lines(pairs: dict[str, str]) -> str:
    return "\n".join(f"{k}={v}" for k, v in pairs.items())


class PairsField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 2})

    def clean(self, value):
        return _pairs(super().clean(value))


class CsvField(forms.CharField):
    def clean(self, value):
        return _csv(super().clean(value))


class PagedFormSet(forms.BaseFormSet):
    """A formset over one page of a design's routes whose rows keep the route's own index in their
    names (``integrations-57-kind``), so a finding links to the same input on whichever page it is."""

    def __init__(self, *args, offset: int = 0, **kwargs):
        self.offset = offset
        super().__init__(*args, **kwargs)

    def add_prefix(self, index):
        return super().add_prefix(index + self.offset if isinstance(index, int) else index)


def _choice(options: list[str] | tuple[str, ...], labels: dict[str, str]) -> list[tuple[str, str]]:
    return [(value, labels.get(value, value)) for value in options]


# --- Step 1: the API ---------------------------------------------------------------------------------


class ApiForm(forms.Form):
    name = forms.CharField(max_length=TEXT, required=False, help_text="Required. HTTP and WebSocket API names can have up to 128 characters.")
    description = forms.CharField(max_length=LONG, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.CharField(max_length=50, required=False, initial="1.0")
    api_type = forms.ChoiceField(
        label="API type", choices=_choice(API_TYPES, API_LABELS), widget=forms.RadioSelect, required=False,
        help_text="REST: the most features. HTTP: lower cost and latency. WebSocket: two-way messages.",
    )
    tags = PairsField(max_length=LONG, required=False, label="Tags (name=value per line)",
                      help_text="e.g. team=orders. Keys may not start with aws:.")

    @staticmethod
    def initial_from(design: Design) -> dict:
        return {"name": design.name, "description": design.description, "version": design.version,
                "api_type": design.api_type, "tags": _lines(design.tags)}

    @staticmethod
    def apply(design: Design, data: dict) -> None:
        design.name, design.description = data["name"].strip(), data["description"].strip()
        design.version = data["version"].strip() or "1.0"
        design.api_type = data["api_type"] or design.api_type  # not chosen yet: the step stays unsaved
        design.tags = data["tags"]


# --- Step 2: the endpoint ------------------------------------------------------------------------------


class EndpointForm(forms.Form):
    endpoint_type = forms.ChoiceField(label="Endpoint type", widget=forms.RadioSelect, required=False)
    clients = forms.ChoiceField(
        label="Where are the clients?", required=False, widget=forms.RadioSelect,
        choices=[("", "Not sure yet"), *_choice(CLIENT_HINTS, CLIENT_LABELS)],
    )
    client_retries = forms.BooleanField(
        required=False, label="The clients retry failed calls (with backoff)",
        help_text="API Gateway never retries a failed integration; say whether your callers do.",
    )

    def __init__(self, *args, api_type: str = "rest", **kwargs):
        super().__init__(*args, **kwargs)
        offered = rules.options_for(api_type).endpoint_types
        self.fields["endpoint_type"].choices = _choice(offered, ENDPOINT_LABELS)
        self.unavailable = [
            (ENDPOINT_LABELS[value], "REST APIs only") for value in ENDPOINT_LABELS if value not in offered
        ]

    @staticmethod
    def initial_from(design: Design) -> dict:
        return {"endpoint_type": design.endpoint_type, "clients": design.clients, "client_retries": design.client_retries}

    @staticmethod
    def apply(design: Design, data: dict) -> None:
        if data["endpoint_type"]:  # not chosen yet: the step stays unsaved
            design.endpoint_types = [data["endpoint_type"]]
        design.clients = data["clients"]
        design.client_retries = bool(data.get("client_retries"))


# --- Step 3: routes --------------------------------------------------------------------------------------


class RouteKeyForm(forms.Form):
    key = forms.CharField(max_length=TEXT, required=False, label="Route")
    summary = forms.CharField(max_length=TEXT, required=False)


class RoutesForm(forms.Form):
    route_selection_expression = forms.CharField(
        max_length=TEXT, required=False, label="Route selection expression",
        help_text="Where API Gateway finds the route key in each message, e.g. $request.body.action.",
    )

    @staticmethod
    def initial_from(design: Design) -> dict:
        return {"route_selection_expression": design.route_selection_expression}


RouteFormSet = forms.formset_factory(RouteKeyForm, extra=3, max_num=MAX_DESIGN_ROUTES, absolute_max=MAX_DESIGN_ROUTES)


def routes_initial(design: Design) -> list[dict]:
    return [{"key": route.key, "summary": route.summary} for route in design.routes]


def apply_routes(design: Design, data: dict, rows: list[dict]) -> None:
    """Keep each route's integration and security when its key is unchanged or only edited in place."""
    design.route_selection_expression = data["route_selection_expression"].strip()
    old = design.routes
    routes = []
    for index, row in enumerate(r for r in rows if r and r.get("key", "").strip()):
        key = " ".join(row["key"].split())
        previous = next((r for r in old if r.key == key), None) or (old[index] if index < len(old) else None)
        route = previous if previous is not None else Route()
        route.key, route.summary = key, row.get("summary", "").strip()
        routes.append(route)
    design.routes = routes


# --- Step 4: integrations -----------------------------------------------------------------------------------


class IntegrationForm(forms.Form):
    kind = forms.ChoiceField(label="Integration")
    target = forms.CharField(
        max_length=TEXT, required=False,
        help_text="Lambda function ARN, backend URL, or (private) the ALB/NLB listener ARN.",
    )
    connection_id = forms.CharField(max_length=TEXT, required=False, label="VPC link id")
    service = forms.CharField(max_length=100, required=False, help_text="AWS service, e.g. dynamodb.")
    action = forms.CharField(max_length=100, required=False, help_text="e.g. PutItem.")
    subtype = forms.CharField(max_length=100, required=False, help_text="HTTP API subtype, e.g. SQS-SendMessage.")
    role_arn = forms.CharField(max_length=TEXT, required=False, label="Role ARN")
    timeout_ms = forms.IntegerField(required=False, label="Timeout (ms)", min_value=-10**9, max_value=10**9)
    payload_format_version = forms.ChoiceField(
        required=False, label="Payload format", choices=[("", "–"), ("1.0", "1.0"), ("2.0", "2.0")]
    )
    request_template = forms.CharField(
        max_length=LONG, required=False, label="Request mapping template (application/json)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # The integration responses of a custom (non-proxy) integration: the default one's template, and one
    # more chosen by a selection pattern (an imported design may hold others: kept, and listed on the page)
    response_template = forms.CharField(
        max_length=LONG, required=False, label="Response mapping template (default response, application/json)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    error_pattern = forms.CharField(
        max_length=TEXT, required=False, label="Error response: selection pattern",
        help_text="A regular expression matched against the backend's status code (a custom Lambda "
                  "integration: the function's errorMessage), e.g. 4\\d{2}.",
    )
    error_status = forms.CharField(max_length=10, required=False, label="Error response: status",
                                   help_text="The method response it answers with, e.g. 400.")
    error_template = forms.CharField(
        max_length=LONG, required=False, label="Error response: mapping template (application/json)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, api_type: str = "rest", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Choose…"), *_choice(rules.options_for(api_type).integration_kinds, KIND_LABELS)]
        self.fields["kind"].required = False
        if api_type == "http":  # HTTP APIs have no integration responses
            for name in ("response_template", "error_pattern", "error_status", "error_template"):
                del self.fields[name]


IntegrationFormSet = forms.formset_factory(IntegrationForm, formset=PagedFormSet, extra=0, max_num=MAX_DESIGN_ROUTES,
                                          absolute_max=MAX_DESIGN_ROUTES)


def integrations_initial(design: Design, routes: slice = slice(None)) -> list[dict]:
    rows = []
    for route in design.routes[routes]:
        i = route.integration
        rows.append({
            "kind": i.kind, "target": i.lambda_arn or i.uri, "connection_id": i.connection_id,
            "service": i.service, "action": i.action, "subtype": i.subtype, "role_arn": i.role_arn,
            "timeout_ms": i.timeout_ms, "payload_format_version": i.payload_format_version,
            "request_template": i.request_templates.get("application/json", ""),
            "response_template": i.response_templates.get("application/json", ""),
        })
        if i.responses:
            first = i.responses[0]
            rows[-1].update(error_pattern=first.selection_pattern, error_status=first.status_code,
                            error_template=first.templates.get("application/json", ""))
    return rows


def _with_json(templates: dict[str, str], text: str | None) -> dict[str, str]:
    """A template map with its application/json template set from a field (None: the field is not on the
    form) or removed when the field is empty; templates for other content types are kept."""
    if text is None:
        return templates
    out = {k: v for k, v in templates.items() if k != "application/json"}
    if text.strip():
        out["application/json"] = text
    return out


def _responses(integ: Integration, row: dict) -> list[IntegrationResponse]:
    """The integration's other responses with the first one as the form sets it (the rest kept as they are)."""
    if "error_pattern" not in row:  # an HTTP API's form: nothing to change
        return integ.responses
    rest = integ.responses[1:]
    first = integ.responses[0] if integ.responses else IntegrationResponse()
    pattern, status = row.get("error_pattern", ""), row.get("error_status", "").strip()
    templates = _with_json(first.templates, row.get("error_template", ""))
    if not (pattern.strip() or status or templates):
        return rest
    return [IntegrationResponse(selection_pattern=pattern, status_code=status, templates=templates), *rest]


def apply_integrations(design: Design, rows: list[dict], offset: int = 0) -> None:
    for route, row in zip(design.routes[offset:], rows):
        kind = row.get("kind", "")
        target = row.get("target", "").strip()
        integration = Integration(
            kind=kind,
            lambda_arn=target if kind in {"lambda_proxy", "lambda"} else "",
            uri=target if kind in {"http_proxy", "http", "private"} else "",
            connection_id=row.get("connection_id", "").strip(),
            service=row.get("service", "").strip(), action=row.get("action", "").strip(),
            subtype=row.get("subtype", "").strip(), role_arn=row.get("role_arn", "").strip(),
            timeout_ms=row.get("timeout_ms"), payload_format_version=row.get("payload_format_version", ""),
            request_templates=(
                {"application/json": row["request_template"]} if row.get("request_template", "").strip() else {}
            ),
            response_templates=_with_json(route.integration.response_templates, row.get("response_template")),
            responses=_responses(route.integration, row),
            request_parameters=route.integration.request_parameters,
            passthrough_behavior=route.integration.passthrough_behavior,
            http_method=route.integration.http_method,
            service_path=route.integration.service_path,
            region=route.integration.region,
        )
        route.integration = integration


# --- Step 5: security ----------------------------------------------------------------------------------------


class RouteSecurityForm(forms.Form):
    authorization = forms.ChoiceField(label="Authorization")
    authorizer = forms.CharField(max_length=TEXT, required=False, help_text="The authorizer's name.")
    scopes = CsvField(max_length=TEXT, required=False, help_text="JWT scopes, comma-separated.")
    api_key_required = forms.BooleanField(required=False, label="API key required")
    request_validator = forms.CharField(max_length=TEXT, required=False, label="Request validator",
                                        help_text="The validator's name, if requests are checked.")

    def __init__(self, *args, api_type: str = "rest", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authorization"].choices = _choice(rules.options_for(api_type).authorization_types, AUTH_LABELS)


RouteSecurityFormSet = forms.formset_factory(RouteSecurityForm, formset=PagedFormSet, extra=0, max_num=MAX_DESIGN_ROUTES,
                                             absolute_max=MAX_DESIGN_ROUTES)


class AuthorizerForm(forms.Form):
    name = forms.CharField(max_length=TEXT, required=False)
    type = forms.ChoiceField(required=False)
    lambda_arn = forms.CharField(max_length=TEXT, required=False, label="Lambda ARN")
    identity_sources = CsvField(max_length=TEXT, required=False, help_text="e.g. $request.header.Authorization")
    ttl_seconds = forms.IntegerField(required=False, label="Cache TTL (s)", min_value=-10**9, max_value=10**9)
    user_pool_arns = CsvField(max_length=LONG, required=False, label="User pool ARNs")
    issuer = forms.CharField(max_length=TEXT, required=False, label="JWT issuer")
    audience = CsvField(max_length=LONG, required=False, label="JWT audience")

    def __init__(self, *args, api_type: str = "rest", **kwargs):
        super().__init__(*args, **kwargs)
        offered = rules.options_for(api_type).authorizer_types
        self.fields["type"].choices = [("", "–"), *[(t, t) for t in AUTHORIZER_TYPES if t in offered]]


AuthorizerFormSet = forms.formset_factory(AuthorizerForm, extra=1, max_num=50, absolute_max=50)


class SecurityForm(forms.Form):
    api_key_source = forms.ChoiceField(
        required=False, label="API key source", choices=[("", "–"), ("HEADER", "HEADER"), ("AUTHORIZER", "AUTHORIZER")]
    )
    usage_plan = forms.CharField(max_length=TEXT, required=False, label="Usage plan name",
                                 help_text="Leave empty for none. The plan covers every stage.")
    api_key = forms.CharField(max_length=TEXT, required=False, label="API key name")
    plan_rate = forms.FloatField(required=False, label="Plan rate (requests/s)")
    plan_burst = forms.IntegerField(required=False, label="Plan burst", min_value=-10**9, max_value=10**9)
    cors_enabled = forms.BooleanField(required=False, label="Allow browsers on other origins (CORS)")
    cors_origins = CsvField(max_length=LONG, required=False, label="Allowed origins")
    cors_methods = CsvField(max_length=TEXT, required=False, label="Allowed methods")
    cors_headers = CsvField(max_length=LONG, required=False, label="Allowed headers")
    cors_credentials = forms.BooleanField(required=False, label="Allow credentials")
    cors_max_age = forms.IntegerField(required=False, label="Max age (s)", min_value=-10**9, max_value=10**9)
    validator_name = forms.CharField(max_length=TEXT, required=False, label="Request validator name",
                                     help_text="Leave empty for none.")
    validate_body = forms.BooleanField(required=False, label="Validate the body")
    validate_parameters = forms.BooleanField(required=False, label="Validate parameters")
    resource_policy = forms.CharField(
        max_length=documents.POLICY.max_bytes, required=False, widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text="A JSON IAM policy document. Required for a private API.",
    )

    def clean_resource_policy(self) -> dict | None:
        text = self.cleaned_data["resource_policy"].strip()
        if not text:
            return None
        try:
            policy = documents.loads_json(text, documents.POLICY)
        except documents.DocumentError as problem:
            raise forms.ValidationError(f"{str(problem)[:1].upper()}{str(problem)[1:]}.") from None
        if not isinstance(policy, dict):
            raise forms.ValidationError("The resource policy must be a JSON object with a Statement list.")
        too_big = documents.policy_size_problem(policy)
        if too_big:
            raise forms.ValidationError(f"{too_big[:1].upper()}{too_big[1:]}. Shorten it (fewer statements or values).")
        return policy


def security_initial(design: Design, routes: slice = slice(None)) -> tuple[dict, list[dict], list[dict]]:
    plan = design.usage_plans[0] if design.usage_plans else None
    validator = design.request_validators[0] if design.request_validators else None
    cors = design.cors
    main = {
        "api_key_source": design.api_key_source,
        "usage_plan": plan.name if plan else "", "api_key": design.api_keys[0].name if design.api_keys else "",
        "plan_rate": plan.throttle_rate if plan else None, "plan_burst": plan.throttle_burst if plan else None,
        "cors_enabled": cors is not None,
        "cors_origins": ", ".join(cors.allow_origins) if cors else "",
        "cors_methods": ", ".join(cors.allow_methods) if cors else "",
        "cors_headers": ", ".join(cors.allow_headers) if cors else "",
        "cors_credentials": cors.allow_credentials if cors else False,
        "cors_max_age": cors.max_age if cors else None,
        "resource_policy": json.dumps(design.resource_policy, indent=2) if design.resource_policy else "",
        "validator_name": validator.name if validator else "",
        "validate_body": validator.validate_body if validator else False,
        "validate_parameters": validator.validate_parameters if validator else False,
    }
    routes = [{"authorization": r.authorization, "authorizer": r.authorizer, "scopes": ", ".join(r.scopes),
               "api_key_required": r.api_key_required, "request_validator": r.request_validator}
              for r in design.routes[routes]]
    authorizers = [{"name": a.name, "type": a.type, "lambda_arn": a.lambda_arn,
                    "identity_sources": ", ".join(a.identity_sources), "ttl_seconds": a.ttl_seconds,
                    "user_pool_arns": ", ".join(a.user_pool_arns), "issuer": a.issuer,
                    "audience": ", ".join(a.audience)} for a in design.authorizers]
    return main, routes, authorizers


def apply_security(design: Design, data: dict, routes: list[dict], authorizers: list[dict], offset: int = 0) -> None:
    for route, row in zip(design.routes[offset:], routes):
        route.authorization = row.get("authorization") or "NONE"
        route.authorizer = row.get("authorizer", "").strip()
        route.scopes = row.get("scopes", [])
        route.api_key_required = bool(row.get("api_key_required"))
        route.request_validator = row.get("request_validator", "").strip()
    old = {a.name: a for a in design.authorizers}
    design.authorizers = []
    for row in authorizers:
        if not row or not (row.get("name", "").strip() or row.get("type")):
            continue
        kept = old.get(row.get("name", "").strip(), Authorizer())
        design.authorizers.append(Authorizer(
            name=row["name"].strip(), type=row.get("type", ""), lambda_arn=row.get("lambda_arn", "").strip(),
            identity_sources=row.get("identity_sources", []), ttl_seconds=row.get("ttl_seconds"),
            user_pool_arns=row.get("user_pool_arns", []), issuer=row.get("issuer", "").strip(),
            audience=row.get("audience", []), payload_format_version=kept.payload_format_version,
            simple_responses=kept.simple_responses,
        ))
    design.api_key_source = data["api_key_source"]
    if data["usage_plan"].strip():
        key = data["api_key"].strip()
        design.usage_plans = [UsagePlan(
            name=data["usage_plan"].strip(), stages=[s.name for s in design.stages],
            api_keys=[key] if key else [], throttle_rate=data["plan_rate"], throttle_burst=data["plan_burst"],
        )]
        design.api_keys = [ApiKey(name=key)] if key else []
    else:
        design.usage_plans, design.api_keys = [], []
    if data["cors_enabled"]:
        design.cors = Cors(
            allow_origins=data["cors_origins"], allow_methods=data["cors_methods"],
            allow_headers=data["cors_headers"], allow_credentials=data["cors_credentials"],
            max_age=data["cors_max_age"],
            expose_headers=design.cors.expose_headers if design.cors else [],
        )
    else:
        design.cors = None
    design.resource_policy = data["resource_policy"]
    name = data["validator_name"].strip()
    design.request_validators = (
        [RequestValidator(name=name, validate_body=data["validate_body"],
                          validate_parameters=data["validate_parameters"])] if name else []
    )


# --- Step 6: stages --------------------------------------------------------------------------------------------


class StageForm(forms.Form):
    name = forms.CharField(max_length=TEXT, required=False)
    variables = PairsField(max_length=LONG, required=False, label="Stage variables (name=value per line)")
    throttle_rate = forms.FloatField(required=False, label="Throttle rate (requests/s)")
    throttle_burst = forms.IntegerField(required=False, label="Throttle burst", min_value=-10**9, max_value=10**9)
    cache_enabled = forms.BooleanField(required=False, label="Cache responses")
    cache_size = forms.ChoiceField(required=False, label="Cache size (GB)",
                                   choices=[("", "–"), *[(s, s) for s in rules.CACHE_SIZES]])
    cache_ttl = forms.IntegerField(required=False, label="Cache TTL (s)", min_value=-10**9, max_value=10**9)
    canary_percent = forms.FloatField(required=False, label="Canary: % of traffic",
                                      help_text="Leave empty for no canary.")
    canary_variables = PairsField(max_length=LONG, required=False, label="Canary stage variable overrides")
    logging_level = forms.ChoiceField(required=False, choices=[(v, v) for v in LOGGING_LEVELS], label="Execution logs")
    auto_deploy = forms.BooleanField(required=False, label="Deploy changes automatically")
    waf_web_acl_arn = forms.CharField(max_length=TEXT, required=False, label="AWS WAF web ACL ARN")

    def clean_canary_percent(self):
        value = self.cleaned_data["canary_percent"]
        if value is not None and value != value:  # NaN
            raise forms.ValidationError("Enter a number.")
        return value


StageFormSet = forms.formset_factory(StageForm, extra=1, max_num=50, absolute_max=50)


def stages_initial(design: Design) -> list[dict]:
    return [{"name": s.name, "variables": _lines(s.variables), "throttle_rate": s.throttle_rate,
             "throttle_burst": s.throttle_burst, "cache_enabled": s.cache_enabled, "cache_size": s.cache_size,
             "cache_ttl": s.cache_ttl, "canary_percent": s.canary.percent_traffic if s.canary else None,
             "canary_variables": _lines(s.canary.stage_variable_overrides) if s.canary else "",
             "logging_level": s.logging_level, "auto_deploy": s.auto_deploy,
             "waf_web_acl_arn": s.waf_web_acl_arn} for s in design.stages]


def apply_stages(design: Design, rows: list[dict]) -> None:
    old = {s.name: s for s in design.stages}
    stages = []
    for row in rows:
        if not row or not row.get("name", "").strip():
            continue
        kept = old.get(row["name"].strip(), Stage())
        canary = None
        if row.get("canary_percent") is not None:
            canary = Canary(percent_traffic=row["canary_percent"],
                            stage_variable_overrides=row.get("canary_variables", {}),
                            use_stage_cache=kept.canary.use_stage_cache if kept.canary else False)
        stages.append(Stage(
            name=row["name"].strip(), description=kept.description, variables=row.get("variables", {}),
            throttle_rate=row.get("throttle_rate"), throttle_burst=row.get("throttle_burst"),
            cache_enabled=bool(row.get("cache_enabled")), cache_size=row.get("cache_size", ""),
            cache_ttl=row.get("cache_ttl"), canary=canary, logging_level=row.get("logging_level") or "OFF",
            auto_deploy=bool(row.get("auto_deploy")), waf_web_acl_arn=row.get("waf_web_acl_arn", "").strip(),
        ))
    design.stages = stages
    for plan in design.usage_plans:
        plan.stages = [s.name for s in stages]


# --- Importing an OpenAPI document ------------------------------------------------------------------


class ImportForm(forms.Form):
    """The import page: a pasted document or an uploaded file (the file wins), and the API type."""

    document = forms.CharField(required=False, strip=False, max_length=documents.MAX_DOCUMENT_BYTES)
    file = forms.FileField(required=False)
    api_type = forms.ChoiceField(required=False, choices=[("", "Decide from the document"), ("rest", "REST API"),
                                                          ("http", "HTTP API")])

    def clean_file(self) -> str | None:
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        if upload.size > documents.MAX_DOCUMENT_BYTES:
            raise forms.ValidationError("That file is larger than 6 MB, the most API Gateway imports.")
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError("That file is not UTF-8 text. Upload an OpenAPI document in JSON or YAML.") from None

    def clean(self) -> dict:
        data = super().clean()
        text = data.get("file") or data.get("document") or ""
        if self.errors:
            return data
        if len(text.encode("utf-8", "surrogatepass")) > documents.MAX_DOCUMENT_BYTES:
            raise forms.ValidationError("That document is larger than 6 MB, the most API Gateway imports.")
        if not text.strip():
            raise forms.ValidationError("Paste an OpenAPI document or choose a file.")
        data["text"] = text
        return data

    def first_error(self) -> str:
        for problems in self.errors.values():
            return str(problems[0])
        return ""


# --- The sandbox's try-it console ---------------------------------------------------------------------

TRACE_STEPS = ("stage", "request", "endpoint", "policy", "route", "cors-preflight", "authorization", "api-key",
               "throttling", "validation", "cache", "integration-request", "template", "integration",
               "integration-response", "method-response", "cors")
MAX_CONSOLE_BODY = 1024 * 1024


class SandboxRequestForm(forms.Form):
    """A request to send to the sandbox, and (optionally) what the learner predicts it will get."""

    stage = forms.ChoiceField()
    method = forms.ChoiceField(choices=[(m, m) for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")])
    path = forms.CharField(max_length=2000, initial="/", help_text="After the stage, e.g. /orders/42.")
    query = forms.CharField(max_length=2000, required=False, label="Query string", help_text="e.g. limit=10&sort=asc")
    # Read by clean_headers ("Name: value" lines, as the label says; name=value is accepted too).
    headers = forms.CharField(max_length=8192, required=False, label="Headers (Name: value per line)",
                         widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}))
    body = forms.CharField(max_length=MAX_CONSOLE_BODY, required=False, strip=False,
                           widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}))
    identity = forms.ChoiceField(required=False, label="Sign with SigV4 as",
                                 help_text="A sample IAM identity (for routes with IAM authorization).")
    sample_token = forms.BooleanField(required=False, label="Send a valid sample token (Authorization header)")
    api_key = forms.ChoiceField(required=False, label="API key (x-api-key)")
    source_vpce = forms.CharField(max_length=100, required=False, label="Through VPC endpoint",
                                  help_text="Private APIs: the interface VPC endpoint id the call comes through.")
    predict_status = forms.IntegerField(required=False, min_value=100, max_value=599, label="I predict the status")
    predict_step = forms.ChoiceField(required=False, label="…decided by the step",
                                     choices=[("", "–"), *[(s, s) for s in TRACE_STEPS]])

    def __init__(self, *args, stages: list[str], identities: list[str], api_keys: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(s, s) for s in stages]
        self.fields["identity"].choices = [("", "Unsigned"), *[(i, i) for i in identities]]
        self.fields["api_key"].choices = [("", "None"), *[(k, k) for k in api_keys]]

    def clean_headers(self) -> dict[str, str]:
        raw = self.cleaned_data.get("headers", "")
        headers: dict[str, str] = {}
        for line in str(raw).splitlines():
            if not line.strip():
                continue
            name, sep, value = line.partition(":") if ":" in line else line.partition("=")
            if not sep or not name.strip() or any(c in name for c in " \t\r\n"):
                raise forms.ValidationError(f"Write each header as Name: value ({line[:40]!r} is not).")
            headers[name.strip()] = value.strip()
        return headers


class LoadTestForm(forms.Form):
    count = forms.IntegerField(min_value=1, max_value=2000, initial=100, label="Requests")
    rate = forms.FloatField(required=False, min_value=0.1, max_value=100_000, initial=50,
                            label="Per second (virtual time)", help_text="Empty: all at one instant.")


class WebSocketStepForm(forms.Form):
    """One move in a WebSocket conversation with the sandbox: connect, send a message, disconnect."""

    action = forms.ChoiceField(choices=[("connect", "Connect"), ("send", "Send a message"), ("disconnect", "Disconnect")])
    connection = forms.CharField(max_length=40, required=False, label="Connection id")
    query = forms.CharField(max_length=2000, required=False, label="Query string on connect", help_text="e.g. token=allow")
    body = forms.CharField(max_length=128 * 1024, required=False, strip=False, label="Message",
                           widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
                           help_text='e.g. {"action": "sendMessage", "text": "hi"}')

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") in ("send", "disconnect") and not data.get("connection"):
            raise forms.ValidationError("Connect first, then choose the connection to use.")
        return data
