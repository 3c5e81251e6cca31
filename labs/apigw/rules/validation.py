"""Request validation (request validators on REST methods)."""

from __future__ import annotations

from collections.abc import Iterator

from .core import REST, Context, Hit, Topic, route_field
from .sources import COMPARISON, guide

topic = Topic()


topic.capability(
    "validator.rest-only",
    "features",
    {"request_validation": REST},
    {
        "http": "Request validators exist only on REST APIs, and HTTP APIs don't validate requests at all. "
        "Remove it and validate the request in your backend (or use a REST API).",
        "websocket": "Request validators exist only on REST APIs. A WebSocket API validates a message against "
        "its route's request model instead: a JSON schema, chosen by the route's model selection expression. "
        "Remove the validator here.",
    },
    summary="Request validators are REST only (WebSocket APIs validate with route request models).",
    source={"http": COMPARISON, "websocket": guide("websocket-api-request-validation")},
    lesson="request-validation",
)


@topic.rule(
    "validator.unknown-ref",
    "error",
    summary="Routes name an existing request validator.",
    source=guide("api-gateway-method-request-validation"),
    lesson="request-validation",
    api_types=REST,
)
def validator_refs(ctx: Context) -> Iterator[Hit]:
    names = {v.name for v in ctx.design.request_validators}
    for pr in ctx.routes:
        if pr.route.request_validator and pr.route.request_validator not in names:
            loc, label = route_field(pr, "request_validator", "request validator")
            yield Hit(
                loc,
                label,
                f"There is no request validator named {pr.route.request_validator!r}; create it or pick another.",
            )
