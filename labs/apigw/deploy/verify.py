"""After apply: read back what AWS reports and compare it with what the design means.

``read_back(target, record)`` makes only read calls (get_rest_api, get_resources, get_method,
get_authorizers, get_stage with its canary settings, get_api_key, get_usage_plan; apigatewayv2 get_api,
get_routes, get_integrations, get_authorizers, get_stage; lambda get_policy) and returns what AWS said
as plain JSON. ``compare(api, record, observed)`` is pure: a list of checks, each
``{"id", "what", "expected", "actual", "passed"}``, so the web side can check lab objectives against
the deployed API and a test can feed it what AWS documents (moto drops some of it, see docs/deployer.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from ..resolved import ResolvedApi, arn_region, resolve
from .calls import resolve as resolve_refs
from .desired import Context, desired
from .messages import is_not_found
from .record import DeploymentRecord
from .target import Target


def _get(fn: Any, **params: Any) -> dict[str, Any] | None:
    try:
        out = fn(**params)
    except ClientError as exc:
        if is_not_found(exc):
            return None
        raise
    out.pop("ResponseMetadata", None)
    return out


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def read_back(target: Target, record: DeploymentRecord) -> dict[str, Any]:
    api_id = record.ids.get("api", "")
    obs: dict[str, Any] = {"api_id": api_id, "stages": {}, "methods": {}, "api_keys": {}, "usage_plans": {},
                           "policies": {}}
    if not api_id:
        return obs
    stages = [k.split(":", 1)[1] for k, e in record.state.items() if e["kind"] == "stage"]
    if record.api_type == "rest":
        c = target.client("apigateway")
        obs["api"] = _get(c.get_rest_api, restApiId=api_id)
        if obs["api"] is None:
            return _json(obs)
        obs["resources"] = [r for p in c.get_paginator("get_resources").paginate(restApiId=api_id) for r in p["items"]]
        by_path = {r["path"]: r for r in obs["resources"]}
        for r in obs["resources"]:
            for method in (r.get("resourceMethods") or {}):
                obs["methods"][f"{method} {r['path']}"] = _get(c.get_method, restApiId=api_id, resourceId=r["id"],
                                                               httpMethod=method)
        obs["authorizers"] = c.get_authorizers(restApiId=api_id).get("items", [])
        for name in stages:
            obs["stages"][name] = _get(c.get_stage, restApiId=api_id, stageName=name)
        obs["paths"] = sorted(by_path)
    else:
        c = target.client("apigatewayv2")
        obs["api"] = _get(c.get_api, ApiId=api_id)
        if obs["api"] is None:
            return _json(obs)
        obs["routes"] = c.get_routes(ApiId=api_id).get("Items", [])
        obs["integrations"] = c.get_integrations(ApiId=api_id).get("Items", [])
        # one by one, by the ids the record holds (moto 5.2.5 has no GetAuthorizers list for v2)
        obs["authorizers"] = [a for k, e in record.state.items() if e["kind"] == "v2_authorizer" and e.get("id")
                              if (a := _get(c.get_authorizer, ApiId=api_id, AuthorizerId=e["id"])) is not None]
        for name in stages:
            obs["stages"][name] = _get(c.get_stage, ApiId=api_id, StageName=name)
    ag = target.client("apigateway")
    for key, entry in record.state.items():
        if entry["kind"] == "api_key" and entry.get("id"):
            obs["api_keys"][key.split(":", 1)[1]] = _get(ag.get_api_key, apiKey=entry["id"], includeValue=False)
        elif entry["kind"] == "usage_plan" and entry.get("id"):
            obs["usage_plans"][key.split(":", 1)[1]] = _get(ag.get_usage_plan, usagePlanId=entry["id"])
    for function in record.functions:
        region = arn_region(function) or None
        policy = _get(target.client("lambda", region).get_policy, FunctionName=function)
        obs["policies"][function] = json.loads(policy["Policy"]).get("Statement", []) if policy else []
    return _json(obs)


class _Checks:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def check(self, cid: str, what: str, expected: Any, actual: Any, passed: bool | None = None) -> None:
        ok = (expected == actual) if passed is None else passed
        self.items.append({"id": cid, "what": what, "expected": expected, "actual": actual, "passed": bool(ok)})


def compare(api: ResolvedApi | Mapping[str, Any], record: DeploymentRecord, observed: Mapping[str, Any]) -> list[dict[str, Any]]:
    api = resolve(api)
    c = _Checks()
    if not observed.get("api"):
        c.check("api.exists", "the API exists", True, False)
        return c.items
    c.check("api.exists", "the API exists", True, True)
    if api.api_type == "rest":
        _compare_rest(c, api, record, observed)
    else:
        _compare_v2(c, api, record, observed)
    _compare_keys_and_plans(c, api, record, observed)
    _compare_permissions(c, api, record, observed)
    return c.items


def _served(record: DeploymentRecord, stage: str, which: str = "deployment") -> str | None:
    key = record.state.get(f"stage:{stage}", {}).get(which)
    return record.ids.get(key) if key else None


def _compare_rest(c: _Checks, api: ResolvedApi, record: DeploymentRecord, obs: Mapping[str, Any]) -> None:
    got = obs["api"]
    c.check("api.name", "API name", api.title, got.get("name"))
    c.check("api.endpoint", "endpoint type", api.endpoint_type, (got.get("endpointConfiguration") or {}).get("types", [None])[0])
    paths = set(obs.get("paths") or ())
    for path in api.resource_paths():
        c.check(f"resource.{path}", f"resource {path}", True, path in paths)
    authorizer_names = {a["id"]: a.get("name") for a in obs.get("authorizers") or ()}
    for a in api.authorizers:
        found = next((x for x in obs.get("authorizers") or () if x.get("name") == a.name), None)
        c.check(f"authorizer.{a.name}", f"authorizer {a.name} ({a.type or 'TOKEN'})", a.type or "TOKEN",
                found.get("type") if found else None)
    for route in api.routes:
        if not route.path:
            continue
        key = f"{route.method} {route.path}"
        method = obs["methods"].get(key)
        c.check(f"method.{key}", f"method {key}", True, method is not None)
        if method is None:
            continue
        c.check(f"method.{key}.authorization", f"{key}: authorization", route.authorization, method.get("authorizationType"))
        if route.authorization in ("CUSTOM", "COGNITO_USER_POOLS"):
            c.check(f"method.{key}.authorizer", f"{key}: authorizer", route.authorizer_name,
                    authorizer_names.get(method.get("authorizerId", "")))
        c.check(f"method.{key}.api_key", f"{key}: API key required", route.api_key_required,
                bool(method.get("apiKeyRequired")))
        integ = method.get("methodIntegration") or {}
        want_type = route.integration.type if route.integration.type not in ("", "AWS_PROXY") or route.integration.target_kind == "lambda" else "MOCK"
        c.check(f"integration.{key}.type", f"{key}: integration type", want_type, integ.get("type"))
        if route.integration.target_kind == "lambda":
            c.check(f"integration.{key}.uri", f"{key}: Lambda function", route.integration.lambda_arn,
                    integ.get("uri"), passed=route.integration.lambda_arn in str(integ.get("uri", "")))
        elif route.integration.target_kind == "http":
            c.check(f"integration.{key}.uri", f"{key}: backend URL", route.integration.uri, integ.get("uri"))
        if len(route.integration.responses) > 1 and not route.integration.proxy:
            got_responses = integ.get("integrationResponses") or {}
            c.check(f"integration.{key}.responses", f"{key}: integration responses (status: selection pattern)",
                    {r.status_code: r.selection_pattern for r in route.integration.responses},
                    {status: r.get("selectionPattern", "") for status, r in got_responses.items()})
    for preflight in api.preflights:
        c.check(f"method.OPTIONS {preflight.path}", f"CORS preflight OPTIONS {preflight.path}", True,
                f"OPTIONS {preflight.path}" in obs["methods"])
    for s in api.stages:
        got = obs["stages"].get(s.name)
        c.check(f"stage.{s.name}", f"stage {s.name}", True, got is not None)
        if got is None:
            continue
        c.check(f"stage.{s.name}.deployment", f"stage {s.name}: serves the deployment just made",
                _served(record, s.name), got.get("deploymentId"))
        c.check(f"stage.{s.name}.variables", f"stage {s.name}: variables", dict(s.variables), got.get("variables") or {})
        c.check(f"stage.{s.name}.cache", f"stage {s.name}: cache", s.cache_enabled, bool(got.get("cacheClusterEnabled")))
        if s.cache_enabled:
            c.check(f"stage.{s.name}.cache_size", f"stage {s.name}: cache size (GB)", s.cache_size, got.get("cacheClusterSize"))
        settings = (got.get("methodSettings") or {}).get("*/*", {})
        if s.throttle_rate is not None:
            c.check(f"stage.{s.name}.throttle_rate", f"stage {s.name}: throttling rate", float(s.throttle_rate),
                    settings.get("throttlingRateLimit"))
        if s.throttle_burst is not None:
            c.check(f"stage.{s.name}.throttle_burst", f"stage {s.name}: throttling burst", s.throttle_burst,
                    settings.get("throttlingBurstLimit"))
        if s.logging_level != "OFF":
            c.check(f"stage.{s.name}.logging", f"stage {s.name}: logging level", s.logging_level, settings.get("loggingLevel"))
        canary = got.get("canarySettings")
        if s.canary is not None:
            c.check(f"stage.{s.name}.canary", f"stage {s.name}: canary percent of traffic",
                    float(s.canary.percent_traffic), (canary or {}).get("percentTraffic"))
            c.check(f"stage.{s.name}.canary_overrides", f"stage {s.name}: canary stage variable overrides",
                    dict(s.canary.stage_variable_overrides), (canary or {}).get("stageVariableOverrides", {}),
                    passed=canary is not None and dict(s.canary.stage_variable_overrides) == (canary.get("stageVariableOverrides") or {}))
            c.check(f"stage.{s.name}.canary_deployment", f"stage {s.name}: canary serves the newest deployment",
                    _served(record, s.name, "canary_deployment"), (canary or {}).get("deploymentId"))
        else:
            c.check(f"stage.{s.name}.canary", f"stage {s.name}: no canary", None, canary)


def _compare_v2(c: _Checks, api: ResolvedApi, record: DeploymentRecord, obs: Mapping[str, Any]) -> None:
    got = obs["api"]
    c.check("api.name", "API name", api.title, got.get("Name"))
    c.check("api.protocol", "protocol", api.protocol_type, got.get("ProtocolType"))
    if api.api_type == "websocket":
        c.check("api.route_selection", "route selection expression", api.route_selection_expression,
                got.get("RouteSelectionExpression"))
    if api.cors is not None and api.api_type == "http":
        c.check("api.cors", "CORS allowed origins", list(api.cors.allow_origins),
                (got.get("CorsConfiguration") or {}).get("AllowOrigins", []))
    integrations = {i["IntegrationId"]: i for i in obs.get("integrations") or ()}
    authorizer_names = {a["AuthorizerId"]: a.get("Name") for a in obs.get("authorizers") or ()}
    for a in api.authorizers:
        found = next((x for x in obs.get("authorizers") or () if x.get("Name") == a.name), None)
        want = "JWT" if a.type == "JWT" else "REQUEST"
        c.check(f"authorizer.{a.name}", f"authorizer {a.name} ({want})", want, found.get("AuthorizerType") if found else None)
    routes = {r["RouteKey"]: r for r in obs.get("routes") or ()}
    for route in api.routes:
        got_route = routes.get(route.key)
        c.check(f"route.{route.key}", f"route {route.key}", True, got_route is not None)
        if got_route is None:
            continue
        c.check(f"route.{route.key}.authorization", f"{route.key}: authorization", route.authorization,
                got_route.get("AuthorizationType"))
        if route.authorization in ("CUSTOM", "JWT"):
            c.check(f"route.{route.key}.authorizer", f"{route.key}: authorizer", route.authorizer_name,
                    authorizer_names.get(got_route.get("AuthorizerId", "")))
        target = str(got_route.get("Target", ""))
        integ = integrations.get(target.removeprefix("integrations/"))
        c.check(f"route.{route.key}.target", f"{route.key}: has its integration", True, integ is not None)
        if integ is None:
            continue
        c.check(f"integration.{route.key}.type", f"{route.key}: integration type", route.integration.type or "MOCK",
                integ.get("IntegrationType"))
        if route.integration.target_kind == "lambda":
            c.check(f"integration.{route.key}.uri", f"{route.key}: Lambda function", route.integration.lambda_arn,
                    integ.get("IntegrationUri"), passed=route.integration.lambda_arn in str(integ.get("IntegrationUri", "")))
        if api.api_type == "http":
            c.check(f"integration.{route.key}.payload", f"{route.key}: payload format version",
                    route.integration.payload_format_version, integ.get("PayloadFormatVersion"))
    for s in api.stages:
        got_stage = obs["stages"].get(s.name)
        c.check(f"stage.{s.name}", f"stage {s.name}", True, got_stage is not None)
        if got_stage is None:
            continue
        auto = s.auto_deploy and api.api_type == "http"
        if auto:
            c.check(f"stage.{s.name}.auto_deploy", f"stage {s.name}: auto-deploy", True, bool(got_stage.get("AutoDeploy")))
        else:
            c.check(f"stage.{s.name}.deployment", f"stage {s.name}: serves the deployment just made",
                    _served(record, s.name), got_stage.get("DeploymentId"))
        c.check(f"stage.{s.name}.variables", f"stage {s.name}: variables", dict(s.variables),
                got_stage.get("StageVariables") or {})
        settings = got_stage.get("DefaultRouteSettings") or {}
        if s.throttle_rate is not None:
            c.check(f"stage.{s.name}.throttle_rate", f"stage {s.name}: throttling rate", float(s.throttle_rate),
                    settings.get("ThrottlingRateLimit"))
        if s.throttle_burst is not None:
            c.check(f"stage.{s.name}.throttle_burst", f"stage {s.name}: throttling burst", s.throttle_burst,
                    settings.get("ThrottlingBurstLimit"))


def _compare_keys_and_plans(c: _Checks, api: ResolvedApi, record: DeploymentRecord, obs: Mapping[str, Any]) -> None:
    if api.api_type == "http":
        return
    for k in api.api_keys:
        got = obs["api_keys"].get(k.name)
        c.check(f"api_key.{k.name}", f"API key {k.name} (enabled {k.enabled})", k.enabled,
                got.get("enabled") if got else None)
    for plan in api.usage_plans:
        got = obs["usage_plans"].get(plan.name)
        c.check(f"usage_plan.{plan.name}", f"usage plan {plan.name}", True, got is not None)
        if got is None:
            continue
        stages = sorted(s["stage"] for s in got.get("apiStages") or ())
        c.check(f"usage_plan.{plan.name}.stages", f"usage plan {plan.name}: stages",
                sorted(s for s in plan.stages if api.stage_named(s)), stages)
        if plan.throttle_rate is not None:
            c.check(f"usage_plan.{plan.name}.rate", f"usage plan {plan.name}: rate limit", float(plan.throttle_rate),
                    (got.get("throttle") or {}).get("rateLimit"))
        if plan.quota_limit is not None:
            c.check(f"usage_plan.{plan.name}.quota", f"usage plan {plan.name}: quota",
                    {"limit": plan.quota_limit, "period": plan.quota_period},
                    {k: (got.get("quota") or {}).get(k) for k in ("limit", "period")})


def _compare_permissions(c: _Checks, api: ResolvedApi, record: DeploymentRecord, obs: Mapping[str, Any]) -> None:
    """Every Lambda permission names this API's execute-api ARN for its route or authorizer."""
    want = desired(api, Context(record.deployment_id, record.region, record.tags))
    for r in want.resources:
        if r.kind != "permission":
            continue
        try:
            source = resolve_refs(r.create.params["SourceArn"], record.ids)
        except KeyError:
            continue
        function = r.create.params["FunctionName"]
        sid = r.create.params["StatementId"]
        statement = next((s for s in obs["policies"].get(function, []) if s.get("Sid") == sid), None)
        actual = None
        if statement is not None:
            actual = next(iter((statement.get("Condition") or {}).get("ArnLike", {}).values()), None)
        c.check(f"permission.{r.key}", r.summary, source, actual)


def verify(target: Target, record: DeploymentRecord) -> list[dict[str, Any]]:
    if not record.design:
        return [{"id": "design", "what": "the record holds the design it deployed", "expected": True, "actual": False,
                 "passed": False}]
    return compare(record.design, record, read_back(target, record))
