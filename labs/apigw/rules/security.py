"""Authorization and authorizers (IAM, Lambda, Cognito, JWT), and routes left open."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import AUTHORIZER_TYPES
from .core import HTTP, REST, WS, Context, Hit, Topic, authorizer_label, route_field
from .sources import AUTHORIZERS, METHOD_AUTHORIZATION, QUOTAS, guide

topic = Topic()

MAX_AUTHORIZERS = 10  # the default of a quota AWS raises through AWS Support
#: The quota's name in each API type's quota table.
AUTHORIZER_QUOTA = {
    "rest": "Authorizers per API (AWS Lambda and Amazon Cognito)",
    "http": "Authorizers per API",
    "websocket": "AWS Lambda authorizers per API",
}
AUTHORIZER_TTL_MAX = 3600
MAX_JWT_SCOPES = 10
MAX_JWT_AUDIENCES = 50
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE", "ANY"})

_AUTH_NEEDS_AUTHORIZER = {
    "CUSTOM": ("TOKEN", "REQUEST"),
    "COGNITO_USER_POOLS": ("COGNITO_USER_POOLS",),
    "JWT": ("JWT",),
}


topic.capability(
    "auth.type-by-api-type",
    "authorization_types",
    {"COGNITO_USER_POOLS": REST, "JWT": HTTP},
    {
        "rest": "{value} authorization is available only on {allowed} APIs. On {a_api} API choose one of {offered} "
        "(to accept JWTs on a REST API, use a Cognito user pool or a Lambda authorizer).",
        "http": "{value} authorization is available only on {allowed} APIs. On {a_api} API choose one of {offered} "
        "(for Cognito tokens on an HTTP API, use a JWT authorizer with the user pool as issuer).",
        "websocket": "{value} authorization is available only on {allowed} APIs. On {a_api} API choose one of "
        "{offered} (a Lambda REQUEST authorizer on $connect can check any token).",
    },
    summary="Authorization types per API type.",
    source=METHOD_AUTHORIZATION,
    lesson="security",
)


topic.capability(
    "authorizer.type-by-api-type",
    "authorizer_types",
    {"TOKEN": REST, "COGNITO_USER_POOLS": REST, "JWT": HTTP},
    "{value} authorizers exist only on {allowed} APIs; {a_api} API offers these authorizer types: {offered}.",
    summary="Authorizer types per API type.",
    source=AUTHORIZERS,
    lesson="lambda-authorizers",
)


@topic.rule(
    "auth.authorizer-missing",
    "error",
    summary="Routes name an existing authorizer.",
    source=METHOD_AUTHORIZATION,
    lesson="security",
)
def authorizer_missing(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        route = pr.route
        if route.authorization not in _AUTH_NEEDS_AUTHORIZER:
            continue
        loc, label = route_field(pr, "authorizer", "authorizer")
        if not route.authorizer:
            yield Hit(loc, label, f"{route.authorization} authorization needs an authorizer; choose one for this route.")
        elif route.authorizer not in ctx.authorizers:
            yield Hit(loc, label, f"There is no authorizer named {route.authorizer!r}; create it or pick an existing one.")


@topic.rule(
    "auth.authorizer-type-match",
    "error",
    summary="Route authorization matches its authorizer type.",
    source=METHOD_AUTHORIZATION,
    lesson="security",
)
def authorizer_type_match(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        route = pr.route
        wanted = _AUTH_NEEDS_AUTHORIZER.get(route.authorization)
        authorizer = ctx.authorizers.get(route.authorizer)
        if wanted and authorizer is not None and authorizer.type in AUTHORIZER_TYPES and authorizer.type not in wanted:
            loc, label = route_field(pr, "authorizer", "authorizer")
            yield Hit(
                loc,
                label,
                f"{route.authorization} authorization needs a {' or '.join(wanted)} authorizer, but "
                f"{authorizer.name!r} is {authorizer.type}. Change the authorization type or the authorizer.",
            )


@topic.rule(
    "auth.websocket-connect-only",
    "error",
    summary="WebSocket authorization only on $connect.",
    source=guide("apigateway-websocket-api-route-keys-connect-disconnect"),
    lesson="websocket",
    api_types=WS,
)
def websocket_auth_connect_only(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        if pr.route.key != "$connect" and pr.route.authorization not in ("", "NONE"):
            loc, label = route_field(pr, "authorization", "authorization")
            yield Hit(
                loc,
                label,
                f"This route asks for {pr.route.authorization} authorization, but WebSocket APIs authorize only on "
                "$connect (the whole connection is then trusted). Set this route's authorization to NONE and "
                "authorize on $connect.",
            )


@topic.rule(
    "auth.scopes",
    "error",
    summary="Scopes only with JWT/Cognito; at most 10.",
    source={
        "rest": METHOD_AUTHORIZATION["rest"],
        "http": guide("http-api-jwt-authorizer"),
        "websocket": METHOD_AUTHORIZATION["websocket"],
    },
    lesson="jwt",
)
def scopes(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        route = pr.route
        if not route.scopes:
            continue
        loc, label = route_field(pr, "scopes", "scopes")
        if route.authorization not in ("JWT", "COGNITO_USER_POOLS"):
            yield Hit(
                loc,
                label,
                "Authorization scopes work only with a JWT or Cognito user pool authorizer, and this route's "
                f"authorization is {route.authorization or 'NONE'}; remove the scopes.",
            )
        elif route.authorization == "JWT" and len(route.scopes) > MAX_JWT_SCOPES:
            yield Hit(loc, label, f"A route can require at most {MAX_JWT_SCOPES} scopes; it has {len(route.scopes)}.")


@topic.rule(
    "authorizer.config-required",
    "error",
    summary="Authorizers have what their type needs.",
    source=AUTHORIZERS,
    lesson="lambda-authorizers",
)
def authorizer_config(ctx: Context) -> Iterator[Hit]:
    for i, a in enumerate(ctx.design.authorizers):
        loc, label = f"authorizers[{i}]", authorizer_label(a.name, i)
        problems: list[str] = []
        if not a.name:
            problems.append("a name")
        if a.type in ("TOKEN", "REQUEST") and not a.lambda_arn:
            problems.append("a Lambda ARN (the authorizer function)")
        if a.type == "TOKEN" and len(a.identity_sources) > 1:
            problems.append(
                f"exactly one identity source, not {len(a.identity_sources)} (a TOKEN authorizer reads one header)"
            )
        if a.type == "COGNITO_USER_POOLS" and not a.user_pool_arns:
            problems.append("at least one user pool ARN")
        if a.type == "JWT":
            if not a.issuer:
                problems.append("a JWT issuer (the token issuer URL)")
            if not a.audience:
                problems.append("a JWT audience (at least one app client ID)")
            elif len(a.audience) > MAX_JWT_AUDIENCES:
                problems.append(f"at most {MAX_JWT_AUDIENCES} audiences, not {len(a.audience)}")
        if a.type == "REQUEST" and ctx.api == "http" and a.payload_format_version not in ("1.0", "2.0"):
            shown = f", not {a.payload_format_version!r}" if a.payload_format_version else ""
            problems.append(
                f"an authorizer payload format version, 1.0 or 2.0{shown} (AWS requires one for HTTP API Lambda "
                "authorizers)"
            )
        if problems:
            kind = f"{a.type} authorizer" if a.type else "authorizer"
            yield Hit(loc, label, f"This {kind} needs {'; '.join(problems)}.")


@topic.rule(
    "authorizer.ttl-range",
    "error",
    summary="Authorizer TTL 0-3600 s.",
    source=AUTHORIZERS,
    lesson="lambda-authorizers",
)
def authorizer_ttl(ctx: Context) -> Iterator[Hit]:
    for i, a in enumerate(ctx.design.authorizers):
        if a.ttl_seconds is not None and not 0 <= a.ttl_seconds <= AUTHORIZER_TTL_MAX:
            yield Hit(
                f"authorizers[{i}].ttl_seconds",
                authorizer_label(a.name, i) + " › result TTL",
                f"The authorizer result TTL must be 0 to {AUTHORIZER_TTL_MAX} seconds (0 turns caching off); "
                f"it is {a.ttl_seconds}.",
            )


@topic.rule(
    "authorizer.duplicate-name",
    "error",
    summary="Authorizer names are unique (app rule).",
    source=AUTHORIZERS,
    lesson="security",
)
def authorizer_duplicate(ctx: Context) -> Iterator[Hit]:
    seen: set[str] = set()
    for i, a in enumerate(ctx.design.authorizers):
        if a.name and a.name in seen:
            yield Hit(
                f"authorizers[{i}].name",
                authorizer_label(a.name, i),
                f"Two authorizers are named {a.name!r}. Routes here refer to authorizers by name (an app rule; "
                "AWS gives each one an ID), so rename one.",
            )
        seen.add(a.name)


@topic.rule(
    "authorizer.count",
    "warning",
    summary="More than 10 authorizers needs a quota increase.",
    source=QUOTAS,
    lesson="quotas",
)
def authorizer_count(ctx: Context) -> Iterator[Hit]:
    n = len(ctx.design.authorizers)
    if n > MAX_AUTHORIZERS:
        yield Hit(
            "authorizers",
            "Authorizers",
            f"The API has {n} authorizers, more than the default '{AUTHORIZER_QUOTA[ctx.api]}' quota of "
            f"{MAX_AUTHORIZERS}. AWS creates them only if the quota is raised for this API (ask AWS Support); "
            "otherwise reuse authorizers across routes.",
        )


@topic.rule(
    "security.write-route-open",
    "warning",
    summary="Write routes have authorization.",
    source={"rest": guide("apigateway-control-access-to-api"), "http": guide("http-api-access-control")},
    lesson="security",
    api_types=frozenset({"rest", "http"}),
)
def write_route_open(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        catch_all = ctx.api == "http" and pr.route.key == "$default"  # takes every method, writes included
        if (pr.method in WRITE_METHODS or catch_all) and pr.route.authorization in ("", "NONE"):
            loc, label = route_field(pr, "authorization", "authorization")
            yield Hit(
                loc,
                label,
                f"Anyone on the internet can call {pr.route.key}, which changes data. Add authorization (IAM, a "
                "Lambda authorizer, Cognito or JWT) unless the route is meant to be public.",
            )
