"""Endpoint types (edge-optimized, regional, private) and the resource policy a private API needs."""

from __future__ import annotations

from collections.abc import Iterator

from .core import REST, Context, Hit, Topic
from .sources import COMPARISON, guide

topic = Topic()


topic.capability(
    "endpoint.private-rest-only",
    "endpoint_types",
    {"PRIVATE": REST},
    "{value} endpoints exist only for REST APIs; {a_api} API always has a public, regional endpoint. If only "
    "clients in your VPC may call it, make it a REST API with a PRIVATE endpoint, which clients reach through "
    "an interface VPC endpoint for execute-api, and give it a resource policy. A VPC link doesn't make an API "
    "private: it only lets the API reach a backend inside your VPC. Otherwise choose REGIONAL.",
    summary="Private endpoints are REST only.",
    source=COMPARISON,
    lesson="private",
    misconception="private-not-rest-only",
)


topic.capability(
    "endpoint.regional-only",
    "endpoint_types",
    {"EDGE": REST},
    "{value} (edge-optimized) endpoints exist only for REST APIs; {a_api} API is regional only. Choose "
    "REGIONAL (you can still put your own CloudFront distribution in front).",
    summary="HTTP and WebSocket APIs are regional only.",
    source=COMPARISON,
    lesson="regional",
)


@topic.rule(
    "endpoint.single-type",
    "warning",
    summary="One endpoint type (app rule).",
    source=guide("apigateway-api-migration"),
    lesson="choosing-endpoint",
    api_types=REST,
)
def single_endpoint_type(ctx: Context) -> Iterator[Hit]:
    if len(ctx.design.endpoint_types) > 1:
        yield Hit(
            "endpoint_types",
            "Endpoint type",
            f"The design lists {len(ctx.design.endpoint_types)} endpoint types "
            f"({', '.join(ctx.design.endpoint_types)}); choose exactly one. (App rule: AWS types this as a list, "
            "but every AWS example and migration path uses one value.)",
        )


@topic.rule(
    "endpoint.edge-same-region",
    "tip",
    summary="Same-Region clients: regional beats edge-optimized.",
    source=guide("api-gateway-api-endpoint-types"),
    lesson="choosing-endpoint",
    misconception="edge-always-fastest",
    api_types=REST,
)
def edge_same_region(ctx: Context) -> Iterator[Hit]:
    d = ctx.design
    if d.api_type == "rest" and d.endpoint_type == "EDGE" and d.clients == "same-region":
        yield Hit(
            "endpoint_types",
            "Endpoint type",
            "Your clients are in the API's own Region, so an edge-optimized endpoint adds a CloudFront hop "
            "for nothing. Choose REGIONAL (and put your own CloudFront distribution in front if you need one).",
        )


@topic.rule(
    "endpoint.vpc-clients-private",
    "tip",
    summary="VPC-only clients: a private REST API.",
    source=guide("apigateway-private-apis"),
    lesson="private",
    misconception="private-not-rest-only",
)
def vpc_clients_private(ctx: Context) -> Iterator[Hit]:
    d = ctx.design
    if d.clients == "vpc" and d.endpoint_type != "PRIVATE":
        yield Hit(
            "endpoint_types",
            "Endpoint type",
            "Your clients are inside a VPC. If the API must be reachable only from there, use a REST API with "
            "a PRIVATE endpoint (private endpoints are REST only) and a resource policy.",
        )


topic.capability(
    "policy.rest-only",
    "features",
    {"resource_policy": REST},
    "Resource policies exist only for REST APIs; {a_api} API has none. Remove it and control access with "
    "authorization (IAM, authorizers) instead.",
    summary="Resource policies are REST only.",
    source=guide("apigateway-resource-policies"),
    lesson="resource-policy",
)


@topic.rule(
    "policy.private-needs-policy",
    "error",
    summary="A private API has a resource policy.",
    source=guide("apigateway-private-apis"),
    lesson="private-policy",
    misconception="private-needs-no-policy",
    api_types=REST,
)
def private_needs_policy(ctx: Context) -> Iterator[Hit]:
    d = ctx.design
    if d.api_type == "rest" and d.endpoint_type == "PRIVATE" and not d.resource_policy:
        yield Hit(
            "resource_policy",
            "Resource policy",
            "A PRIVATE API without a resource policy denies every call. Add a resource policy that allows "
            "execute-api:Invoke from your VPC endpoint (aws:SourceVpce) or VPC.",
        )
