"""CloudFormation export: a template that builds the designed API with explicit resources.

Explicit resources (not a ``Body`` with OpenAPI) because every API type is covered the same way,
WebSocket APIs have no OpenAPI import, and cfn-lint can then check each resource (facts §5).

* REST: ``AWS::ApiGateway::RestApi`` / ``Resource`` / ``Method`` / ``Deployment`` / ``Stage``, plus
  ``Authorizer``, ``RequestValidator``, ``ApiKey`` / ``UsagePlan`` / ``UsagePlanKey``, CORS preflight
  ``OPTIONS`` methods, a canary as ``Stage.CanarySetting`` + a ``Deployment`` with
  ``DeploymentCanarySettings``, and an ``AWS::WAFv2::WebACLAssociation`` per stage with a web ACL.
* HTTP / WebSocket: ``AWS::ApiGatewayV2::Api`` / ``Integration`` / ``Route`` / ``Authorizer`` / ``Stage``
  (and a ``Deployment`` when a stage does not auto-deploy).
* Every Lambda function (integrations and authorizers) becomes a template Parameter (default: the ARN in
  the design) with an ``AWS::Lambda::Permission`` per route whose ``SourceArn`` names this API.  ARNs
  that use stage variables (``...:function:orders:${stageVariables.alias}``) are written literally and
  get one permission per value the stages resolve them to.

The template is built for designs that pass the rules; for a draft with errors it is still produced
(never an exception other than ``DesignError``), but it may not deploy.  CloudFormation allows 500
resources per template, so a REST design near the 300-route quota needs splitting into nested stacks.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any


from .documents import dump_yaml, to_json
from .model import Design
from .resolved import (
    MOCK_TEMPLATE,
    ResolvedApi,
    ResolvedIntegration,
    ResolvedResponse,
    ResolvedRoute,
    ResolvedStage,
    arn_region,
    lambda_invocation_uri,
    resolve,
    v2_integration_properties,
)

_SAFE = re.compile(r"[^A-Za-z0-9]+")
_STAGE_VAR = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")
_FUNCTION_NAME = re.compile(r"arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::([^:]+))?$")
_PARTITION_ARN = "arn:${AWS::Partition}"


def _ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def sub_literal(text: str) -> str:
    """Text placed inside an ``Fn::Sub`` string: a literal ``${`` must be written ``${!``."""
    return text.replace("${", "${!")


def _camel(text: str, limit: int = 120) -> str:
    words = [w for w in _SAFE.split(text) if w]
    out = "".join(w[:1].upper() + w[1:] for w in words)
    if len(out) > limit:  # keep ids readable and under CloudFormation's 255 characters
        out = out[: limit - 8] + hashlib.sha1(out.encode()).hexdigest()[:8]
    return out


class _Ids:
    """Unique logical ids, derived from names so templates diff nicely between versions of a design."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def new(self, prefix: str, name: str = "") -> str:
        base = prefix + _camel(name)
        candidate, n = base, 2
        while candidate in self.used:
            candidate, n = f"{base}{n}", n + 1
        self.used.add(candidate)
        return candidate


class _Template:
    """The template being built, with the bookkeeping each resource kind needs."""

    def __init__(self, api: ResolvedApi) -> None:
        self.design = api
        self.ids = _Ids()
        self.ids.used.update({"Api"})
        self.parameters: dict[str, Any] = {}
        self.resources: dict[str, Any] = {}
        self.outputs: dict[str, Any] = {}
        self.notes: list[str] = []
        self._function_params: dict[str, str] = {}
        self.stage_ids: dict[str, str] = {}
        self.authorizer_ids: dict[str, str] = {}

    def add(self, logical_id: str, type_: str, properties: dict[str, Any], **extra: Any) -> str:
        resource: dict[str, Any] = {"Type": type_, "Properties": properties}
        resource.update(extra)
        self.resources[logical_id] = resource
        return logical_id

    # -- Lambda functions --------------------------------------------------------------------------

    def function_param(self, arn: str) -> str:
        """The Parameter holding a function's ARN (one per distinct ARN)."""
        if arn not in self._function_params:
            m = _FUNCTION_NAME.match(arn)
            name = (m.group(1) + (m.group(2) or "")) if m else (arn or "Missing")
            pid = self.ids.new("", name + "FunctionArn")
            param: dict[str, Any] = {"Type": "String", "Description": f"ARN of the Lambda function {name[:200]}"}
            if arn:
                param["Default"] = arn
            self.parameters[pid] = param
            self._function_params[arn] = pid
        return self._function_params[arn]

    def function_ref(self, arn: str) -> Any:
        """What ``FunctionName`` of a permission should be for this design ARN."""
        return _ref(self.function_param(arn))

    def lambda_uri(self, arn: str, integ_region: str = "") -> Any:
        """The invocation URI: a Sub over the function Parameter, or literal text for stage-variable ARNs."""
        region = integ_region or arn_region(arn)
        if _STAGE_VAR.search(arn):  # resolved per request by API Gateway: keep ${stageVariables.x} literal
            region_text = sub_literal(region) if region else "${AWS::Region}"
            return _sub(lambda_invocation_uri(region_text, sub_literal(arn), partition="${AWS::Partition}"))
        param = self.function_param(arn)
        region_text = sub_literal(region) if region else "${AWS::Region}"
        return _sub(lambda_invocation_uri(region_text, f"${{{param}}}", partition="${AWS::Partition}"))

    def permission(self, arn: str, source_arn_tail: str, name: str) -> None:
        """Let API Gateway invoke ``arn`` from ``source_arn_tail`` (after the API id) of this API."""
        source = _sub(f"{_PARTITION_ARN}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{Api}}/{source_arn_tail}")
        if _STAGE_VAR.search(arn):
            for resolved in self._resolve_stage_variables(arn):
                self.add(
                    self.ids.new("Permission", name + resolved.rsplit(":", 1)[-1]),
                    "AWS::Lambda::Permission",
                    {
                        "Action": "lambda:InvokeFunction",
                        "FunctionName": resolved,
                        "Principal": "apigateway.amazonaws.com",
                        "SourceArn": source,
                    },
                )
            return
        if not arn:
            return
        self.add(
            self.ids.new("Permission", name),
            "AWS::Lambda::Permission",
            {
                "Action": "lambda:InvokeFunction",
                "FunctionName": self.function_ref(arn),
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": source,
            },
        )

    def _resolve_stage_variables(self, arn: str) -> list[str]:
        """Every concrete ARN the stages (and their canaries) turn a stage-variable ARN into."""
        resolved, missing = self.design.concrete_function_arns(arn)
        if missing:
            self.notes.append(f"{arn}: stage variable(s) {', '.join(missing)} not set on every stage; no permission made for it")
        return resolved

    def document(self) -> dict[str, Any]:
        d = self.design
        description = f"{d.label} API {d.title}" + (f": {d.description}" if d.description else "")
        doc: dict[str, Any] = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": description.encode()[:1000].decode("utf-8", "ignore") + " (exported by Gateway Academy)",
        }
        if self.notes:
            doc["Metadata"] = {"GatewayAcademy": {"Notes": self.notes}}
        if self.parameters:
            doc["Parameters"] = self.parameters
        doc["Resources"] = self.resources
        if self.outputs:
            doc["Outputs"] = self.outputs
        return doc


def _throttle(stage: ResolvedStage) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if stage.throttle_rate is not None:
        out["ThrottlingRateLimit"] = stage.throttle_rate
    if stage.throttle_burst is not None:
        out["ThrottlingBurstLimit"] = stage.throttle_burst
    return out


def _tags_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


# ==================================================================================================
# REST
# ==================================================================================================


def _rest_resources(t: _Template) -> dict[str, Any]:
    """One AWS::ApiGateway::Resource per path prefix; returns path -> ResourceId value."""
    ids: dict[str, Any] = {"/": {"Fn::GetAtt": ["Api", "RootResourceId"]}}
    for path in t.design.resource_paths():
        parent, _, part = path.rpartition("/")
        logical = t.ids.new("Resource", path)
        t.add(logical, "AWS::ApiGateway::Resource", {"RestApiId": _ref("Api"), "ParentId": ids[parent or "/"], "PathPart": part})
        ids[path] = _ref(logical)
    return ids


def _service_uri(integ: ResolvedIntegration) -> dict[str, str]:
    region = sub_literal(integ.region) if integ.region else "${AWS::Region}"
    return _sub(integ.service_uri(region, partition="${AWS::Partition}", escape=sub_literal))


def _rest_integration(t: _Template, route: ResolvedRoute) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(Integration property, MethodResponses) for one REST method."""
    d, integ = t.design, route.integration
    out: dict[str, Any]
    if integ.target_kind == "lambda":
        out = {"Type": integ.type, "IntegrationHttpMethod": integ.http_method,
               "Uri": t.lambda_uri(integ.lambda_arn, integ.lambda_region)}
    elif integ.target_kind == "http":
        out = {"Type": integ.type, "IntegrationHttpMethod": integ.http_method, "Uri": integ.uri}
        if integ.connection_type:
            out["ConnectionType"] = integ.connection_type
            out["ConnectionId"] = integ.connection_id
    elif integ.target_kind == "service":
        out = {"Type": integ.type, "IntegrationHttpMethod": integ.http_method, "Uri": _service_uri(integ)}
    else:  # MOCK; or AWS_PROXY (HTTP-only) or not chosen: a mock keeps the template deployable, the rules explain
        out = {"Type": "MOCK", "RequestTemplates": {"application/json": MOCK_TEMPLATE}}
    if integ.credentials:
        out["Credentials"] = integ.credentials
    if integ.request_templates:
        out["RequestTemplates"] = dict(integ.request_templates)
    if integ.request_parameters:
        out["RequestParameters"] = dict(integ.request_parameters)
    if integ.passthrough_behavior:
        out["PassthroughBehavior"] = integ.passthrough_behavior
    if integ.timeout_ms is not None:
        out["TimeoutInMillis"] = integ.timeout_ms
    method_responses: list[dict[str, Any]] = []
    if out["Type"] in ("AWS", "HTTP", "MOCK"):
        cors = d.cors.method_response_parameters if d.cors is not None else {}  # non-proxy methods add them
        responses = []
        for r in integ.responses or (ResolvedResponse(),):
            response: dict[str, Any] = {"StatusCode": r.status_code or "200"}
            if r.selection_pattern:
                response["SelectionPattern"] = r.selection_pattern
            if r.templates:
                response["ResponseTemplates"] = dict(r.templates)
            if cors:
                response["ResponseParameters"] = dict(cors)
            responses.append(response)
        out["IntegrationResponses"] = responses
        for status in integ.method_statuses:
            method_response: dict[str, Any] = {"StatusCode": status}
            if cors:
                method_response["ResponseParameters"] = {name: True for name in cors}
            method_responses.append(method_response)
    return out, method_responses


def _rest_authorizers(t: _Template) -> None:
    for a in t.design.authorizers:
        logical = t.ids.new("Authorizer", a.name)
        t.authorizer_ids.setdefault(a.name, logical)
        props: dict[str, Any] = {"Name": a.name, "RestApiId": _ref("Api"), "Type": a.type or "TOKEN"}
        props["IdentitySource"] = a.identity_source
        if a.type == "COGNITO_USER_POOLS":
            props["ProviderARNs"] = list(a.user_pool_arns)
        else:
            props["AuthorizerUri"] = t.lambda_uri(a.lambda_arn)
            if a.ttl_seconds is not None:
                props["AuthorizerResultTtlInSeconds"] = a.ttl_seconds
            t.permission(a.lambda_arn, f"authorizers/${{{logical}}}", "Authorizer" + a.name)
        t.add(logical, "AWS::ApiGateway::Authorizer", props)


def _rest_methods(t: _Template, resource_ids: dict[str, Any]) -> list[str]:
    d = t.design
    validators: dict[str, str] = {}
    for v in d.request_validators:
        logical = t.ids.new("Validator", v.name)
        validators.setdefault(v.name, logical)
        t.add(logical, "AWS::ApiGateway::RequestValidator", {
            "RestApiId": _ref("Api"), "Name": v.name,
            "ValidateRequestBody": v.validate_body, "ValidateRequestParameters": v.validate_parameters,
        })
    methods: list[str] = []
    for route in d.routes:
        path = route.path
        if not path or path not in resource_ids:
            continue
        logical = t.ids.new("Method", f"{route.method} {path}")
        integration, method_responses = _rest_integration(t, route)
        props: dict[str, Any] = {
            "RestApiId": _ref("Api"),
            "ResourceId": resource_ids[path],
            "HttpMethod": route.method,
            "AuthorizationType": route.authorization,
            "Integration": integration,
        }
        if route.authorization in ("CUSTOM", "COGNITO_USER_POOLS") and route.authorizer_name in t.authorizer_ids:
            props["AuthorizerId"] = _ref(t.authorizer_ids[route.authorizer_name])
        if route.scopes and route.authorization == "COGNITO_USER_POOLS":
            props["AuthorizationScopes"] = list(route.scopes)
        if route.api_key_required:
            props["ApiKeyRequired"] = True
        if route.request_validator_name in validators:
            props["RequestValidatorId"] = _ref(validators[route.request_validator_name])
        if route.operation_id:
            props["OperationName"] = route.operation_id
        params = {f"method.request.path.{p}": True for p in route.path_parameters}
        if params:
            props["RequestParameters"] = params
        if method_responses:
            props["MethodResponses"] = method_responses
        t.add(logical, "AWS::ApiGateway::Method", props)
        methods.append(logical)
        if route.integration.uses_lambda:
            t.permission(route.integration.lambda_arn, sub_literal(route.source_arn), f"{route.method} {path}")
    for preflight in d.preflights:
        methods.append(_rest_preflight(t, resource_ids[preflight.path], preflight.path, preflight.headers))
    return methods


def _rest_preflight(t: _Template, resource_id: Any, path: str, headers: Mapping[str, str]) -> str:
    names = [f"method.response.header.Access-Control-{h}" for h in headers]
    logical = t.ids.new("Method", f"OPTIONS {path}")
    t.add(logical, "AWS::ApiGateway::Method", {
        "RestApiId": _ref("Api"),
        "ResourceId": resource_id,
        "HttpMethod": "OPTIONS",
        "AuthorizationType": "NONE",
        "Integration": {
            "Type": "MOCK",
            "RequestTemplates": {"application/json": MOCK_TEMPLATE},
            "IntegrationResponses": [{
                "StatusCode": "200",
                "ResponseParameters": {n: f"'{v}'" for n, v in zip(names, headers.values(), strict=True)},
            }],
        },
        "MethodResponses": [{"StatusCode": "200", "ResponseParameters": {n: True for n in names}}],
    })
    return logical


def _rest_stages(t: _Template, methods: list[str]) -> None:
    d = t.design
    if not d.stages:
        return
    deployment = t.ids.new("Deployment")
    depends = {"DependsOn": methods} if methods else {}  # a deployment needs the methods to exist first
    t.add(deployment, "AWS::ApiGateway::Deployment", {"RestApiId": _ref("Api"), "Description": "Initial deployment"}, **depends)
    for stage in d.stages:
        logical = t.ids.new("Stage", stage.name)
        t.stage_ids.setdefault(stage.name, logical)
        props: dict[str, Any] = {"RestApiId": _ref("Api"), "StageName": stage.name, "DeploymentId": _ref(deployment)}
        if stage.description:
            props["Description"] = stage.description
        if stage.variables:
            props["Variables"] = dict(stage.variables)
        if stage.cache_enabled:
            props["CacheClusterEnabled"] = True
            props["CacheClusterSize"] = stage.cache_size
        settings: dict[str, Any] = {"ResourcePath": "/*", "HttpMethod": "*", **_throttle(stage)}
        if stage.logging_level != "OFF":
            settings["LoggingLevel"] = stage.logging_level
        if stage.cache_enabled:
            settings["CachingEnabled"] = True
            if stage.cache_ttl is not None:
                settings["CacheTtlInSeconds"] = stage.cache_ttl
        if len(settings) > 2:
            props["MethodSettings"] = [settings]
        if stage.canary is not None:
            canary: dict[str, Any] = {"PercentTraffic": stage.canary.percent_traffic, "UseStageCache": stage.canary.use_stage_cache}
            if stage.canary.stage_variable_overrides:
                canary["StageVariableOverrides"] = dict(stage.canary.stage_variable_overrides)
            props["CanarySetting"] = canary
        if d.tags:
            props["Tags"] = _tags_list(d.tags)
        t.add(logical, "AWS::ApiGateway::Stage", props)
        if stage.canary is not None:
            t.add(t.ids.new("CanaryDeployment", stage.name), "AWS::ApiGateway::Deployment", {
                "RestApiId": _ref("Api"),
                "StageName": stage.name,
                "Description": f"Canary release on {stage.name}",
                "DeploymentCanarySettings": props["CanarySetting"],
            }, DependsOn=[logical])
        if stage.waf_web_acl_arn:
            t.add(t.ids.new("WebAclAssociation", stage.name), "AWS::WAFv2::WebACLAssociation", {
                "ResourceArn": _sub(f"{_PARTITION_ARN}:apigateway:${{AWS::Region}}::/restapis/${{Api}}/stages/${{{logical}}}"),
                "WebACLArn": stage.waf_web_acl_arn,
            })
        t.outputs[logical + "Url"] = {
            "Description": f"Invoke URL of stage {stage.name}",
            "Value": _sub(f"https://${{Api}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{sub_literal(stage.name)}"),
        }


def _usage_plans(t: _Template) -> None:
    d = t.design
    key_ids: dict[str, str] = {}
    for k in d.api_keys:
        logical = t.ids.new("ApiKey", k.name)
        key_ids.setdefault(k.name, logical)
        props: dict[str, Any] = {"Name": k.name, "Enabled": k.enabled}
        if k.description:
            props["Description"] = k.description
        t.add(logical, "AWS::ApiGateway::ApiKey", props)
    for plan in d.usage_plans:
        logical = t.ids.new("UsagePlan", plan.name)
        props = {"UsagePlanName": plan.name}
        if plan.description:
            props["Description"] = plan.description
        stages = [{"ApiId": _ref("Api"), "Stage": _ref(t.stage_ids[s])} for s in plan.stages if s in t.stage_ids]
        if stages:
            props["ApiStages"] = stages
        throttle = {}
        if plan.throttle_rate is not None:
            throttle["RateLimit"] = plan.throttle_rate
        if plan.throttle_burst is not None:
            throttle["BurstLimit"] = plan.throttle_burst
        if throttle:
            props["Throttle"] = throttle
        if plan.quota_limit is not None:
            props["Quota"] = {"Limit": plan.quota_limit, "Period": plan.quota_period}
        t.add(logical, "AWS::ApiGateway::UsagePlan", props)
        for key in plan.api_keys:
            if key in key_ids:
                t.add(t.ids.new("UsagePlanKey", plan.name + key), "AWS::ApiGateway::UsagePlanKey", {
                    "KeyId": _ref(key_ids[key]), "KeyType": "API_KEY", "UsagePlanId": _ref(logical),
                })


def _export_rest(t: _Template) -> None:
    d = t.design
    props: dict[str, Any] = {"Name": d.title}
    if d.description:
        props["Description"] = d.description
    if d.endpoint_types:
        props["EndpointConfiguration"] = {"Types": list(d.endpoint_types)}
    if d.api_key_source:
        props["ApiKeySourceType"] = d.api_key_source
    if d.resource_policy:
        props["Policy"] = _plain(d.resource_policy)
    if d.tags:
        props["Tags"] = _tags_list(d.tags)
    t.add("Api", "AWS::ApiGateway::RestApi", props)
    resource_ids = _rest_resources(t)
    _rest_authorizers(t)
    methods = _rest_methods(t, resource_ids)
    _rest_stages(t, methods)
    _usage_plans(t)


# ==================================================================================================
# HTTP and WebSocket (ApiGatewayV2)
# ==================================================================================================

def _v2_integration(t: _Template, route: ResolvedRoute) -> dict[str, Any]:
    props = v2_integration_properties(route.integration, t.design.api_type,
                                      lambda_uri=lambda i: t.lambda_uri(i.lambda_arn, i.lambda_region),
                                      service_uri=_service_uri)
    return {"ApiId": _ref("Api"), **props}


def _v2_authorizers(t: _Template) -> None:
    d = t.design
    for a in d.authorizers:
        logical = t.ids.new("Authorizer", a.name)
        t.authorizer_ids.setdefault(a.name, logical)
        props: dict[str, Any] = {"ApiId": _ref("Api"), "Name": a.name, "AuthorizerType": a.type or "REQUEST"}
        props["IdentitySource"] = list(a.identity_sources)
        if a.type == "JWT":
            props["JwtConfiguration"] = {"Issuer": a.issuer, "Audience": list(a.audience)}
        else:
            props["AuthorizerUri"] = t.lambda_uri(a.lambda_arn)
            if d.api_type == "http":
                props["AuthorizerPayloadFormatVersion"] = a.payload_format_version
                if a.simple_responses:
                    props["EnableSimpleResponses"] = True
                if a.ttl_seconds is not None:
                    props["AuthorizerResultTtlInSeconds"] = a.ttl_seconds
            t.permission(a.lambda_arn, f"authorizers/${{{logical}}}", "Authorizer" + a.name)
        t.add(logical, "AWS::ApiGatewayV2::Authorizer", props)


def _v2_routes(t: _Template) -> list[str]:
    d = t.design
    routes: list[str] = []
    for route in d.routes:
        if not route.key.strip():
            continue
        integration = t.ids.new("Integration", route.key)
        integ = route.integration
        t.add(integration, "AWS::ApiGatewayV2::Integration", _v2_integration(t, route))
        if d.api_type == "websocket" and not integ.proxy:
            for r in integ.responses:
                if r.selection_pattern or r.templates:
                    t.add(t.ids.new("IntegrationResponse", f"{route.key} {r.selection_pattern}".strip()),
                          "AWS::ApiGatewayV2::IntegrationResponse", {
                              "ApiId": _ref("Api"), "IntegrationId": _ref(integration),
                              "IntegrationResponseKey": r.websocket_key,
                              "ResponseTemplates": dict(r.templates), "TemplateSelectionExpression": "\\$default",
                          })
        logical = t.ids.new("Route", route.key)
        props: dict[str, Any] = {
            "ApiId": _ref("Api"),
            "RouteKey": route.key,
            "Target": _sub(f"integrations/${{{integration}}}"),
            "AuthorizationType": route.authorization,
        }
        if route.authorizer_name in t.authorizer_ids and route.authorization in ("CUSTOM", "JWT"):
            props["AuthorizerId"] = _ref(t.authorizer_ids[route.authorizer_name])
        if route.scopes and route.authorization == "JWT":
            props["AuthorizationScopes"] = list(route.scopes)
        if route.api_key_required and d.api_type == "websocket":
            props["ApiKeyRequired"] = True
        if route.operation_id:
            props["OperationName"] = route.operation_id
        t.add(logical, "AWS::ApiGatewayV2::Route", props)
        routes.append(logical)
        if integ.uses_lambda:
            t.permission(integ.lambda_arn, sub_literal(route.source_arn), route.key)
    return routes


def _v2_stages(t: _Template, routes: list[str]) -> None:
    d = t.design
    deployment = None
    for stage in d.stages:
        logical = t.ids.new("Stage", stage.name)
        t.stage_ids.setdefault(stage.name, logical)
        props: dict[str, Any] = {"ApiId": _ref("Api"), "StageName": stage.name}
        if stage.description:
            props["Description"] = stage.description
        if stage.auto_deploy:
            props["AutoDeploy"] = True
        else:
            if deployment is None:
                deployment = t.ids.new("Deployment")
                t.add(deployment, "AWS::ApiGatewayV2::Deployment", {"ApiId": _ref("Api"), "Description": "Initial deployment"})
                if routes:
                    t.resources[deployment]["DependsOn"] = routes
            props["DeploymentId"] = _ref(deployment)
        if stage.variables:
            props["StageVariables"] = dict(stage.variables)
        settings = _throttle(stage)
        if d.api_type == "websocket" and stage.logging_level != "OFF":
            settings["LoggingLevel"] = stage.logging_level
        if settings:
            props["DefaultRouteSettings"] = settings
        if d.tags:
            props["Tags"] = dict(d.tags)
        t.add(logical, "AWS::ApiGatewayV2::Stage", props)
        scheme = "wss" if d.api_type == "websocket" else "https"
        suffix = "" if stage.name == "$default" else "/" + sub_literal(stage.name)
        t.outputs[logical + "Url"] = {
            "Description": f"URL of stage {stage.name}",
            "Value": _sub(f"{scheme}://${{Api}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}{suffix}"),
        }


def _export_v2(t: _Template) -> None:
    d = t.design
    props: dict[str, Any] = {"Name": d.title, "ProtocolType": d.protocol_type}
    if d.description:
        props["Description"] = d.description
    if d.version:
        props["Version"] = d.version
    if d.api_type == "websocket":
        props["RouteSelectionExpression"] = d.route_selection_expression
        if d.api_key_selection_expression:
            props["ApiKeySelectionExpression"] = d.api_key_selection_expression
    if d.cors is not None and d.api_type == "http":
        cors: dict[str, Any] = {}
        for key, value in (("AllowOrigins", d.cors.allow_origins), ("AllowMethods", d.cors.allow_methods),
                           ("AllowHeaders", d.cors.allow_headers), ("ExposeHeaders", d.cors.expose_headers)):
            if value:
                cors[key] = list(value)
        if d.cors.max_age is not None:
            cors["MaxAge"] = d.cors.max_age
        if d.cors.allow_credentials:
            cors["AllowCredentials"] = True
        props["CorsConfiguration"] = cors
    if d.tags:
        props["Tags"] = dict(d.tags)
    t.add("Api", "AWS::ApiGatewayV2::Api", props)
    _v2_authorizers(t)
    routes = _v2_routes(t)
    _v2_stages(t, routes)
    if d.api_type == "websocket":
        _usage_plans(t)


# ==================================================================================================
# Public API
# ==================================================================================================


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def export_cloudformation(design: Design | Mapping[str, Any] | ResolvedApi) -> dict[str, Any]:
    """The design as a CloudFormation template (a plain dict; see ``to_yaml``/``to_json``)."""
    api = resolve(design)
    t = _Template(api)
    if api.api_type == "rest":
        _export_rest(t)
    else:
        _export_v2(t)
    return t.document()


def to_yaml(template: Mapping[str, Any]) -> str:
    """Plain YAML: intrinsics stay in their long form (``Fn::Sub:``), no aliases."""
    return dump_yaml(template)


__all__ = ["export_cloudformation", "to_json", "to_yaml", "sub_literal"]
