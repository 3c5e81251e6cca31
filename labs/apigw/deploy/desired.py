"""What AWS should have for a design: every resource the deployer makes, as explicit calls.

``desired(api, ctx)`` reads only the ``ResolvedApi`` (the one translation of a design into AWS's terms)
and returns resources in the order AWS needs them made: the API, its authorizers, validators, resources
(parents first), methods, integrations and responses (REST) or integrations and routes (HTTP and
WebSocket), the Lambda permissions, API keys; then stages (``StageSpec``, planned apart because they
point at a deployment made in the same run); then usage plans and their keys, and WAF associations.

Each resource is keyed by what it is in the design (``"method:GET /items"``), not by an AWS id, so a
later plan can diff the design against what a deployment already made. Ids made by earlier calls are
references (``calls.ref``) named after the resource that makes them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..resolved import (
    MOCK_TEMPLATE,
    ResolvedApi,
    ResolvedAuthorizer,
    ResolvedIntegration,
    ResolvedRoute,
    ResolvedStage,
    arn_region,
    lambda_invocation_uri,
    v2_integration_properties,
)
from .calls import Call, join, plain, ref


#: Resource kinds that live inside the API: a change to any of them needs a new deployment.
API_KINDS = frozenset({
    "rest_api", "validator", "authorizer", "resource", "method", "integration", "method_response",
    "integration_response", "v2_api", "v2_authorizer", "v2_integration", "v2_integration_response",
    "v2_route", "v2_route_response",
})


def partition_for(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True, slots=True)
class Context:
    """What a plan needs beyond the design: where, and who it belongs to."""

    deployment_id: str
    region: str
    tags: Mapping[str, str]

    @property
    def partition(self) -> str:
        return partition_for(self.region)


@dataclass(frozen=True, slots=True)
class Resource:
    """One thing in AWS and the call that makes it.

    ``update``: how a changed resource is brought up to date — ``"put"`` (the create call overwrites,
    e.g. ``put_integration``), ``"patch"`` (an update call, see ``plan._update_calls``) or
    ``"replace"`` (delete, then create; everything that refers to it is replaced too).
    ``parent``: the resource whose deletion removes this one as well (so teardown and rollback skip it).
    """

    key: str
    kind: str
    create: Call
    summary: str
    outputs: Mapping[str, str] = field(default_factory=dict)  # reference name -> dotted path in the response
    delete: tuple[Call, ...] = ()
    parent: str = ""
    deps: tuple[str, ...] = ()  # keys this must come after beyond its references (e.g. a method's integration)
    update: str = "replace"
    phase: int = 0  # 0: before the stages, 2: after them (usage plans, WAF)
    note: str = ""

    @property
    def spec(self) -> Mapping[str, Any]:
        return self.create.params


@dataclass(frozen=True, slots=True)
class StageSpec:
    """A stage: its settings (compared between plans) and the calls that make it."""

    name: str
    key: str  # "stage:prod"
    api_type: str
    params: Mapping[str, Any]  # create_stage parameters without the deployment id
    canary: Mapping[str, Any] | None  # REST: percentTraffic, useStageCache, stageVariableOverrides
    settings_ops: tuple[Mapping[str, str], ...]  # REST method settings (*/*) as update_stage patch operations
    auto_deploy: bool  # HTTP APIs: AWS deploys every change itself
    summary: str

    @property
    def spec(self) -> dict[str, Any]:
        return {"params": dict(self.params), "canary": dict(self.canary) if self.canary is not None else None,
                "auto_deploy": self.auto_deploy}


@dataclass(frozen=True, slots=True)
class Desired:
    api_type: str
    resources: tuple[Resource, ...]
    stages: tuple[StageSpec, ...]
    notes: tuple[str, ...]
    functions: tuple[str, ...]  # every Lambda function ARN the API invokes (permissions made for each)

    def by_key(self) -> dict[str, Resource]:
        return {r.key: r for r in self.resources}


def statement_id(deployment_id: str, key: str) -> str:
    """A Lambda permission's StatementId: the deployment id (so leftovers are found by it) and a digest."""
    return f"{deployment_id}-{hashlib.sha1(key.encode()).hexdigest()[:12]}"


