"""Integrations: what each route calls (Lambda, HTTP, AWS services, mock, VPC link), timeouts, payloads."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import LAMBDA_KINDS, PROXY_KINDS
from .core import A_API, HTTP, REST, Context, Hit, Topic, route_field

topic = Topic()

TIMEOUT_MIN_MS = 50
TIMEOUT_DEFAULT_MAX_MS = {"rest": 29_000, "http": 30_000, "websocket": 29_000}  # §2.1
TIMEOUT_RAISED_CEILING_MS = 300_000  # REST regional/private after a quota increase, unofficial [REPOST-300]
HTTP_API_SUBTYPES = (
    "EventBridge-PutEvents",
    "SQS-SendMessage",
    "SQS-ReceiveMessage",
    "SQS-DeleteMessage",
    "SQS-PurgeQueue",
    "AppConfig-GetConfiguration",
    "Kinesis-PutRecord",
    "StepFunctions-StartExecution",
    "StepFunctions-StartSyncExecution",
    "StepFunctions-StopExecution",
)
_URL = re.compile(r"https?://\S+", re.IGNORECASE)


topic.capability(
    "integration.http-api-no-mock",
    "integration_kinds",
    {"mock": frozenset({"rest", "websocket"})},
    "HTTP APIs have no mock integrations (only {allowed} APIs do). Point the route at a Lambda function or "
    "an HTTP backend, or use a REST API.",
    summary="No mock integrations on HTTP APIs.",
    source="[BOTO-V2] CreateIntegration.IntegrationType",
    lesson="mock",
    misconception="http-api-has-mock",
)


topic.capability(
    "integration.http-api-proxy-only",
    "integration_kinds",
    {k: frozenset({"rest", "websocket"}) for k in ("lambda", "http", "aws")},
    "HTTP APIs offer only proxy integrations; a custom {value!r} integration (with mapping templates) exists "
    "only on {allowed} APIs. Use lambda_proxy or http_proxy, or an AWS service integration by subtype.",
    summary="HTTP APIs: proxy integrations only.",
    source="[BOTO-V2] CreateIntegration.IntegrationType; [CMP]",
    lesson="integrations",
    misconception="proxy-allows-mapping-templates",
)


topic.capability(
    "integration.aws-proxy-http-only",
    "integration_kinds",
    {"aws_proxy": HTTP},
    "AWS service integrations by subtype (e.g. EventBridge-PutEvents) exist only on HTTP APIs; on {a_api} "
    "API use an 'aws' service integration with a mapping template.",
    summary="Service integrations by subtype are HTTP API only.",
    source="[DG] http-api-develop-integrations-aws-services-reference.md",
    lesson="aws-service",
)


@topic.rule(
    "integration.target-required",
    "error",
    summary="Each integration names its target.",
    source="[BOTO-V1] PutIntegration; [BOTO-V2] CreateIntegration",
    lesson="integrations",
)
def target_required(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        integ = pr.route.integration
        missing: list[str] = []
        if integ.kind == "":
            loc, label = route_field(pr, "integration.kind", "integration")
            yield Hit(loc, label, "This route has no integration yet. Choose where its requests go.")
            continue
        if integ.kind in LAMBDA_KINDS and not integ.lambda_arn:
            missing.append("lambda_arn (the function ARN)")
        if integ.kind in ("http", "http_proxy") and not integ.uri:
            missing.append("uri (the backend URL)")
        if integ.kind == "aws":
            if not integ.service:
                missing.append("service (e.g. dynamodb)")
            if not (integ.action or integ.service_path):
                missing.append("action (e.g. PutItem) or service_path")
        if integ.kind == "aws_proxy" and not integ.subtype:
            missing.append("subtype (e.g. EventBridge-PutEvents)")
        if integ.kind == "private":
            if not integ.connection_id:
                missing.append("connection_id (the VPC link)")
            if not integ.uri:
                missing.append("uri (the load balancer listener, Cloud Map service or URL)")
        if missing:
            loc, label = route_field(pr, "integration", "integration")
            yield Hit(loc, label, f"This {integ.kind} integration is missing {', '.join(missing)}.")


@topic.rule(
    "integration.uri-format",
    "error",
    summary="HTTP integration URIs are full URLs.",
    source="[EXP-REST] (AWS requires a valid URI)",
    lesson="integrations",
)
def uri_format(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        integ = pr.route.integration
        if not integ.uri:
            continue
        ok = bool(_URL.fullmatch(integ.uri))
        if integ.kind == "private":
            ok = ok or integ.uri.startswith("arn:")
        elif integ.kind not in ("http", "http_proxy"):
            continue
        if not ok:
            loc, label = route_field(pr, "integration.uri", "integration URI")
            what = "an http(s) URL or a listener/Cloud Map ARN" if integ.kind == "private" else "a full http:// or https:// URL"
            yield Hit(loc, label, f"The integration URI {integ.uri!r} must be {what}.")


@topic.rule(
    "integration.aws-needs-role",
    "warning",
    summary="AWS service integrations have a role.",
    source="[BOTO-V1] PutIntegration.credentials; [BOTO-V2] CredentialsArn",
    lesson="aws-service",
)
def aws_needs_role(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        integ = pr.route.integration
        if integ.kind in ("aws", "aws_proxy") and not integ.role_arn:
            loc, label = route_field(pr, "integration.role_arn", "integration role")
            yield Hit(
                loc,
                label,
                "An AWS service integration needs an IAM role that API Gateway assumes to call the service "
                "(integration credentials). Add the role ARN, with a policy allowing only this action.",
            )


@topic.rule(
    "integration.subtype-known",
    "error",
    summary="Integration subtypes are known ones.",
    source="[DG] http-api-develop-integrations-aws-services-reference.md",
    lesson="aws-service",
    api_types=HTTP,
)
def subtype_known(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        integ = pr.route.integration
        if integ.kind == "aws_proxy" and integ.subtype and integ.subtype not in HTTP_API_SUBTYPES:
            loc, label = route_field(pr, "integration.subtype", "integration subtype")
            yield Hit(
                loc,
                label,
                f"{integ.subtype!r} is not an HTTP API integration subtype; use one of {', '.join(HTTP_API_SUBTYPES)}.",
            )


@topic.rule(
    "integration.lambda-post",
    "error",
    summary="Lambda integrations use POST.",
    source="[DG] api-gateway-swagger-extensions-integration.md; [CFN-IO]",
    lesson="lambda-proxy",
)
def lambda_post(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        integ = pr.route.integration
        if integ.kind in LAMBDA_KINDS and integ.http_method not in ("", "POST"):
            loc, label = route_field(pr, "integration.http_method", "integration method")
            yield Hit(
                loc,
                label,
                f"A Lambda integration is always called with POST (the Invoke API), whatever the route's method; "
                f"change the integration method {integ.http_method!r} to POST.",
            )


def _timeout_max(ctx: Context) -> int:
    """The highest timeout AWS can accept for this API (REST regional/private only after a quota raise)."""
    if ctx.api == "rest" and ctx.design.endpoint_type in ("REGIONAL", "PRIVATE"):
        return TIMEOUT_RAISED_CEILING_MS
    return TIMEOUT_DEFAULT_MAX_MS[ctx.api]


@topic.rule(
    "integration.timeout-range",
    "error",
    summary="Timeout 50 ms to 29 s (REST, WebSocket) or 30 s (HTTP).",
    source="[Q-REST]; [Q-HTTP]; [Q-WS]; [BOTO-V1]/[BOTO-V2] timeoutInMillis; [TIMEOUT-2024]",
    lesson="timeout",
    misconception="timeout-always-raisable",
)
def timeout_range(ctx: Context) -> Iterator[Hit]:
    hard_max = _timeout_max(ctx)
    default_max = TIMEOUT_DEFAULT_MAX_MS[ctx.api]
    for pr in ctx.routes:
        t = pr.route.integration.timeout_ms
        if t is None or pr.route.integration.kind == "mock":
            continue
        if t < TIMEOUT_MIN_MS or t > hard_max:
            loc, label = route_field(pr, "integration.timeout_ms", "integration timeout")
            if t < TIMEOUT_MIN_MS:
                why = f"at least {TIMEOUT_MIN_MS} ms"
            elif ctx.api == "rest" and hard_max == default_max:
                why = (
                    f"at most {default_max} ms for an edge-optimized REST API (the raise above 29 s is only for "
                    "regional and private REST APIs)"
                )
            elif ctx.api == "rest":
                why = f"at most {hard_max} ms even with a quota increase"
            else:
                why = f"at most {default_max} ms for {A_API[ctx.api]} API (not increasable)"
            yield Hit(loc, label, f"The integration timeout {t} ms is out of range: it must be {why}.")


@topic.rule(
    "integration.timeout-quota",
    "warning",
    summary="Above 29 s needs a quota increase (REST regional/private).",
    source="[TIMEOUT-2024]",
    lesson="timeout",
    misconception="timeout-always-raisable",
    api_types=REST,
)
def timeout_quota(ctx: Context) -> Iterator[Hit]:
    if ctx.api != "rest" or ctx.design.endpoint_type not in ("REGIONAL", "PRIVATE"):
        return
    for pr in ctx.routes:
        t = pr.route.integration.timeout_ms
        if t is not None and TIMEOUT_DEFAULT_MAX_MS["rest"] < t <= TIMEOUT_RAISED_CEILING_MS:
            loc, label = route_field(pr, "integration.timeout_ms", "integration timeout")
            yield Hit(
                loc,
                label,
                f"{t} ms is above the default 29 000 ms. A regional or private REST API allows it only after you "
                "raise the 'Maximum integration timeout' quota in Service Quotas (it may lower your account's "
                "throttle quota). Keep 29 000 ms unless you have that increase.",
            )


@topic.rule(
    "integration.lambda-no-retry",
    "tip",
    summary="Lambda at the full timeout: plan client retries.",
    source="[DG] http-api-develop-integrations-lambda.md (synchronous invoke); CONTENT.md",
    lesson="retries",
    misconception="lambda-retries",
)
def lambda_no_retry(ctx: Context) -> Iterator[Hit]:
    if ctx.design.client_retries:
        return
    full = TIMEOUT_DEFAULT_MAX_MS[ctx.api]
    hits = [
        pr
        for pr in ctx.routes
        if pr.route.integration.kind in LAMBDA_KINDS
        and (pr.route.integration.timeout_ms is None or pr.route.integration.timeout_ms >= full)
    ]
    if hits:
        loc, label = route_field(hits[0], "integration.timeout_ms", "integration timeout")
        more = f" (and {len(hits) - 1} more Lambda route(s))" if len(hits) > 1 else ""
        yield Hit(
            loc,
            label,
            f"This Lambda integration waits the full {full} ms{more}. API Gateway calls Lambda synchronously "
            "and never retries: on a timeout or error the client gets a 5xx. Set a shorter timeout, make the "
            "operation safe to repeat, and tell clients to retry with backoff (then tick 'clients retry').",
        )


@topic.rule(
    "integration.payload-format",
    "error",
    summary="Payload format version fits the API type.",
    source="[BOTO-V2] CreateIntegration.PayloadFormatVersion; [CLI-EX]; [CFN-IO]",
    lesson="payload-format",
)
def payload_format(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        integ = pr.route.integration
        pfv = integ.payload_format_version
        loc, label = route_field(pr, "integration.payload_format_version", "payload format version")
        if ctx.api == "rest":
            if pfv:
                yield Hit(loc, label, "REST APIs have no payload format version (the event shape is fixed); clear it.")
        elif ctx.api == "http":
            if integ.kind == "lambda_proxy":
                if pfv not in ("1.0", "2.0"):
                    yield Hit(
                        loc,
                        label,
                        "An HTTP API Lambda proxy integration needs a payload format version: 2.0 (recommended) "
                        f"or 1.0{'' if not pfv else f', not {pfv!r}'}.",
                    )
            elif pfv not in ("", "1.0"):
                yield Hit(loc, label, f"Only Lambda proxy integrations can use payload format {pfv!r}; use 1.0 here.")
        elif pfv not in ("", "1.0"):
            yield Hit(
                loc,
                label,
                f"WebSocket integrations use their own event shape; leave the payload format version empty or 1.0, not {pfv!r}.",
            )


@topic.rule(
    "integration.proxy-no-templates",
    "warning",
    summary="No mapping templates on proxy integrations.",
    source="[CMP] (body transformation is for non-proxy integrations)",
    lesson="custom-integrations",
    misconception="proxy-allows-mapping-templates",
)
def proxy_templates(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        integ = pr.route.integration
        if integ.kind in PROXY_KINDS and (integ.request_templates or integ.response_templates):
            loc, label = route_field(pr, "integration.request_templates", "mapping templates")
            yield Hit(
                loc,
                label,
                "Mapping templates have no effect on a proxy integration: the request passes through unchanged. "
                "To transform it, use a custom (non-proxy) integration"
                + (" on a REST or WebSocket API." if ctx.api == "http" else "."),
            )
