"""CORS: REST answers preflights with OPTIONS methods, HTTP APIs with a CORS configuration."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import PROXY_KINDS
from .core import HTTP, REST, Context, Hit, Topic, route_field
from .sources import HTTP_CORS, REST_CORS, v2_api

topic = Topic()

CORS_MAX_AGE_RANGE = (-1, 86_400)


topic.capability(
    "cors.not-websocket",
    "features",
    {"cors": frozenset({"rest", "http"})},
    "CORS applies to HTTP requests; a WebSocket API has no CORS configuration. Remove it.",
    summary="No CORS on WebSocket APIs.",
    source=v2_api("apis"),
    lesson="cors",
)


def _cors_wildcard_with_credentials(ctx: Context) -> bool:
    cors = ctx.design.cors
    return cors is not None and cors.allow_credentials and (not cors.allow_origins or "*" in cors.allow_origins)


@topic.rule(
    "cors.credentials-wildcard",
    "error",
    summary="HTTP API: no credentials with '*' origin.",
    source=HTTP_CORS,
    lesson="cors",
    api_types=HTTP,
)
def cors_credentials_http(ctx: Context) -> Iterator[Hit]:
    if _cors_wildcard_with_credentials(ctx):
        yield Hit(
            "cors.allow_credentials",
            "CORS › allow credentials",
            "Credentials are allowed, but the allowed origins "
            + ("include '*'" if ctx.design.cors and ctx.design.cors.allow_origins else "are empty (any origin)")
            + ". AWS rejects that (\"allow-credentials is not supported if 'allow-origin' is *\"). List your exact "
            "origins, e.g. https://app.example.com.",
        )


@topic.rule(
    "cors.credentials-wildcard-rest",
    "warning",
    summary="REST API: credentials with '*' origin fail in browsers.",
    source=REST_CORS,
    lesson="cors",
    api_types=REST,
)
def cors_credentials_rest(ctx: Context) -> Iterator[Hit]:
    if _cors_wildcard_with_credentials(ctx):
        yield Hit(
            "cors.allow_credentials",
            "CORS › allow credentials",
            "Credentials are allowed, but the allowed origin "
            + ("is '*'" if ctx.design.cors and ctx.design.cors.allow_origins else "is empty, which means '*'")
            + ". Browsers refuse a '*' origin on credentialed calls, so they will fail even though the API deploys. "
            "Set the exact origin, e.g. https://app.example.com.",
        )


@topic.rule(
    "cors.max-age-range",
    "error",
    summary="CORS max age -1 to 86400.",
    source=v2_api("apis-apiid-cors"),
    lesson="cors",
    api_types=HTTP,
)
def cors_max_age(ctx: Context) -> Iterator[Hit]:
    cors = ctx.design.cors
    low, high = CORS_MAX_AGE_RANGE
    if cors is not None and cors.max_age is not None and not low <= cors.max_age <= high:
        yield Hit("cors.max_age", "CORS › max age", f"Max age must be {low} to {high} seconds; it is {cors.max_age}.")


@topic.rule(
    "cors.rest-single-origin",
    "warning",
    summary="REST CORS headers carry one origin.",
    source=REST_CORS,
    lesson="cors",
    api_types=REST,
)
def cors_rest_single_origin(ctx: Context) -> Iterator[Hit]:
    cors = ctx.design.cors
    if cors is not None and len(cors.allow_origins) > 1:
        yield Hit(
            "cors.allow_origins",
            "CORS › allowed origins",
            f"You listed {len(cors.allow_origins)} origins ({', '.join(cors.allow_origins)}), but a REST API sends "
            "CORS headers as fixed values, and Access-Control-Allow-Origin holds one origin. Keep one origin, or "
            "return the matching origin from your backend (proxy integrations).",
        )


@topic.rule(
    "cors.rest-proxy-backend",
    "tip",
    summary="REST CORS with proxy integrations: the backend adds the headers.",
    source=REST_CORS,
    lesson="cors",
    api_types=REST,
)
def cors_rest_proxy(ctx: Context) -> Iterator[Hit]:
    if ctx.design.cors is None:
        return
    proxies = [pr for pr in ctx.routes if pr.route.integration.kind in PROXY_KINDS]
    if proxies:
        loc, label = route_field(proxies[0], "integration.kind", "integration")
        yield Hit(
            loc,
            label,
            "The OPTIONS preflight is answered by API Gateway, but with a proxy integration your backend must "
            "add Access-Control-Allow-Origin to its own responses (API Gateway passes them through unchanged).",
        )


@topic.rule(
    "cors.http-authorized-catch-all",
    "warning",
    summary="Authorized catch-all route needs an open OPTIONS route.",
    source=HTTP_CORS,
    lesson="cors",
    api_types=HTTP,
)
def cors_http_authorizer_preflight(ctx: Context) -> Iterator[Hit]:
    if ctx.design.cors is None:
        return
    open_options = any(
        pr.method == "OPTIONS" and pr.route.authorization in ("", "NONE") for pr in ctx.path_routes
    )
    for pr in ctx.routes:
        catch_all = pr.route.key == "$default" or (pr.method == "ANY" and pr.path.endswith("+}"))
        if catch_all and pr.route.authorization not in ("", "NONE") and not open_options:
            loc, label = route_field(pr, "authorization", "authorization")
            yield Hit(
                loc,
                label,
                "Browsers send CORS preflight (OPTIONS) requests without credentials, and this catch-all route "
                "requires authorization, so preflights fail. Add an 'OPTIONS /{proxy+}' route with no authorization.",
            )