def _drop_empty(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v not in (None, "", [], {})}


class _Builder:
    def __init__(self, api: ResolvedApi, ctx: Context) -> None:
        self.api = api
        self.ctx = ctx
        self.resources: list[Resource] = []
        self.notes: list[str] = []
        self.functions: list[str] = []
        self.keys: set[str] = set()

    def add(self, resource: Resource) -> None:
        if resource.key in self.keys:  # a design with a duplicate (a rule reports it): the first one wins
            self.notes.append(f"{resource.summary}: a duplicate in the design; made once")
            return
        self.keys.add(resource.key)
        self.resources.append(resource)

    # -- Lambda -----------------------------------------------------------------------------------

    def lambda_uri(self, arn: str, region: str = "") -> str:
        return lambda_invocation_uri(region or arn_region(arn) or self.ctx.region, arn, self.ctx.partition)

    def concrete_functions(self, arn: str) -> list[str]:
        """A function ARN, or the ARNs its stage variables resolve to on the design's stages."""
        resolved, missing = self.api.concrete_function_arns(arn)
        if missing:
            self.notes.append(f"{arn}: stage variable(s) {', '.join(missing)} not set on every stage; "
                              "no Lambda permission is made for that stage")
        return resolved

    def permission(self, arn: str, source_tail: Any, key: str, what: str) -> None:
        """Let API Gateway invoke ``arn`` from this API (``source_tail``: after the API id)."""
        for function in self.concrete_functions(arn):
            pkey = f"permission:{key}" + (f" {function}" if function != arn else "")
            if function not in self.functions:
                self.functions.append(function)
            sid = statement_id(self.ctx.deployment_id, pkey)
            source = join(f"arn:{self.ctx.partition}:execute-api:{self.ctx.region}:", ref("account"), ":", ref("api"),
                          "/", source_tail)
            region = arn_region(function)
            self.add(Resource(
                key=pkey, kind="permission",
                create=Call("lambda", "add_permission", {
                    "FunctionName": function, "StatementId": sid, "Action": "lambda:InvokeFunction",
                    "Principal": "apigateway.amazonaws.com", "SourceArn": source,
                }, region=region if region != self.ctx.region else ""),
                delete=(Call("lambda", "remove_permission", {"FunctionName": function, "StatementId": sid},
                             region=region if region != self.ctx.region else ""),),
                summary=f"Lambda permission: {function.rsplit(':function:', 1)[-1]} may be invoked by {what}",
                note="The SourceArn names this API only, so no other API can invoke the function (least privilege).",
            ))

    # -- API keys and usage plans (REST, and WebSocket through the same service) -------------------

    def api_keys_and_plans(self) -> None:
        api = self.api
        for k in api.api_keys:
            self.add(Resource(
                key=f"api_key:{k.name}", kind="api_key",
                create=Call("apigateway", "create_api_key", _drop_empty({
                    "name": k.name, "description": k.description, "enabled": k.enabled, "tags": dict(self.ctx.tags),
                }) | {"enabled": k.enabled}),
                outputs={f"api_key:{k.name}": "id"},
                delete=(Call("apigateway", "delete_api_key", {"apiKey": ref(f"api_key:{k.name}")}),),
                update="patch", summary=f"API key {k.name}",
                note="The key's value is a secret: the deployer never records it.",
            ))
        stage_names = {s.name for s in api.stages}
        key_names = {k.name for k in api.api_keys}
        for plan in api.usage_plans:
            pkey = f"usage_plan:{plan.name}"
            stages = [s for s in plan.stages if s in stage_names]
            params: dict[str, Any] = {"name": plan.name}
            if plan.description:
                params["description"] = plan.description
            if stages:
                params["apiStages"] = [{"apiId": ref("api"), "stage": s} for s in stages]
            throttle = _drop_empty({"rateLimit": plan.throttle_rate, "burstLimit": plan.throttle_burst})
            if throttle:
                params["throttle"] = throttle
            if plan.quota_limit is not None:
                params["quota"] = {"limit": plan.quota_limit, "period": plan.quota_period or "DAY"}
            params["tags"] = dict(self.ctx.tags)
            detach = [Call("apigateway", "update_usage_plan", {"usagePlanId": ref(pkey), "patchOperations": [
                {"op": "remove", "path": "/apiStages", "value": join(ref("api"), f":{s}")}]}) for s in stages]
            self.add(Resource(
                key=pkey, kind="usage_plan", create=Call("apigateway", "create_usage_plan", params),
                outputs={pkey: "id"}, delete=(*detach, Call("apigateway", "delete_usage_plan", {"usagePlanId": ref(pkey)})),
                deps=tuple(f"stage:{s}" for s in stages), phase=2,
                summary=f"usage plan {plan.name} on stage(s) {', '.join(stages) or '(none)'}",
                note="A usage plan's throttle and quota are targets, applied on a best-effort basis.",
            ))
            for key in plan.api_keys:
                if key not in key_names:
                    continue
                kkey = f"usage_plan_key:{plan.name}/{key}"
                self.add(Resource(
                    key=kkey, kind="usage_plan_key",
                    create=Call("apigateway", "create_usage_plan_key",
                                {"usagePlanId": ref(pkey), "keyId": ref(f"api_key:{key}"), "keyType": "API_KEY"}),
                    delete=(Call("apigateway", "delete_usage_plan_key",
                                 {"usagePlanId": ref(pkey), "keyId": ref(f"api_key:{key}")}),),
                    phase=2, summary=f"API key {key} in usage plan {plan.name}",
                ))

    def result(self, stages: list[StageSpec]) -> Desired:
        return Desired(self.api.api_type, tuple(self.resources), tuple(stages), tuple(self.notes), tuple(self.functions))


