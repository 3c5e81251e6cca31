"""WebSocket route selection: messages are routed by an expression over the message, not by path."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import split_route_key
from .core import WS, Context, Hit, Topic, route_field
from .sources import WEBSOCKET_ROUTES, v2_api

topic = Topic()


topic.capability(
    "api.route-selection-websocket-only",
    "features",
    {"route_selection": WS},
    "Only WebSocket APIs take a route selection expression; {a_api} API routes by method and path. Clear it.",
    summary="Route selection expressions are WebSocket only.",
    source=v2_api("apis"),
    lesson="route-selection",
)


@topic.rule(
    "websocket.route-selection-required",
    "error",
    summary="A WebSocket API has a route selection expression.",
    source=WEBSOCKET_ROUTES,
    lesson="route-selection",
    misconception="websocket-routes-by-path",
    api_types=WS,
)
def route_selection_required(ctx: Context) -> Iterator[Hit]:
    if not ctx.design.route_selection_expression.strip():
        yield Hit(
            "route_selection_expression",
            "Route selection expression",
            "A WebSocket API needs a route selection expression, e.g. $request.body.action.",
        )


@topic.rule(
    "websocket.route-selection-body",
    "warning",
    summary="Route selection reads the message body.",
    source=WEBSOCKET_ROUTES,
    lesson="route-selection",
    misconception="websocket-routes-by-path",
    api_types=WS,
)
def route_selection_body(ctx: Context) -> Iterator[Hit]:
    expr = ctx.design.route_selection_expression.strip()
    if expr and not (expr.startswith("$request.body.") or expr.startswith("${request.body.")):
        yield Hit(
            "route_selection_expression",
            "Route selection expression",
            f"{expr!r} does not read the message body. WebSocket routes are chosen from the message, usually "
            "with $request.body.action (a field in each JSON message).",
        )


@topic.rule(
    "websocket.route-key-like-path",
    "warning",
    summary="WebSocket route keys are not paths.",
    source=WEBSOCKET_ROUTES,
    lesson="route-selection",
    misconception="websocket-routes-by-path",
    api_types=WS,
)
def websocket_key_like_path(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        method, path = split_route_key(pr.route.key)
        if pr.route.key.startswith("/") or (method and path):
            loc, label = route_field(pr, "key")
            yield Hit(
                loc,
                label,
                f"The route key {pr.route.key!r} looks like a path. WebSocket messages are routed by the route "
                "selection expression (e.g. $request.body.action), so use the action value, e.g. 'sendMessage'.",
            )
