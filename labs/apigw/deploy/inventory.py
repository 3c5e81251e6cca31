"""What exists in the account: finding one resource a step may have made, and listing what a deployment left.

* ``find(target, record, step, params)`` answers "did this call take effect?" for a step that was
  started but never recorded as done (a crash, a lost response): by the deployment's tags for the
  things that carry tags (APIs, API keys, usage plans), by name, path, route key or the description
  the deployer wrote for the rest. It returns the response-like dict the step's outputs are read from.
* ``list_tagged(target, deployment_id)`` lists the tagged top-level resources (REST APIs, HTTP and
  WebSocket APIs, API keys, usage plans): everything else the deployer makes lives inside an API.
* ``list_leftovers(target, record)`` is the teardown's proof: the tagged resources, the Lambda
  permissions whose StatementId carries the deployment id, and the log groups API Gateway made for
  the deployment's APIs — each with why it is still there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..resolved import arn_region
from .messages import explain, is_not_found
from .plan import TAG_DEPLOYMENT, Step
from .record import DeploymentRecord
from .target import Target


def _pages(client: Any, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
    if client.can_paginate(operation):
        items: list[dict[str, Any]] = []
        for page in client.get_paginator(operation).paginate(**params):
            items += page.get(key, [])
        return items
    return getattr(client, operation)(**params).get(key, [])


def _tagged(items: list[dict[str, Any]], deployment_id: str, tags_key: str = "tags") -> list[dict[str, Any]]:
    return [i for i in items if (i.get(tags_key) or {}).get(TAG_DEPLOYMENT) == deployment_id]


# --------------------------------------------------------------------------------------------------
# find: did a step's call take effect?
# --------------------------------------------------------------------------------------------------


def _exists(fn: Callable[[], Any]) -> dict[str, Any] | None:
    try:
        return fn()
    except ClientError as exc:
        if is_not_found(exc):
            return None
        raise


def find(target: Target, record: DeploymentRecord, step: Step, params: Mapping[str, Any]) -> dict[str, Any] | None:
    """The resource ``step`` makes, if it exists (a response-like dict), else None."""
    if step.call is None:
        return None
    service, operation = step.call.service, step.call.operation
    c = target.client(service, step.call.region or None)
    known = set(record.ids.values())
    p = dict(params)
    if operation == "create_rest_api":
        found = [a for a in _tagged(_pages(c, "get_rest_apis", "items"), record.deployment_id)
                 if a.get("name") == p.get("name") and a["id"] not in known]
        return found[0] if found else None
    if service == "apigatewayv2" and operation == "create_api":
        found = [a for a in _tagged(_pages(c, "get_apis", "Items"), record.deployment_id, "Tags")
                 if a.get("Name") == p.get("Name") and a["ApiId"] not in known]
        return found[0] if found else None
    if operation == "create_api_key":
        found = [k for k in _tagged(_pages(c, "get_api_keys", "items", nameQuery=p["name"]), record.deployment_id)
                 if k.get("name") == p["name"] and k["id"] not in known]
        return found[0] if found else None
    if operation == "create_usage_plan":
        found = [u for u in _tagged(_pages(c, "get_usage_plans", "items"), record.deployment_id)
                 if u.get("name") == p["name"] and u["id"] not in known]
        return found[0] if found else None
    if operation == "create_resource":
        path = step.key.split(":", 1)[1]
        return next((r for r in _pages(c, "get_resources", "items", restApiId=p["restApiId"]) if r.get("path") == path), None)
    if operation == "put_method":
        return _exists(lambda: c.get_method(restApiId=p["restApiId"], resourceId=p["resourceId"], httpMethod=p["httpMethod"]))
    if operation == "put_integration":
        return _exists(lambda: c.get_integration(restApiId=p["restApiId"], resourceId=p["resourceId"],
                                                 httpMethod=p["httpMethod"]))
    if operation == "put_method_response":
        return _exists(lambda: c.get_method_response(restApiId=p["restApiId"], resourceId=p["resourceId"],
                                                     httpMethod=p["httpMethod"], statusCode=p["statusCode"]))
    if operation == "put_integration_response":
        return _exists(lambda: c.get_integration_response(restApiId=p["restApiId"], resourceId=p["resourceId"],
                                                          httpMethod=p["httpMethod"], statusCode=p["statusCode"]))
    if service == "apigateway" and operation == "create_authorizer":
        return next((a for a in _pages(c, "get_authorizers", "items", restApiId=p["restApiId"]) if a.get("name") == p["name"]),
                    None)
    if operation == "create_request_validator":
        return next((v for v in c.get_request_validators(restApiId=p["restApiId"]).get("items", [])
                     if v.get("name") == p["name"]), None)
    if service == "apigateway" and operation == "create_deployment":
        return next((d for d in _pages(c, "get_deployments", "items", restApiId=p["restApiId"])
                     if d.get("description") == p.get("description")), None)
    if service == "apigateway" and operation == "create_stage":
        return _exists(lambda: c.get_stage(restApiId=p["restApiId"], stageName=p["stageName"]))
    if operation == "create_usage_plan_key":
        return _exists(lambda: c.get_usage_plan_key(usagePlanId=p["usagePlanId"], keyId=p["keyId"]))
    if operation == "add_permission":
        try:
            policy = json.loads(c.get_policy(FunctionName=p["FunctionName"])["Policy"])
        except ClientError as exc:
            if is_not_found(exc):
                return None
            raise
        return next(({"Statement": json.dumps(s)} for s in policy.get("Statement", []) if s.get("Sid") == p["StatementId"]),
                    None)
    if service == "apigatewayv2":
        api = p.get("ApiId")
        if operation == "create_integration":
            return next((i for i in _pages(c, "get_integrations", "Items", ApiId=api)
                         if i.get("Description") == p.get("Description")), None)
        if operation == "create_route":
            return next((r for r in _pages(c, "get_routes", "Items", ApiId=api) if r.get("RouteKey") == p["RouteKey"]), None)
        if operation == "create_authorizer":
            return next((a for a in _pages(c, "get_authorizers", "Items", ApiId=api) if a.get("Name") == p["Name"]), None)
        if operation == "create_deployment":
            return next((d for d in _pages(c, "get_deployments", "Items", ApiId=api)
                         if d.get("Description") == p.get("Description")), None)
        if operation == "create_stage":
            return _exists(lambda: c.get_stage(ApiId=api, StageName=p["StageName"]))
        if operation == "create_integration_response":
            return next((r for r in c.get_integration_responses(ApiId=api, IntegrationId=p["IntegrationId"]).get("Items", [])
                         if r.get("IntegrationResponseKey") == p["IntegrationResponseKey"]), None)
        if operation == "create_route_response":
            return next((r for r in c.get_route_responses(ApiId=api, RouteId=p["RouteId"]).get("Items", [])
                         if r.get("RouteResponseKey") == p["RouteResponseKey"]), None)
    return None  # updates, deletions and associations are safe to run again


# --------------------------------------------------------------------------------------------------
# Listing what a deployment left
# --------------------------------------------------------------------------------------------------


def list_tagged(target: Target, deployment_id: str) -> list[dict[str, Any]]:
    """Top-level resources tagged with this deployment id: {"kind", "id", "name"}."""
    ag = target.client("apigateway")
    v2 = target.client("apigatewayv2")
    out: list[dict[str, Any]] = []
    for a in _tagged(_pages(ag, "get_rest_apis", "items"), deployment_id):
        out.append({"kind": "rest_api", "id": a["id"], "name": a.get("name", "")})
    for a in _tagged(_pages(v2, "get_apis", "Items"), deployment_id, "Tags"):
        out.append({"kind": "v2_api", "id": a["ApiId"], "name": a.get("Name", "")})
    for k in _tagged(_pages(ag, "get_api_keys", "items"), deployment_id):
        out.append({"kind": "api_key", "id": k["id"], "name": k.get("name", "")})
    for u in _tagged(_pages(ag, "get_usage_plans", "items"), deployment_id):
        out.append({"kind": "usage_plan", "id": u["id"], "name": u.get("name", ""),
                    "stages": [f"{s['apiId']}:{s['stage']}" for s in u.get("apiStages") or []]})
    return out


def log_group_prefixes(api_id: str) -> tuple[str, ...]:
    """Where API Gateway writes execution logs: REST ``API-Gateway-Execution-Logs_{id}/{stage}``,
    WebSocket ``/aws/apigateway/{id}/{stage}``."""
    return (f"API-Gateway-Execution-Logs_{api_id}/", f"/aws/apigateway/{api_id}/")


def list_log_groups(target: Target, api_ids: list[str]) -> list[dict[str, Any]]:
    logs = target.client("logs")
    out = []
    for api_id in api_ids:
        for prefix in log_group_prefixes(api_id):
            for group in _pages(logs, "describe_log_groups", "logGroups", logGroupNamePrefix=prefix):
                out.append({"kind": "log_group", "id": group["logGroupName"], "name": group["logGroupName"]})
    return out


def list_permissions(target: Target, deployment_id: str, functions: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Statements in the functions' policies whose StatementId carries the deployment id; and the
    functions that could not be checked (with why)."""
    found, unchecked = [], []
    for function in functions:
        region = arn_region(function) or None
        try:
            policy = json.loads(target.client("lambda", region).get_policy(FunctionName=function)["Policy"])
        except ClientError as exc:
            if is_not_found(exc):
                continue  # no function, or no policy: nothing of ours is there
            unchecked.append(f"{function}: {explain(exc, 'lambda.get_policy')}")
            continue
        except BotoCoreError as exc:
            unchecked.append(f"{function}: {explain(exc, 'lambda.get_policy')}")
            continue
        for statement in policy.get("Statement", []):
            if str(statement.get("Sid", "")).startswith(f"{deployment_id}-"):
                found.append({"kind": "permission", "id": statement["Sid"], "name": function})
    return found, unchecked