# ==================================================================================================
# REST
# ==================================================================================================


def _rest_integration_params(b: _Builder, route: ResolvedRoute, method_key: str) -> dict[str, Any]:
    integ: ResolvedIntegration = route.integration
    params: dict[str, Any] = {"restApiId": ref("api"), "resourceId": ref(_resource_ref(route.path)),
                              "httpMethod": route.method}
    if integ.target_kind == "lambda":
        params |= {"type": integ.type, "integrationHttpMethod": integ.http_method or "POST",
                   "uri": b.lambda_uri(integ.lambda_arn, integ.lambda_region)}
    elif integ.target_kind == "http":
        params |= {"type": integ.type, "integrationHttpMethod": integ.http_method, "uri": integ.uri}
        if integ.connection_type:
            params |= {"connectionType": integ.connection_type, "connectionId": integ.connection_id}
    elif integ.target_kind == "service":
        params |= {"type": integ.type, "integrationHttpMethod": integ.http_method,
                   "uri": integ.service_uri(integ.region or b.ctx.region, b.ctx.partition)}
    else:  # MOCK (or a draft / an HTTP-only kind the rules reject): a mock keeps the API deployable
        params |= {"type": "MOCK"}
        if integ.type not in ("MOCK", ""):
            b.notes.append(f"{route.key}: {integ.kind} integrations exist only on HTTP APIs; deployed as a MOCK")
    if integ.credentials:
        params["credentials"] = integ.credentials
    templates = dict(integ.request_templates) or ({"application/json": MOCK_TEMPLATE} if params["type"] == "MOCK" else {})
    if templates:
        params["requestTemplates"] = templates
    if integ.request_parameters:
        params["requestParameters"] = dict(integ.request_parameters)
    if integ.passthrough_behavior:
        params["passthroughBehavior"] = integ.passthrough_behavior
    if integ.timeout_ms is not None:
        params["timeoutInMillis"] = integ.timeout_ms
    return params


def _resource_ref(path: str) -> str:
    return "api.root" if path in ("", "/") else f"resource:{path}"


