"""Request validation (request validators on REST methods)."""

from __future__ import annotations

from collections.abc import Iterator

from .core import REST, Context, Hit, Topic, route_field

topic = Topic()


topic.capability(
    "validator.rest-only",
    "features",
    {"request_validation": REST},
    "Request validators exist only on REST APIs. {api} APIs don't validate requests this way; remove it "
    "(and validate in your backend).",
    summary="Request validators are REST only.",
    source="[CMP]; [DG] http-api-open-api.md, websocket-api-request-validation.md",
    lesson="request-validation",
)


@topic.rule(
    "validator.unknown-ref",
    "error",
    summary="Routes name an existing request validator.",
    source="[BOTO-V1] PutMethod.requestValidatorId",
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
