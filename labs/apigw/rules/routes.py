"""Routes: their keys, methods and paths (REST resources and HTTP routes), and how many there are."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import HTTP_METHODS, WEBSOCKET_PREDEFINED_ROUTES
from .core import A_API, REST, Context, Hit, Topic, route_field

topic = Topic()

MAX_ROUTES = 300
_REST_PATH_PART = re.compile(r"[A-Za-z0-9._:-]+")
_VARIABLE_PART = re.compile(r"\{([A-Za-z0-9._-]+)(\+?)\}")


@topic.rule(
    "route.count",
    "error",
    summary="At most 300 routes (resources for REST).",
    source="[Q-REST]; [Q-HTTP]; [Q-WS]",
    lesson="quotas",
)
def route_count(ctx: Context) -> Iterator[Hit]:
    d = ctx.design
    if d.api_type == "rest":
        resources = {"/".join(pr.segments[: n + 1]) for pr in ctx.path_routes for n in range(len(pr.segments))}
        if len(resources) > MAX_ROUTES:
            yield Hit(
                "routes",
                "Routes",
                f"These routes need {len(resources)} resources; a REST API has at most {MAX_ROUTES} by default. "
                "Merge routes (for example with a {proxy+} resource) or request a quota increase.",
            )
    elif len(d.routes) > MAX_ROUTES:
        yield Hit(
            "routes",
            "Routes",
            f"The API has {len(d.routes)} routes; {A_API[d.api_type]} API has at most {MAX_ROUTES}. "
            "Merge routes or split the API.",
        )


@topic.rule(
    "route.key-syntax",
    "error",
    summary="Route keys have the form the API type expects.",
    source="[DG] http-api-develop-routes.md, websocket-api-develop-routes.md; [BOTO-V2]",
    lesson="api-types",
)
def route_key_syntax(ctx: Context) -> Iterator[Hit]:
    api = ctx.api
    for pr in ctx.routes:
        key = pr.route.key
        loc, label = route_field(pr, "key")
        if api == "websocket":
            if not key.strip():
                yield Hit(loc, label, "The route key is empty. Use $connect, $disconnect, $default or a custom key.")
            elif key.startswith("$") and key not in WEBSOCKET_PREDEFINED_ROUTES:
                yield Hit(
                    loc,
                    label,
                    f"Custom route keys must not start with '$' ({key!r}); only $connect, $disconnect and "
                    "$default do. Rename it, for example to " + repr(key.lstrip("$") or "sendMessage") + ".",
                )
            continue
        if api == "http" and key == "$default":
            continue
        if not pr.path or "  " in key or key != key.strip():
            expected = '"METHOD /path" or "$default"' if api == "http" else '"METHOD /path"'
            yield Hit(
                loc,
                label,
                f"The route key {key!r} is not of the form {expected}: a method, one space, then a path starting "
                "with '/', e.g. 'GET /orders/{id}'.",
            )


@topic.rule(
    "route.method",
    "error",
    summary="Methods are GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY.",
    source="[DG] api-gateway-method-settings-method-request.md, http-api-develop-routes.md",
    lesson="api-types",
    api_types=frozenset({"rest", "http"}),
)
def route_method(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.path_routes:
        if pr.method not in HTTP_METHODS:
            loc, label = route_field(pr, "key", "method")
            hint = f" Did you mean {pr.method.upper()}?" if pr.method.upper() in HTTP_METHODS else ""
            yield Hit(
                loc,
                label,
                f"{pr.method!r} is not a method API Gateway accepts; use one of {', '.join(HTTP_METHODS)} "
                f"(upper case).{hint}",
            )


@topic.rule(
    "route.path-part-syntax",
    "error",
    summary="Path parts use allowed characters.",
    source="[ISSUE-CLAUDIA]; [ISSUE-CDK-COLON]; [NOTES]",
    lesson="api-types",
    api_types=frozenset({"rest", "http"}),
)
def path_part_syntax(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.path_routes:
        for part in pr.segments:
            if part == "":
                loc, label = route_field(pr, "key", "path")
                yield Hit(loc, label, f"The path {pr.path!r} has an empty segment (a doubled or trailing '/'). Remove it.")
                break
            if "{" in part or "}" in part:
                continue  # variables are checked by route.path-param-whole-segment
            if ctx.api == "rest" and not _REST_PATH_PART.fullmatch(part):
                loc, label = route_field(pr, "key", "path")
                yield Hit(
                    loc,
                    label,
                    f"The path part {part!r} may only contain letters, digits, '.', '_', '-' and ':'. "
                    "Rename it (AWS: \"Resource's path part only allow a-zA-Z0-9._- and curly braces at the "
                    'beginning and the end").',
                )
                break


@topic.rule(
    "route.path-param-whole-segment",
    "error",
    summary="Path parameters are whole segments.",
    source="[NOTES]",
    lesson="api-types",
    api_types=frozenset({"rest", "http"}),
)
def path_param_whole_segment(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.path_routes:
        for part in pr.segments:
            if ("{" in part or "}" in part) and not _VARIABLE_PART.fullmatch(part):
                loc, label = route_field(pr, "key", "path")
                yield Hit(
                    loc,
                    label,
                    f"The path part {part!r} mixes a parameter with other text or is malformed. A path parameter "
                    "must be a whole segment with a simple name, e.g. /orders/{id} (not /orders{id}).",
                )
                break


@topic.rule(
    "route.greedy-last",
    "error",
    summary="{proxy+} is last; it has no children.",
    source="[DG] api-gateway-method-settings-method-request.md, http-api-develop-routes.md; [LOCALSTACK]",
    lesson="api-types",
    api_types=frozenset({"rest", "http"}),
)
def greedy_last(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.path_routes:
        for n, part in enumerate(pr.segments):
            m = _VARIABLE_PART.fullmatch(part)
            if m and m.group(2) and n != len(pr.segments) - 1:
                loc, label = route_field(pr, "key", "path")
                yield Hit(
                    loc,
                    label,
                    f"The greedy parameter {part} must be the last part of the path; a {{proxy+}} resource "
                    "can't have child resources. Move the route's other parts before it.",
                )
                break


@topic.rule(
    "route.one-variable-child",
    "error",
    summary="At most one variable child per REST resource.",
    source="[ISSUE-SNJ-206]; [ISSUE-SLS-3075]; [ISSUE-IMPORTER-202]",
    lesson="api-types",
    api_types=REST,
)
def one_variable_child(ctx: Context) -> Iterator[Hit]:
    """REST: at most one variable child per resource ("A sibling ({id}) ... only one is allowed")."""
    seen: dict[str, str] = {}
    for pr in ctx.path_routes:
        for n, part in enumerate(pr.segments):
            m = _VARIABLE_PART.fullmatch(part)
            if not m:
                continue
            parent = "/" + "/".join(pr.segments[:n])
            first = seen.setdefault(parent, part)
            if first != part:
                loc, label = route_field(pr, "key", "path")
                yield Hit(
                    loc,
                    label,
                    f"Under {parent} there is already the variable part {first}; a resource can have only one "
                    f"variable child, so {part} is rejected. Reuse {first} at this level.",
                )
                break


@topic.rule(
    "route.reserved-path",
    "tip",
    summary="/ping and /sping at the root are reserved.",
    source="[NOTES]",
    lesson="api-types",
    api_types=frozenset({"rest", "http"}),
)
def reserved_paths(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.path_routes:
        if pr.segments[:1] in (("ping",), ("sping",)):
            loc, label = route_field(pr, "key", "path")
            yield Hit(
                loc,
                label,
                f"/{pr.segments[0]} at the root is reserved by API Gateway for its own health checks, so this route "
                "won't work through a custom domain name. Use another path, e.g. /health.",
            )


@topic.rule(
    "route.duplicate",
    "error",
    summary="Each route key appears once.",
    source="[ISSUE-SLS-2730]; [EXP-V2]",
    lesson="api-types",
)
def duplicate_routes(ctx: Context) -> Iterator[Hit]:
    seen: dict[str, int] = {}
    for pr in ctx.routes:
        key = pr.route.key.strip()
        if not key:
            continue
        if key in seen:
            loc, label = route_field(pr, "key")
            yield Hit(loc, label, f"Route {key!r} is defined twice (also route #{seen[key] + 1}). Remove one.")
        else:
            seen[key] = pr.index