def _rest_method(b: _Builder, route: ResolvedRoute, resource_ref: str, authorizers: Mapping[str, str],
                 validators: Mapping[str, str]) -> None:
    key = f"{route.method} {route.path}"
    mkey = f"method:{key}"
    params: dict[str, Any] = {"restApiId": ref("api"), "resourceId": ref(resource_ref), "httpMethod": route.method,
                              "authorizationType": route.authorization}
    if route.authorization in ("CUSTOM", "COGNITO_USER_POOLS") and route.authorizer_name in authorizers:
        params["authorizerId"] = ref(authorizers[route.authorizer_name])
    if route.scopes and route.authorization == "COGNITO_USER_POOLS":
        params["authorizationScopes"] = list(route.scopes)
    params["apiKeyRequired"] = route.api_key_required
    if route.request_validator_name in validators:
        params["requestValidatorId"] = ref(validators[route.request_validator_name])
    if route.operation_id:
        params["operationName"] = route.operation_id
    path_params = {f"method.request.path.{p}": True for p in route.path_parameters}
    if path_params:
        params["requestParameters"] = path_params
    parent = "api" if resource_ref == "api.root" else resource_ref
    b.add(Resource(key=mkey, kind="method", create=Call("apigateway", "put_method", params),
                   delete=(Call("apigateway", "delete_method", _method_id(params)),), parent=parent,
                   summary=f"method {key} ({route.authorization})"))
    integ = _rest_integration_params(b, route, mkey)
    target = route.integration.lambda_arn or route.integration.uri or route.integration.service or "mock"
    b.add(Resource(key=f"integration:{key}", kind="integration", create=Call("apigateway", "put_integration", integ),
                   delete=(Call("apigateway", "delete_integration", _method_id(params)),), parent=mkey, deps=(mkey,),
                   update="put", summary=f"integration {key} -> {integ['type']} {target}"))
    if integ["type"] in ("AWS", "HTTP", "MOCK"):  # non-proxy: API Gateway shapes the response itself
        responses = route.integration.responses or ()
        if not responses:
            from ..resolved import ResolvedResponse
            responses = (ResolvedResponse(),)
        for response in responses:
            _rest_responses(b, key, params, response.status_code, dict(response.parameters), dict(response.templates),
                            response.selection_pattern)
    if route.integration.uses_lambda:
        b.permission(route.integration.lambda_arn, route.source_arn, f"route:{key}", key)


def _method_id(method_params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: method_params[k] for k in ("restApiId", "resourceId", "httpMethod")}


def _rest_responses(b: _Builder, key: str, method_params: Mapping[str, Any], status: str, parameters: dict[str, str],
                    templates: dict[str, str], selection_pattern: str = "") -> None:
    mkey = f"method:{key}"
    mr: dict[str, Any] = {**_method_id(method_params), "statusCode": status}
    if parameters:
        mr["responseParameters"] = {name: True for name in parameters}
    b.add(Resource(key=f"method_response:{key} {status}", kind="method_response",
                   create=Call("apigateway", "put_method_response", mr),
                   delete=(Call("apigateway", "delete_method_response", {**_method_id(method_params), "statusCode": status}),),
                   parent=mkey, deps=(mkey,), summary=f"method response {status} for {key}"))
    ir: dict[str, Any] = {**_method_id(method_params), "statusCode": status}
    if selection_pattern:
        ir["selectionPattern"] = selection_pattern
    if templates:
        ir["responseTemplates"] = templates
    if parameters:
        ir["responseParameters"] = parameters
    b.add(Resource(key=f"integration_response:{key} {status}", kind="integration_response",
                   create=Call("apigateway", "put_integration_response", ir),
                   delete=(Call("apigateway", "delete_integration_response", {**_method_id(method_params), "statusCode": status}),),
                   parent=mkey, deps=(f"integration:{key}", f"method_response:{key} {status}"), update="put",
                   summary=f"integration response {status} for {key}"))


