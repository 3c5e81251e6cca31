"""Routes: their keys, methods and paths (REST resources and HTTP routes), and how many there are."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import HTTP_METHODS, WEBSOCKET_PREDEFINED_ROUTES
from .core import REST, Context, Hit, Topic, route_field
from .sources import HTTP_ROUTES, QUOTAS, REST_NOTES, REST_RESOURCES, REST_WEBSOCKET_NOTES, ROUTES, guide

topic = Topic()

MAX_ROUTES = 300  # the default of the "Resources per API" (REST) and "Routes per API" quotas; raisable
#: "Path segments can only contain alphanumeric characters, underscores, hyphens, periods, commas,
#: colons, and curly braces" (AWS, important notes for REST APIs); braces are checked as parameters.
_REST_PATH_PART = re.compile(r"[A-Za-z0-9_\-.,:]+")
_REST_PATH_CHAR = re.compile(r"[A-Za-z0-9_\-.,:]")
_VARIABLE_PART = re.compile(r"\{([A-Za-z0-9._-]+)(\+?)\}")


@topic.rule(
    "route.count",
    "warning",
    summary="More than 300 routes (REST: resources) needs a quota increase.",
    source=QUOTAS,
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
                f"These routes need {len(resources)} resources, more than the default 'Resources per API' quota of "
                f"{MAX_ROUTES}. AWS creates them only if the quota is raised for this API (request it in Service "
                "Quotas); otherwise merge routes, for example under a {proxy+} resource.",
            )
    elif len(d.routes) > MAX_ROUTES:
        yield Hit(
            "routes",
            "Routes",
            f"The API has {len(d.routes)} routes, more than the default 'Routes per API' quota of {MAX_ROUTES}. "
            "AWS creates them only if the quota is raised for this API (request it in Service Quotas); otherwise "
            "merge routes or split the API.",
        )


@topic.rule(
    "route.key-syntax",
    "error",
    summary="Route keys have the form the API type expects.",
    source=ROUTES,
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
    source={"rest": REST_RESOURCES, "http": HTTP_ROUTES},
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
    source={"rest": REST_NOTES, "http": HTTP_ROUTES},
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
                bad = ", ".join(repr(c) for c in dict.fromkeys(c for c in part if not _REST_PATH_CHAR.fullmatch(c)))
                yield Hit(
                    loc,
                    label,
                    f"The path part {part!r} contains {bad}, which a REST resource can't use: a path part may "
                    "contain only letters, digits, '_', '-', '.', ',' and ':' (or be a whole {parameter}). "
                    "Rename it.",
                )
                break


@topic.rule(
    "route.path-param-whole-segment",
    "error",
    summary="Path parameters are whole segments.",
    source={"rest": REST_NOTES, "http": HTTP_ROUTES},
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
    source={"rest": guide("api-gateway-set-up-simple-proxy"), "http": HTTP_ROUTES},
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
    source=REST_RESOURCES,
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
    source=REST_WEBSOCKET_NOTES,
    lesson="api-types",
    api_types=REST,  # AWS documents the reserved paths for REST (and WebSocket) APIs, not for HTTP APIs
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
    source=ROUTES,
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