def list_leftovers(target: Target, record: DeploymentRecord) -> list[dict[str, Any]]:
    """Everything this deployment made that still exists, each with ``why`` it is there."""
    recorded_ids = {e.get("id") for e in record.state.values()}
    by_id = {record.ids.get(k): k for k in record.ids}
    errors = {e.get("key"): e.get("error", {}).get("plain", "") for e in record.log if e.get("phase") == "failed"}

    def why(item: dict[str, Any]) -> str:
        key = by_id.get(item["id"])
        if key is not None and key in record.state:
            return errors.get(key) or "the record still holds it: its deletion did not finish"
        if item["kind"] == "log_group":
            return "API Gateway made it when it wrote execution logs"
        return ("found by its tags but not in the record: made by a run that stopped before recording it"
                if item["id"] not in recorded_ids else "its deletion did not finish")

    items = list_tagged(target, record.deployment_id)
    items += list_log_groups(target, record.api_ids)
    permissions, unchecked = list_permissions(target, record.deployment_id, record.functions)
    items += permissions
    for item in items:
        item["why"] = why(item) if item["kind"] != "permission" else (
            "the function's policy still has the statement: remove_permission did not finish")
    for text in unchecked:
        items.append({"kind": "unchecked", "id": "", "name": text.split(":", 1)[0], "why": text})
    return items