def _rest_authorizer(b: _Builder, a: ResolvedAuthorizer) -> str:
    key = f"authorizer:{a.name}"
    params: dict[str, Any] = {"restApiId": ref("api"), "name": a.name, "type": a.type or "TOKEN",
                              "identitySource": a.identity_source}
    if a.type == "COGNITO_USER_POOLS":
        params["providerARNs"] = list(a.user_pool_arns)
    else:
        params["authorizerUri"] = b.lambda_uri(a.lambda_arn)
        if a.ttl_seconds is not None:
            params["authorizerResultTtlInSeconds"] = a.ttl_seconds
    b.add(Resource(key=key, kind="authorizer", create=Call("apigateway", "create_authorizer", params),
                   outputs={key: "id"}, parent="api",
                   delete=(Call("apigateway", "delete_authorizer", {"restApiId": ref("api"), "authorizerId": ref(key)}),),
                   summary=f"authorizer {a.name} ({a.type or 'TOKEN'})"))
    if a.uses_lambda and a.lambda_arn:
        b.permission(a.lambda_arn, join("authorizers/", ref(key)), f"authorizer:{a.name}", f"authorizer {a.name}")
    return key


def _rest(b: _Builder) -> list[StageSpec]:
    api = b.api
    params: dict[str, Any] = {"name": api.title}
    if api.description:
        params["description"] = api.description
    params["endpointConfiguration"] = {"types": [api.endpoint_type]}
    if api.api_key_source:
        params["apiKeySource"] = api.api_key_source
    if api.resource_policy:
        params["policy"] = json.dumps(plain(api.resource_policy), separators=(",", ":"))
    params["tags"] = dict(b.ctx.tags)
    b.add(Resource(key="api", kind="rest_api", create=Call("apigateway", "create_rest_api", params),
                   outputs={"api": "id", "api.root": "rootResourceId"}, update="patch",
                   delete=(Call("apigateway", "delete_rest_api", {"restApiId": ref("api")}),),
                   summary=f"REST API {api.title} ({api.endpoint_type})",
                   note="Deleting the REST API removes its resources, methods, authorizers, deployments and stages with it."
                        + (" EDGE APIs: CreateRestApi is limited to 1 call every 30 s per account."
                           if api.endpoint_type == "EDGE" else "")))
    validators: dict[str, str] = {}
    for v in api.request_validators:
        vkey = f"validator:{v.name}"
        validators.setdefault(v.name, vkey)
        b.add(Resource(key=vkey, kind="validator", create=Call("apigateway", "create_request_validator", {
            "restApiId": ref("api"), "name": v.name, "validateRequestBody": v.validate_body,
            "validateRequestParameters": v.validate_parameters}), outputs={vkey: "id"}, parent="api",
            delete=(Call("apigateway", "delete_request_validator", {"restApiId": ref("api"), "requestValidatorId": ref(vkey)}),),
            summary=f"request validator {v.name}"))
    authorizers: dict[str, str] = {}
    for a in api.authorizers:
        authorizers.setdefault(a.name, _rest_authorizer(b, a))
    for path in api.resource_paths():
        parent, _, part = path.rpartition("/")
        rkey = f"resource:{path}"
        b.add(Resource(key=rkey, kind="resource", create=Call("apigateway", "create_resource", {
            "restApiId": ref("api"), "parentId": ref(_resource_ref(parent)), "pathPart": part}),
            outputs={rkey: "id"}, parent=f"resource:{parent}" if parent else "api",
            delete=(Call("apigateway", "delete_resource", {"restApiId": ref("api"), "resourceId": ref(rkey)}),),
            summary=f"resource {path}"))
    for route in api.routes:
        if not route.path or not route.method:
            b.notes.append(f"route {route.key!r}: not a REST route key; not deployed")
            continue
        _rest_method(b, route, _resource_ref(route.path), authorizers, validators)
    for preflight in api.preflights:
        key = f"OPTIONS {preflight.path}"
        mparams = {"restApiId": ref("api"), "resourceId": ref(_resource_ref(preflight.path)), "httpMethod": "OPTIONS",
                   "authorizationType": "NONE", "apiKeyRequired": False}
        rref = _resource_ref(preflight.path)
        b.add(Resource(key=f"method:{key}", kind="method", create=Call("apigateway", "put_method", mparams),
                       delete=(Call("apigateway", "delete_method", _method_id(mparams)),),
                       parent="api" if rref == "api.root" else rref, summary=f"CORS preflight {key}"))
        b.add(Resource(key=f"integration:{key}", kind="integration", create=Call("apigateway", "put_integration", {
            **_method_id(mparams), "type": "MOCK", "requestTemplates": {"application/json": MOCK_TEMPLATE}}),
            delete=(Call("apigateway", "delete_integration", _method_id(mparams)),), parent=f"method:{key}",
            deps=(f"method:{key}",), update="put", summary=f"integration {key} -> MOCK"))
        headers = {f"method.response.header.Access-Control-{h}": f"'{v}'" for h, v in preflight.headers.items()}
        _rest_responses(b, key, mparams, "200", headers, {})
    b.api_keys_and_plans()
    stages = []
    for s in api.stages:
        stages.append(_rest_stage(b, s))
        if s.waf_web_acl_arn:
            arn = join(f"arn:{b.ctx.partition}:apigateway:{b.ctx.region}::/restapis/", ref("api"), f"/stages/{s.name}")
            b.add(Resource(key=f"waf:{s.name}", kind="waf_association", create=Call("wafv2", "associate_web_acl", {
                "WebACLArn": s.waf_web_acl_arn, "ResourceArn": arn}),
                delete=(Call("wafv2", "disassociate_web_acl", {"ResourceArn": arn}),), deps=(f"stage:{s.name}",),
                phase=2, summary=f"AWS WAF web ACL on stage {s.name}"))
    return stages


