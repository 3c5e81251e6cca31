"""Stages and deployments: names, variables, caching, canary releases, WAF, logging, throttling."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .core import REST, V2, Context, Hit, Topic, stage_label
from .sources import COMPARISON, QUOTAS, REST_WEBSOCKET_NOTES, STAGES, THROTTLING, guide, rest_api

topic = Topic()

CACHE_SIZES = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")  # §2.4
CACHE_TTL_MAX = 3600
MAX_STAGES = 10  # the default of the "Stages per API" quota; raisable
MAX_STAGE_VARIABLES = 100

_STAGE_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")
_STAGE_VAR_NAME = re.compile(r"[A-Za-z0-9_]+")
_STAGE_VAR_VALUE = re.compile(r"[A-Za-z0-9\-._~:/?#&=,]+")


@topic.rule(
    "stage.none",
    "warning",
    summary="The API is deployed to a stage.",
    source={
        "rest": guide("how-to-deploy-api"),
        "http": guide("http-api-stages"),
        "websocket": guide("apigateway-set-up-websocket-deployment"),
    },
    lesson="deployments",
    misconception="rest-changes-live-on-save",
)
def no_stage(ctx: Context) -> Iterator[Hit]:
    if not ctx.design.stages:
        extra = {
            "rest": "Changes to a REST API reach clients only when you deploy them to a stage.",
            "http": "Add a stage, e.g. $default with automatic deployment.",
            "websocket": "Deploy the API to a stage, e.g. production.",
        }[ctx.api]
        yield Hit("stages", "Stages", f"The API has no stage, so nothing is deployed and no one can call it. {extra}")


@topic.rule(
    "stage.deploy-needs-methods",
    "error",
    summary="A REST deployment needs a method.",
    source=guide("how-to-deploy-api"),
    lesson="deployments",
    api_types=REST,
)
def deploy_needs_methods(ctx: Context) -> Iterator[Hit]:
    if ctx.design.stages and not ctx.path_routes:
        yield Hit(
            "routes",
            "Routes",
            "A REST API can't be deployed to a stage until it has at least one method. Add a route.",
        )


@topic.rule(
    "stage.name-syntax",
    "error",
    summary="Stage names: letters, digits, - and _ (HTTP: or $default).",
    source={"rest": REST_WEBSOCKET_NOTES, "http": guide("http-api-stages"), "websocket": REST_WEBSOCKET_NOTES},
    lesson="stages",
)
def stage_name(ctx: Context) -> Iterator[Hit]:
    for i, s in enumerate(ctx.design.stages):
        if ctx.api == "http" and s.name == "$default":
            continue
        if not _STAGE_NAME.fullmatch(s.name):
            allowed = "letters, digits, '-' and '_' (1-128 characters)"
            if ctx.api == "http":
                allowed += ", or exactly $default"
            elif s.name == "$default":
                allowed += "; $default stages exist only for HTTP APIs"
            yield Hit(f"stages[{i}].name", stage_label(s, i), f"The stage name {s.name!r} may contain only {allowed}.")


@topic.rule(
    "stage.duplicate-name",
    "error",
    summary="Stage names are unique.",
    source=STAGES,
    lesson="stages",
)
def stage_duplicate(ctx: Context) -> Iterator[Hit]:
    seen: set[str] = set()
    for i, s in enumerate(ctx.design.stages):
        if s.name in seen:
            yield Hit(
                f"stages[{i}].name",
                stage_label(s, i),
                f"There are two stages named {s.name!r}; stage names are unique per API.",
            )
        seen.add(s.name)


@topic.rule(
    "stage.count",
    "warning",
    summary="More than 10 stages needs a quota increase.",
    source=QUOTAS,
    lesson="quotas",
)
def stage_count(ctx: Context) -> Iterator[Hit]:
    n = len(ctx.design.stages)
    if n > MAX_STAGES:
        yield Hit(
            "stages",
            "Stages",
            f"The API has {n} stages, more than the default 'Stages per API' quota of {MAX_STAGES}. AWS creates "
            "them only if the quota is raised for this API (request it in Service Quotas); otherwise remove the "
            "stages you don't need.",
        )


def _each_stage_variable(ctx: Context) -> Iterator[tuple[str, str, str, str]]:
    for i, s in enumerate(ctx.design.stages):
        for name, value in s.variables.items():
            yield f"stages[{i}].variables.{name}", stage_label(s, i), name, value
        if s.canary is not None:
            for name, value in s.canary.stage_variable_overrides.items():
                yield f"stages[{i}].canary.stage_variable_overrides.{name}", stage_label(s, i) + " › canary", name, value


@topic.rule(
    "stage.variable-name",
    "error",
    summary="Stage variable names: letters, digits, _; at most 64.",
    source=STAGES,
    lesson="stage-variables",
)
def stage_variable_name(ctx: Context) -> Iterator[Hit]:
    for loc, label, name, _ in _each_stage_variable(ctx):
        if not _STAGE_VAR_NAME.fullmatch(name) or len(name) > 64:
            yield Hit(
                loc,
                label,
                f"The stage variable name {name!r} may contain only letters, digits and '_' (at most 64 characters).",
            )


@topic.rule(
    "stage.variable-value",
    "error",
    summary="Stage variable values: allowed characters, 1-512.",
    source=STAGES,
    lesson="stage-variables",
)
def stage_variable_value(ctx: Context) -> Iterator[Hit]:
    for loc, label, name, value in _each_stage_variable(ctx):
        if len(value) > 512:
            yield Hit(loc, label, f"The value of stage variable {name!r} is {len(value)} characters long; at most 512.")
        elif not _STAGE_VAR_VALUE.fullmatch(value):
            shown = "an empty value" if not value else f"the value {value!r}, with characters AWS doesn't accept"
            yield Hit(
                loc,
                label,
                f"Stage variable {name!r} has {shown}: a value is 1 to 512 letters, digits and -._~:/?#&=, "
                "characters (no spaces).",
            )


@topic.rule(
    "stage.variable-count",
    "error",
    summary="At most 100 stage variables.",
    source={"rest": QUOTAS["rest"], "http": QUOTAS["http"]},
    lesson="stage-variables",
    api_types=frozenset({"rest", "http"}),  # the WebSocket quota table lists no stage-variable quota
)
def stage_variable_count(ctx: Context) -> Iterator[Hit]:
    for i, s in enumerate(ctx.design.stages):
        if len(s.variables) > MAX_STAGE_VARIABLES:
            yield Hit(
                f"stages[{i}].variables",
                stage_label(s, i),
                f"A stage can have at most {MAX_STAGE_VARIABLES} variables; this one has {len(s.variables)}.",
            )


topic.capability(
    "stage.cache-rest-only",
    "features",
    {"caching": REST},
    "Caching exists only on REST API stages; {a_api} API has no cache. Turn it off (cache in your backend or "
    "a CloudFront distribution instead).",
    summary="Caching is REST only.",
    source=COMPARISON,
    lesson="caching",
    misconception="http-api-has-rest-features",
)


@topic.rule(
    "stage.cache-size",
    "error",
    summary="Cache sizes from the AWS list.",
    source=rest_api("CreateStage"),
    lesson="caching",
    api_types=REST,
)
def cache_size(ctx: Context) -> Iterator[Hit]:
    for i, s in enumerate(ctx.design.stages):
        if s.cache_size and s.cache_size not in CACHE_SIZES:
            yield Hit(
                f"stages[{i}].cache_size",
                stage_label(s, i) + " › cache size",
                f"Cache size {s.cache_size!r} GB is not offered; choose one of {', '.join(CACHE_SIZES)}.",
            )


@topic.rule(
    "stage.cache-ttl",
    "error",
    summary="Cache TTL 0-3600 s.",
    source=guide("api-gateway-caching"),
    lesson="caching",
    api_types=REST,
)
def cache_ttl(ctx: Context) -> Iterator[Hit]:
    for i, s in enumerate(ctx.design.stages):
        if s.cache_ttl is not None and not 0 <= s.cache_ttl <= CACHE_TTL_MAX:
            yield Hit(
                f"stages[{i}].cache_ttl",
                stage_label(s, i) + " › cache TTL",
                f"The cache TTL must be 0 to {CACHE_TTL_MAX} seconds; it is {s.cache_ttl}.",
            )


topic.capability(
    "stage.canary-rest-only",
    "features",
    {"canary": REST},
    "Canary releases exist only on REST API stages. On {a_api} API, shift traffic another way (for example "
    "Lambda alias weights) or use a REST API.",
    summary="Canary releases are REST only.",
    source=COMPARISON,
    lesson="canary",
    misconception="http-api-has-rest-features",
)


@topic.rule(
    "stage.canary-percent",
    "error",
    summary="Canary traffic 0-100 %.",
    source=guide("canary-release"),
    lesson="canary",
    api_types=REST,
)
def canary_percent(ctx: Context) -> Iterator[Hit]:
    for i, s in enumerate(ctx.design.stages):
        if s.canary is not None and not 0.0 <= s.canary.percent_traffic <= 100.0:
            yield Hit(
                f"stages[{i}].canary.percent_traffic",
                stage_label(s, i) + " › canary traffic",
                f"The canary's share of traffic must be 0 to 100 percent; it is {s.canary.percent_traffic}.",
            )


topic.capability(
    "stage.waf-rest-only",
    "features",
    {"waf": REST},
    "AWS WAF attaches only to REST API stages; {a_api} API can't use a web ACL. Remove it (or put CloudFront "
    "with WAF in front).",
    summary="AWS WAF is REST only.",
    source=COMPARISON,
    lesson="waf",
    misconception="http-api-has-rest-features",
)


topic.capability(
    "stage.auto-deploy-not-rest",
    "features",
    {"auto_deploy": V2},
    "REST API stages have no automatic deployment: you deploy each change to a stage yourself. Turn "
    "automatic deployment off and create a deployment.",
    summary="Automatic deployments are HTTP/WebSocket only.",
    source=COMPARISON,
    lesson="deployments",
    misconception="rest-changes-live-on-save",
)


topic.capability(
    "stage.no-execution-logs-http",
    "features",
    {"execution_logs": frozenset({"rest", "websocket"})},
    "HTTP APIs have no execution logs (only access logs); set the stage's execution logging to OFF.",
    summary="Execution logging is REST/WebSocket only.",
    source=COMPARISON,
    lesson="logging",
)


@topic.rule(
    "stage.throttle-values",
    "error",
    summary="Throttle limits are non-negative.",
    source=THROTTLING,
    lesson="throttling",
)
def throttle_values(ctx: Context) -> Iterator[Hit]:
    for i, s in enumerate(ctx.design.stages):
        for attr in ("throttle_rate", "throttle_burst"):
            value = getattr(s, attr)
            if value is not None and value < 0:
                yield Hit(
                    f"stages[{i}].{attr}",
                    stage_label(s, i),
                    f"{attr.replace('_', ' ').capitalize()} can't be negative ({value}).",
                )


@topic.rule(
    "stage.no-throttling",
    "warning",
    summary="Each stage sets throttling.",
    source=THROTTLING,
    lesson="throttling",
)
def no_throttling(ctx: Context) -> Iterator[Hit]:
    for i, s in enumerate(ctx.design.stages):
        if s.throttle_rate is None and s.throttle_burst is None:
            yield Hit(
                f"stages[{i}].throttle_rate",
                stage_label(s, i) + " › throttling",
                "This stage has no throttling of its own, so one busy client can use the whole account's "
                "request quota (shared by every API in the Region). Set a rate and burst limit.",
            )
