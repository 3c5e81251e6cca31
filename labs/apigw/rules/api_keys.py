"""API keys and usage plans (REST, and WebSocket on $connect)."""

from __future__ import annotations

from collections.abc import Iterator

from .core import WS, Context, Hit, Topic, route_field
from .sources import COMPARISON, USAGE_PLANS, WEBSOCKET_ROUTES, guide

topic = Topic()


topic.capability(
    "apikey.not-on-http",
    "features",
    {"api_keys": frozenset({"rest", "websocket"})},
    "HTTP APIs have no API keys or usage plans (REST APIs have them; WebSocket APIs on $connect). Remove "
    "it, and throttle the stage or use a REST API for per-client quotas.",
    summary="No API keys or usage plans on HTTP APIs.",
    source=COMPARISON,
    lesson="api-keys",
    misconception="http-api-has-rest-features",
)


@topic.rule(
    "apikey.websocket-connect-only",
    "error",
    summary="WebSocket API keys only on $connect.",
    source=WEBSOCKET_ROUTES,
    lesson="api-keys",
    api_types=WS,
)
def api_key_connect_only(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        if pr.route.api_key_required and pr.route.key != "$connect":
            loc, label = route_field(pr, "api_key_required", "API key required")
            yield Hit(
                loc,
                label,
                f"This route ({pr.route.key}) requires an API key, but on a WebSocket API an API key can be required "
                "only on the $connect route; move it there.",
            )


@topic.rule(
    "apikey.required-without-plan",
    "warning",
    summary="Required API keys come with a usage plan.",
    source=guide("api-gateway-api-usage-plans"),
    lesson="api-keys",
    api_types=frozenset({"rest", "websocket"}),
)
def api_key_without_plan(ctx: Context) -> Iterator[Hit]:
    d = ctx.design
    if not any(r.api_key_required for r in d.routes):
        return
    if not any(p.api_keys and p.stages for p in d.usage_plans):
        first = next(pr for pr in ctx.routes if pr.route.api_key_required)
        loc, label = route_field(first, "api_key_required", "API key required")
        yield Hit(
            loc,
            label,
            "Routes require an API key, but no usage plan links an API key to a stage, so every call is refused "
            "(403). Add a usage plan with the stage and at least one key.",
        )


@topic.rule(
    "usageplan.refs",
    "error",
    summary="Usage plans name existing stages and keys.",
    source=USAGE_PLANS,
    lesson="api-keys",
    api_types=frozenset({"rest", "websocket"}),
)
def usage_plan_refs(ctx: Context) -> Iterator[Hit]:
    keys = {k.name for k in ctx.design.api_keys}
    for i, p in enumerate(ctx.design.usage_plans):
        for j, stage in enumerate(p.stages):
            if stage not in ctx.stage_names:
                yield Hit(
                    f"usage_plans[{i}].stages[{j}]",
                    f"Usage plan {p.name!r}",
                    f"There is no stage named {stage!r}; add it or remove it from the plan.",
                )
        for j, key in enumerate(p.api_keys):
            if key not in keys:
                yield Hit(
                    f"usage_plans[{i}].api_keys[{j}]",
                    f"Usage plan {p.name!r}",
                    f"There is no API key named {key!r}; create it or remove it from the plan.",
                )


@topic.rule(
    "usageplan.values",
    "error",
    summary="Usage plan limits are non-negative; quotas have a period.",
    source=USAGE_PLANS,
    lesson="api-keys",
    api_types=frozenset({"rest", "websocket"}),
)
def usage_plan_values(ctx: Context) -> Iterator[Hit]:
    for i, p in enumerate(ctx.design.usage_plans):
        label = f"Usage plan {p.name!r}"
        for attr in ("throttle_rate", "throttle_burst", "quota_limit"):
            value = getattr(p, attr)
            if value is not None and value < 0:
                yield Hit(f"usage_plans[{i}].{attr}", label, f"{attr.replace('_', ' ').capitalize()} can't be negative ({value}).")
        if p.quota_limit is not None and not p.quota_period:
            yield Hit(
                f"usage_plans[{i}].quota_period",
                label,
                f"A quota of {p.quota_limit} requests needs a period: DAY, WEEK or MONTH.",
            )