def _rest_stage(b: _Builder, s: ResolvedStage) -> StageSpec:
    params: dict[str, Any] = {"restApiId": ref("api"), "stageName": s.name}
    if s.description:
        params["description"] = s.description
    if s.variables:
        params["variables"] = dict(s.variables)
    if s.cache_enabled:
        params["cacheClusterEnabled"] = True
        params["cacheClusterSize"] = s.cache_size
    params["tags"] = dict(b.ctx.tags)
    canary = None
    if s.canary is not None:
        canary = {"percentTraffic": float(s.canary.percent_traffic), "useStageCache": s.canary.use_stage_cache}
        if s.canary.stage_variable_overrides:
            canary["stageVariableOverrides"] = dict(s.canary.stage_variable_overrides)
    ops: list[dict[str, str]] = []
    if s.throttle_rate is not None:
        ops.append({"op": "replace", "path": "/*/*/throttling/rateLimit", "value": _num(s.throttle_rate)})
    if s.throttle_burst is not None:
        ops.append({"op": "replace", "path": "/*/*/throttling/burstLimit", "value": _num(s.throttle_burst)})
    if s.logging_level and s.logging_level != "OFF":
        ops.append({"op": "replace", "path": "/*/*/logging/loglevel", "value": s.logging_level})
    if s.cache_enabled:
        ops.append({"op": "replace", "path": "/*/*/caching/enabled", "value": "true"})
        if s.cache_ttl is not None:
            ops.append({"op": "replace", "path": "/*/*/caching/ttlInSeconds", "value": str(s.cache_ttl)})
    summary = f"stage {s.name}" + (f" with a {s.cache_size} GB cache" if s.cache_enabled else "") + (
        f", canary {s.canary.percent_traffic:g}%" if s.canary is not None else "")
    return StageSpec(s.name, f"stage:{s.name}", "rest", params, canary, tuple(ops), False, summary)


def _num(value: float | int) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# ==================================================================================================
# HTTP and WebSocket
# ==================================================================================================


