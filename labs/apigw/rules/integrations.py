"""Integrations: what each route calls (Lambda, HTTP, AWS services, mock, VPC link), timeouts, payloads."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import LAMBDA_KINDS, PROXY_KINDS
from ..patterns import compile_pattern
from .core import A_API, HTTP, REST, Context, Hit, ParsedRoute, Topic, route_field
from .sources import COMPARISON, INTEGRATIONS, QUOTAS, guide, rest_api, v2_api

topic = Topic()

TIMEOUT_MIN_MS = 50
#: The default maximum integration timeout.  HTTP and WebSocket APIs can't raise it; regional and private
#: REST APIs can, through the "Maximum integration timeout in milliseconds" quota, to a value AWS does not
#: publish, so no rule quotes a ceiling for them.
TIMEOUT_DEFAULT_MAX_MS = {"rest": 29_000, "http": 30_000, "websocket": 29_000}
#: REST response streaming (responseTransferMode STREAM, proxy integrations, any endpoint type): 15 minutes.
TIMEOUT_STREAMING_MAX_MS = 900_000
#: The integrations that can stream a REST response: HTTP_PROXY (incl. over a VPC link) and Lambda AWS_PROXY.
STREAMING_KINDS = frozenset({"lambda_proxy", "http_proxy", "private"})
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
#: A method response's status code, as the API Gateway API models it (StatusCode: pattern ``[1-5]\d\d``).
_STATUS = re.compile(r"[1-5]\d\d")


topic.capability(
    "integration.http-api-no-mock",
    "integration_kinds",
    {"mock": frozenset({"rest", "websocket"})},
    "HTTP APIs have no mock integrations (only {allowed} APIs do). Point the route at a Lambda function or "
    "an HTTP backend, or use a REST API.",
    summary="No mock integrations on HTTP APIs.",
    source=v2_api("apis-apiid-integrations"),
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
    source=v2_api("apis-apiid-integrations"),
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
    source=guide("http-api-develop-integrations-aws-services-reference"),
    lesson="aws-service",
)


@topic.rule(
    "integration.target-required",
    "error",
    summary="Each integration names its target.",
    source=INTEGRATIONS,
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
            missing.append("a target: the Lambda function ARN")
        if integ.kind in ("http", "http_proxy") and not integ.uri:
            missing.append("a target: the backend URL")
        if integ.kind == "aws":
            if not integ.service:
                missing.append("an AWS service (e.g. dynamodb)")
            if not (integ.action or integ.service_path):  # a service path comes only from an imported document
                missing.append("an action (e.g. PutItem)")
        if integ.kind == "aws_proxy" and not integ.subtype:
            missing.append("a subtype (e.g. EventBridge-PutEvents)")
        if integ.kind == "private":
            if not integ.connection_id:
                missing.append("a VPC link id")
            if not integ.uri:
                missing.append("a target: the load balancer listener ARN, Cloud Map service ARN or URL")
        if missing:
            loc, label = route_field(pr, "integration", "integration")
            yield Hit(loc, label, f"This {integ.kind} integration is missing {'; '.join(missing)}.")


@topic.rule(
    "integration.uri-format",
    "error",
    summary="HTTP integration URIs are full URLs.",
    source=INTEGRATIONS,
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
    source=INTEGRATIONS,
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
    source=guide("http-api-develop-integrations-aws-services-reference"),
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
    source=guide("api-gateway-swagger-extensions-integration"),
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
                f"This Lambda integration is called with {integ.http_method!r}, but API Gateway calls Lambda's "
                "Invoke API, which takes POST whatever the route's method. Set the integration method to POST.",
            )


def _rest_raisable(ctx: Context) -> bool:
    """Only regional and private REST APIs can raise the 29 s default (edge-optimized ones can't)."""
    return ctx.design.endpoint_type in ("REGIONAL", "PRIVATE")


def _timeouts(ctx: Context) -> Iterator[tuple[ParsedRoute, int]]:
    for pr in ctx.routes:
        t = pr.route.integration.timeout_ms
        if t is not None and pr.route.integration.kind != "mock":
            yield pr, t


@topic.rule(
    "integration.timeout-range",
    "error",
    summary="Timeouts AWS accepts: from 50 ms; at most 30 s (HTTP), 29 s (WebSocket, edge-optimized REST).",
    source={"rest": rest_api("PutIntegration"), "http": QUOTAS["http"], "websocket": QUOTAS["websocket"]},
    lesson="timeout",
    misconception="timeout-always-raisable",
)
def timeout_range(ctx: Context) -> Iterator[Hit]:
    default_max = TIMEOUT_DEFAULT_MAX_MS[ctx.api]
    for pr, t in _timeouts(ctx):
        loc, label = route_field(pr, "integration.timeout_ms", "integration timeout")
        if t < TIMEOUT_MIN_MS:
            yield Hit(
                loc, label, f"The integration timeout {t} ms is too short: AWS accepts {TIMEOUT_MIN_MS} ms or more."
            )
        elif ctx.api != "rest":
            if t > default_max:
                yield Hit(
                    loc,
                    label,
                    f"The integration timeout {t} ms is too long: {A_API[ctx.api]} API waits at most {default_max} ms "
                    f"for its integration, and that quota can't be raised. Set {default_max} ms or less.",
                )
        elif not _rest_raisable(ctx) and t > default_max:
            if pr.route.integration.kind not in STREAMING_KINDS:
                yield Hit(
                    loc,
                    label,
                    f"The integration timeout {t} ms is too long for an edge-optimized REST API: it waits at most "
                    f"{default_max} ms. Only regional and private REST APIs can raise that quota, and only proxy "
                    f"integrations can stream a longer response. Set {default_max} ms or less, or use a REGIONAL "
                    "endpoint.",
                )
            elif t > TIMEOUT_STREAMING_MAX_MS:
                yield Hit(
                    loc,
                    label,
                    f"The integration timeout {t} ms is too long for an edge-optimized REST API: even a streamed "
                    f"response (response transfer mode STREAM) ends after 15 minutes ({TIMEOUT_STREAMING_MAX_MS} ms), "
                    "and an edge-optimized API can't raise the 29000 ms limit of a buffered one. Set it lower.",
                )


@topic.rule(
    "integration.timeout-quota",
    "warning",
    summary="REST above 29 s: a quota increase (regional/private) or a streamed response.",
    source=QUOTAS["rest"],
    lesson="timeout",
    misconception="timeout-always-raisable",
    api_types=REST,
)
def timeout_quota(ctx: Context) -> Iterator[Hit]:
    default_max = TIMEOUT_DEFAULT_MAX_MS["rest"]
    for pr, t in _timeouts(ctx):
        if t <= default_max:
            continue
        streams = pr.route.integration.kind in STREAMING_KINDS and t <= TIMEOUT_STREAMING_MAX_MS
        loc, label = route_field(pr, "integration.timeout_ms", "integration timeout")
        stream = (
            "this proxy integration streams its response (response transfer mode STREAM, up to 15 minutes)"
        )
        if _rest_raisable(ctx):
            yield Hit(
                loc,
                label,
                f"A {t} ms timeout is above the {default_max} ms default. AWS accepts it on a regional or private "
                "REST API only after you raise the 'Maximum integration timeout in milliseconds' quota in Service "
                "Quotas (which may lower your account's throttle quota)"
                + (f", or if {stream}" if streams else "")
                + f". Without either, keep it at {default_max} ms or less.",
            )
        elif streams:
            yield Hit(
                loc,
                label,
                f"A {t} ms timeout is above the {default_max} ms an edge-optimized REST API allows for a buffered "
                f"response. AWS accepts it only if {stream}; a streamed response on an edge-optimized API is also "
                "cut off after 30 seconds without data.",
            )


@topic.rule(
    "integration.lambda-no-retry",
    "tip",
    summary="Lambda at the full timeout: plan client retries.",
    source="https://docs.aws.amazon.com/lambda/latest/dg/invocation-retries.html",
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
        first = hits[0]
        loc, label = route_field(first, "integration.timeout_ms", "integration timeout")
        t = first.route.integration.timeout_ms
        waits = f"uses the default timeout ({full} ms)" if t is None else f"waits up to {t} ms for Lambda"
        more = f" (and {len(hits) - 1} more Lambda route(s) wait as long)" if len(hits) > 1 else ""
        yield Hit(
            loc,
            label,
            f"This Lambda integration {waits}{more}. API Gateway invokes Lambda synchronously and doesn't retry: "
            "on a timeout or a function error the client gets a 5xx. Set a shorter timeout, make the operation "
            "safe to repeat, and have clients retry with backoff.",
        )


@topic.rule(
    "integration.payload-format",
    "error",
    summary="Payload format version fits the API type.",
    source=v2_api("apis-apiid-integrations"),
    lesson="payload-format",
)
def payload_format(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        integ = pr.route.integration
        pfv = integ.payload_format_version
        loc, label = route_field(pr, "integration.payload_format_version", "payload format version")
        if ctx.api == "rest":
            if pfv:
                yield Hit(
                    loc,
                    label,
                    f"REST APIs have no payload format version (the Lambda event shape is fixed), so {pfv!r} means "
                    "nothing here; remove it.",
                )
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
    source={
        "rest": guide("api-gateway-api-integration-types"),
        "http": COMPARISON,
        "websocket": guide("api-gateway-api-integration-types"),
    },
    lesson="custom-integrations",
    misconception="proxy-allows-mapping-templates",
)
def proxy_templates(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        integ = pr.route.integration
        if integ.kind in PROXY_KINDS and (integ.request_templates or integ.response_templates or integ.responses):
            loc, label = route_field(pr, "integration.request_templates", "mapping templates")
            yield Hit(
                loc,
                label,
                "Mapping templates have no effect on a proxy integration: the request passes through unchanged. "
                "To transform it, use a custom (non-proxy) integration"
                + (" on a REST or WebSocket API." if ctx.api == "http" else "."),
            )


@topic.rule(
    "integration.response-selection",
    "error",
    summary="Each integration response beside the default has its own selection pattern and status.",
    source={
        "rest": rest_api("PutIntegrationResponse"),
        "http": COMPARISON,
        "websocket": v2_api("apis-apiid-integrations-integrationid-integrationresponses"),
    },
    lesson="custom-integrations",
)
def integration_responses(ctx: Context) -> Iterator[Hit]:
    for pr in ctx.routes:
        integ = pr.route.integration
        if not integ.responses or integ.kind in PROXY_KINDS or ctx.api == "http":  # proxy-no-templates says why
            continue
        statuses = {"200": "the default response"}
        patterns: dict[str, int] = {}
        for j, response in enumerate(integ.responses):
            pattern, status = response.selection_pattern, response.status_code.strip()
            loc, label = route_field(pr, f"integration.responses[{j}]", f"integration response #{j + 2}")
            if not pattern.strip():
                yield Hit(loc, label, "Only the default response goes without a selection pattern. Give this one a "
                          "regular expression matched against the backend's HTTP status code (for a custom Lambda "
                          "integration, against the function's errorMessage), e.g. 4\\d{2}.")
            else:
                compiled, problem = compile_pattern(pattern)
                if compiled is None:
                    yield Hit(loc, label, f"The selection pattern {pattern[:80]!r} is not a regular expression this "
                              f"lab can read ({problem}).")
                if pattern in patterns:
                    yield Hit(loc, label, f"Integration response #{patterns[pattern] + 2} has the same selection "
                              f"pattern {pattern!r}, so this one would never be chosen.")
                patterns.setdefault(pattern, j)
            if ctx.api != "rest":
                continue
            if not _STATUS.fullmatch(status):
                yield Hit(loc, label, "Name the method response status this integration response maps to: three "
                          f"digits from 100 to 599, e.g. 400{'' if not status else f', not {status!r}'}.")
            elif status in statuses:
                yield Hit(loc, label, f"Status {status} is already {statuses[status]}'s. A method has one "
                          "integration response per status code, so give each its own.")
            else:
                statuses[status] = f"integration response #{j + 2}"
