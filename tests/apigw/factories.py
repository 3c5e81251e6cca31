"""A plain factory for API Gateway designs used across the apigw tests.

Every ``valid_*`` design passes every rule with no finding at all (a test checks this), so a test can
change one thing and know that any finding comes from that change.
"""

from __future__ import annotations

import copy
from typing import Any

from labs.apigw.model import Design

ACCOUNT = "123456789012"
REGION = "us-east-1"


def lambda_arn(name: str, region: str = REGION) -> str:
    return f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"


class DesignFactory:
    """Builds designs as dicts (easy to tweak) and as ``Design`` objects."""

    def integration(self, kind: str = "lambda_proxy", **fields: Any) -> dict[str, Any]:
        base: dict[str, Any] = {
            "lambda_proxy": {"lambda_arn": lambda_arn("items"), "timeout_ms": 5000},
            "lambda": {
                "lambda_arn": lambda_arn("items"),
                "timeout_ms": 5000,
                "request_templates": {"application/json": '{"id": "$input.params(\'id\')"}'},
                "response_templates": {"application/json": "$input.body"},
            },
            "http_proxy": {"uri": "https://backend.example.com/items", "timeout_ms": 5000},
            "http": {"uri": "https://backend.example.com/items", "timeout_ms": 5000,
                     "request_templates": {"application/json": "$input.body"}},
            "aws": {"service": "dynamodb", "action": "PutItem", "role_arn": f"arn:aws:iam::{ACCOUNT}:role/apigw-ddb",
                    "timeout_ms": 5000, "request_templates": {"application/json": '{"TableName": "Items"}'}},
            "aws_proxy": {"subtype": "EventBridge-PutEvents", "role_arn": f"arn:aws:iam::{ACCOUNT}:role/apigw-eb",
                          "request_parameters": {"Detail": "$request.body", "DetailType": "order", "Source": "shop"}},
            "mock": {},
            "private": {"uri": "http://internal-nlb.example.com/items", "connection_id": "vpclink1", "timeout_ms": 5000},
        }[kind]
        return {"kind": kind, **copy.deepcopy(base), **fields}

    def route(
        self, key: str, kind: str = "lambda_proxy", api_type: str = "rest", integ: dict[str, Any] | None = None, **fields: Any
    ) -> dict[str, Any]:
        """A route dict; ``integ`` overrides integration fields, other keywords are route fields."""
        integration = self.integration(kind, **(integ or {}))
        if api_type == "http" and kind == "lambda_proxy" and "payload_format_version" not in (integ or {}):
            integration["payload_format_version"] = "2.0"
        return {"key": key, "integration": integration, **fields}

    def valid_rest(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "name": "items-api",
            "description": "Items for the shop",
            "api_type": "rest",
            "endpoint_types": ["REGIONAL"],
            "client_retries": True,
            "routes": [
                self.route("GET /items"),
                self.route("POST /items", authorization="AWS_IAM"),
                self.route("GET /items/{id}", authorization="COGNITO_USER_POOLS", authorizer="users", scopes=["items/read"]),
            ],
            "authorizers": [
                {"name": "users", "type": "COGNITO_USER_POOLS",
                 "user_pool_arns": [f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_EXAMPLE"]},
            ],
            "stages": [{"name": "prod", "throttle_rate": 100, "throttle_burst": 200}],
        }

    def valid_http(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "name": "notes-api",
            "description": "Notes for the web app",
            "api_type": "http",
            "client_retries": True,
            "routes": [
                self.route("GET /notes", api_type="http", authorization="JWT", authorizer="jwt", scopes=["notes/read"]),
                self.route("POST /notes", api_type="http", authorization="JWT", authorizer="jwt"),
            ],
            "authorizers": [
                {"name": "jwt", "type": "JWT", "issuer": f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_EXAMPLE",
                 "audience": ["client1"]},
            ],
            "stages": [{"name": "$default", "auto_deploy": True, "throttle_rate": 50, "throttle_burst": 100}],
        }

    def valid_websocket(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "name": "chat",
            "description": "Chat",
            "api_type": "websocket",
            "client_retries": True,
            "route_selection_expression": "$request.body.action",
            "routes": [
                self.route("$connect", authorization="CUSTOM", authorizer="token"),
                self.route("$disconnect"),
                self.route("sendMessage"),
                self.route("$default", kind="mock"),
            ],
            "authorizers": [
                {"name": "token", "type": "REQUEST", "lambda_arn": lambda_arn("auth"),
                 "identity_sources": ["route.request.querystring.token"]},
            ],
            "stages": [{"name": "production", "throttle_rate": 100, "throttle_burst": 50}],
        }

    def valid_dict(self, api_type: str) -> dict[str, Any]:
        return {"rest": self.valid_rest, "http": self.valid_http, "websocket": self.valid_websocket}[api_type]()

    def valid(self, api_type: str) -> Design:
        return Design.from_dict(self.valid_dict(api_type))

    def kitchen_sink_rest(self) -> Design:
        """A REST design using every part OpenAPI can carry (for lossless round-trip tests)."""
        d = self.valid_rest()
        d["api_key_source"] = "HEADER"
        d["version"] = "2.1"
        d["region"] = "eu-west-1"
        d["tags"] = {"team": "shop", "cost-center": "42"}
        d["resource_policy"] = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]}
        d["routes"] += [
            self.route("PUT /items/{id}", kind="lambda", authorization="CUSTOM", authorizer="token",
                       api_key_required=True, request_validator="all", operation_id="replaceItem", summary="Replace"),
            self.route("DELETE /items/{id}", kind="aws", authorization="CUSTOM", authorizer="request"),
            self.route("GET /legacy/{proxy+}", kind="http_proxy", integ={"http_method": "POST"}),
            self.route("PATCH /legacy", kind="http", authorization="AWS_IAM", integ={"responses": [
                {"selection_pattern": "4\\d{2}", "status_code": "400",
                 "templates": {"application/json": '{"error": "$input.path(\'$.message\')"}'}},
                {"selection_pattern": "5\\d{2}", "status_code": "502"}]}),
            self.route("GET /health", kind="mock"),
            self.route("GET /internal", kind="private"),
            self.route("GET /s3/{key}", kind="aws", integ={"service": "s3", "action": "", "service_path": "bucket/{key}",
                       "http_method": "GET"}, authorization="AWS_IAM"),
            self.route("ANY /files/{proxy+}", kind="http_proxy", authorization="AWS_IAM"),
        ]
        d["routes"][3]["integration"]["request_parameters"] = {"integration.request.path.id": "method.request.path.id"}
        d["routes"][3]["integration"]["passthrough_behavior"] = "when_no_templates"
        d["authorizers"] += [
            {"name": "token", "type": "TOKEN", "lambda_arn": lambda_arn("auth", "eu-west-1"), "ttl_seconds": 60},
            {"name": "request", "type": "REQUEST", "lambda_arn": lambda_arn("auth", "eu-west-1"),
             "identity_sources": ["method.request.header.X-Token", "method.request.querystring.user"], "ttl_seconds": 0},
        ]
        d["request_validators"] = [{"name": "all", "validate_body": True, "validate_parameters": True},
                                   {"name": "params", "validate_parameters": True}]
        d["cors"] = {"allow_origins": ["https://shop.example.com"], "allow_headers": ["content-type", "authorization"],
                     "expose_headers": ["x-request-id"], "max_age": 600, "allow_credentials": True}
        return Design.from_dict(d)

    def kitchen_sink_http(self) -> Design:
        d = self.valid_http()
        d["region"] = "eu-west-1"
        d["tags"] = {"team": "notes"}
        d["routes"] += [
            self.route("DELETE /notes/{id}", api_type="http", authorization="CUSTOM", authorizer="lambda"),
            self.route("POST /events", kind="aws_proxy", api_type="http", authorization="AWS_IAM"),
            self.route("GET /vpc/{proxy+}", kind="private", api_type="http",
                       integ={"uri": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/x/1/2"},
                       authorization="AWS_IAM"),
            self.route("$default", kind="http_proxy", api_type="http"),
            self.route("GET /old", api_type="http", authorization="AWS_IAM"),
        ]
        d["routes"][-1]["integration"]["payload_format_version"] = "1.0"
        d["authorizers"].append({"name": "lambda", "type": "REQUEST", "lambda_arn": lambda_arn("auth", "eu-west-1"),
                                 "payload_format_version": "2.0", "simple_responses": True, "ttl_seconds": 300,
                                 "identity_sources": ["$request.header.X-Token"]})
        d["cors"] = {"allow_origins": ["https://notes.example.com"], "allow_methods": ["GET", "POST"],
                     "allow_headers": ["authorization"], "expose_headers": ["x-id"], "max_age": -1}
        return Design.from_dict(d)

    def many_routes(self, api_type: str = "rest", n: int = 300) -> Design:
        d = self.valid_dict(api_type)
        kinds = ["lambda_proxy", "http_proxy", "mock"] if api_type != "http" else ["lambda_proxy", "http_proxy"]
        if api_type == "websocket":
            d["routes"] = [self.route(f"action{i}", kind=kinds[i % len(kinds)]) for i in range(n)]
        else:
            d["routes"] = [
                self.route(f"{'GET' if i % 2 else 'POST'} /r{i // 2}/items/{{id}}", kind=kinds[i % len(kinds)],
                           api_type=api_type, authorization="AWS_IAM")
                for i in range(n)
            ]
            if api_type == "rest":  # 300 routes need fewer than 300 resources: two methods per path
                d["routes"] = [
                    self.route(f"{'GET' if i % 2 else 'POST'} /r{i // 2}", kind=kinds[i % len(kinds)], authorization="AWS_IAM")
                    for i in range(n)
                ]
        return Design.from_dict(d)


factory = DesignFactory()