def _v2_authorizer(b: _Builder, a: ResolvedAuthorizer) -> str:
    api = b.api
    key = f"authorizer:{a.name}"
    params: dict[str, Any] = {"ApiId": ref("api"), "Name": a.name, "AuthorizerType": a.type or "REQUEST",
                              "IdentitySource": list(a.identity_sources)}
    if a.type == "JWT":
        params["JwtConfiguration"] = {"Issuer": a.issuer, "Audience": list(a.audience)}
    else:
        params["AuthorizerType"] = "REQUEST"
        params["AuthorizerUri"] = b.lambda_uri(a.lambda_arn)
        if api.api_type == "http":
            params["AuthorizerPayloadFormatVersion"] = a.payload_format_version or "2.0"
            if a.simple_responses:
                params["EnableSimpleResponses"] = True
            if a.ttl_seconds is not None:
                params["AuthorizerResultTtlInSeconds"] = a.ttl_seconds
    b.add(Resource(key=key, kind="v2_authorizer", create=Call("apigatewayv2", "create_authorizer", params),
                   outputs={key: "AuthorizerId"}, parent="api", update="patch",
                   delete=(Call("apigatewayv2", "delete_authorizer", {"ApiId": ref("api"), "AuthorizerId": ref(key)}),),
                   summary=f"authorizer {a.name} ({params['AuthorizerType']})"))
    if a.uses_lambda and a.lambda_arn:
        b.permission(a.lambda_arn, join("authorizers/", ref(key)), f"authorizer:{a.name}", f"authorizer {a.name}")
    return key


def _v2_route(b: _Builder, route: ResolvedRoute, authorizers: Mapping[str, str]) -> None:
    api, integ = b.api, route.integration
    ikey = f"integration:{route.key}"
    params: dict[str, Any] = {"ApiId": ref("api"), **v2_integration_properties(
        integ, api.api_type, lambda_uri=lambda i: b.lambda_uri(i.lambda_arn, i.lambda_region),
        service_uri=lambda i: i.service_uri(i.region or b.ctx.region, b.ctx.partition))}
    # integrations have no name: the description says which route it serves, so a lost response can be found
    params["Description"] = f"Gateway Academy {b.ctx.deployment_id}: {route.key}"
    target = integ.lambda_arn or integ.uri or integ.subtype or integ.service or "mock"
    b.add(Resource(key=ikey, kind="v2_integration", create=Call("apigatewayv2", "create_integration", params),
                   outputs={ikey: "IntegrationId"}, parent="api", update="patch",
                   delete=(Call("apigatewayv2", "delete_integration", {"ApiId": ref("api"), "IntegrationId": ref(ikey)}),),
                   summary=f"integration for {route.key} -> {params['IntegrationType']} {target}"))
    shaped = [r for r in integ.responses if r.selection_pattern or r.templates] if (
        api.api_type == "websocket" and not integ.proxy) else []
    two_way = bool(shaped)
    for r in shaped:
        rk = f"integration_response:{route.key}" + (f" {r.selection_pattern}" if r.selection_pattern else "")
        b.add(Resource(key=rk, kind="v2_integration_response",
                       create=Call("apigatewayv2", "create_integration_response", {
                           "ApiId": ref("api"), "IntegrationId": ref(ikey), "IntegrationResponseKey": r.websocket_key,
                           "ResponseTemplates": dict(r.templates),
                           "TemplateSelectionExpression": "\\$default"}),
                       outputs={rk: "IntegrationResponseId"}, parent=ikey,
                       delete=(Call("apigatewayv2", "delete_integration_response", {
                           "ApiId": ref("api"), "IntegrationId": ref(ikey),
                           "IntegrationResponseId": ref(rk)}),),
                       summary=f"integration response {r.websocket_key} for {route.key}"))
    rkey = f"route:{route.key}"
    rparams: dict[str, Any] = {"ApiId": ref("api"), "RouteKey": route.key, "Target": join("integrations/", ref(ikey)),
                               "AuthorizationType": route.authorization}
    if route.authorization in ("CUSTOM", "JWT") and route.authorizer_name in authorizers:
        rparams["AuthorizerId"] = ref(authorizers[route.authorizer_name])
    if route.scopes and route.authorization == "JWT":
        rparams["AuthorizationScopes"] = list(route.scopes)
    if route.api_key_required and api.api_type == "websocket":
        rparams["ApiKeyRequired"] = True
    if route.operation_id:
        rparams["OperationName"] = route.operation_id
    if two_way:
        rparams["RouteResponseSelectionExpression"] = "$default"
    b.add(Resource(key=rkey, kind="v2_route", create=Call("apigatewayv2", "create_route", rparams),
                   outputs={rkey: "RouteId"}, parent="api", update="patch",
                   delete=(Call("apigatewayv2", "delete_route", {"ApiId": ref("api"), "RouteId": ref(rkey)}),),
                   summary=f"route {route.key} ({route.authorization})"))
    if two_way:
        b.add(Resource(key=f"route_response:{route.key}", kind="v2_route_response",
                       create=Call("apigatewayv2", "create_route_response", {
                           "ApiId": ref("api"), "RouteId": ref(rkey), "RouteResponseKey": "$default"}),
                       outputs={f"route_response:{route.key}": "RouteResponseId"}, parent=rkey,
                       delete=(Call("apigatewayv2", "delete_route_response", {
                           "ApiId": ref("api"), "RouteId": ref(rkey),
                           "RouteResponseId": ref(f"route_response:{route.key}")}),),
                       summary=f"route response for {route.key} (two-way)"))
    if integ.uses_lambda:
        b.permission(integ.lambda_arn, route.source_arn, f"route:{route.key}", route.key)


def _v2(b: _Builder) -> list[StageSpec]:
    api = b.api
    params: dict[str, Any] = {"Name": api.title, "ProtocolType": api.protocol_type}
    if api.description:
        params["Description"] = api.description
    if api.version:
        params["Version"] = api.version
    if api.route_selection_expression:
        params["RouteSelectionExpression"] = api.route_selection_expression
    if api.api_key_selection_expression:
        params["ApiKeySelectionExpression"] = api.api_key_selection_expression
    if api.cors is not None and api.api_type == "http":
        cors = _drop_empty({"AllowOrigins": list(api.cors.allow_origins), "AllowMethods": list(api.cors.allow_methods),
                            "AllowHeaders": list(api.cors.allow_headers), "ExposeHeaders": list(api.cors.expose_headers)})
        if api.cors.max_age is not None:
            cors["MaxAge"] = api.cors.max_age
        if api.cors.allow_credentials:
            cors["AllowCredentials"] = True
        params["CorsConfiguration"] = cors
    params["Tags"] = dict(b.ctx.tags)
    b.add(Resource(key="api", kind="v2_api", create=Call("apigatewayv2", "create_api", params),
                   outputs={"api": "ApiId"}, update="patch",
                   delete=(Call("apigatewayv2", "delete_api", {"ApiId": ref("api")}),),
                   summary=f"{api.label} API {api.title}",
                   note="Deleting the API removes its routes, integrations, authorizers, deployments and stages with it."))
    authorizers: dict[str, str] = {}
    for a in api.authorizers:
        authorizers.setdefault(a.name, _v2_authorizer(b, a))
    for route in api.routes:
        if not route.key.strip():
            continue
        _v2_route(b, route, authorizers)
    if api.api_type == "websocket":
        b.api_keys_and_plans()
    elif api.api_keys or api.usage_plans:
        b.notes.append("HTTP APIs have no API keys or usage plans; they are not deployed")
    stages = []
    for s in api.stages:
        sp: dict[str, Any] = {"ApiId": ref("api"), "StageName": s.name}
        auto = s.auto_deploy and api.api_type == "http"
        if auto:
            sp["AutoDeploy"] = True
        if s.description:
            sp["Description"] = s.description
        if s.variables:
            sp["StageVariables"] = dict(s.variables)
        settings = _drop_empty({"ThrottlingRateLimit": s.throttle_rate, "ThrottlingBurstLimit": s.throttle_burst})
        if api.api_type == "websocket" and s.logging_level != "OFF":
            settings["LoggingLevel"] = s.logging_level
        if settings:
            sp["DefaultRouteSettings"] = settings
        sp["Tags"] = dict(b.ctx.tags)
        if s.canary is not None:
            b.notes.append(f"stage {s.name}: canary releases exist only on REST APIs; not deployed")
        stages.append(StageSpec(s.name, f"stage:{s.name}", api.api_type, sp, None, (), auto,
                                f"stage {s.name}" + (" (auto-deploy)" if auto else "")))
    return stages


def desired(api: ResolvedApi, ctx: Context) -> Desired:
    b = _Builder(api, ctx)
    stages = _rest(b) if api.api_type == "rest" else _v2(b)
    return b.result(stages)
