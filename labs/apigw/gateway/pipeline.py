"""The handler list, in API Gateway's order, and the function that runs a request through it.

``handle(...)`` is a pure function of the deployment(s), the stage, the request, the arrival time on the
virtual clock and the seed, plus the explicit ``State`` it reads and updates (buckets, caches,
connections, tables). Each handler appends its own trace step as it runs; the trace is never rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from . import auth, handlers, integration
from .context import Ctx
from .core import GatewayError, Request, Response
from .deployment import Deployment, StageState
from .state import State

Handler = Callable[[Ctx], None]

#: REST and HTTP requests, in API Gateway's order. A handler that answers early sets ``ctx.response``.
REQUEST_HANDLERS: tuple[Handler, ...] = (
    handlers.stage,
    handlers.request_limits,
    handlers.endpoint_and_policy,
    handlers.route,
    handlers.cors_preflight,
    auth.authorization,
    handlers.api_key,
    handlers.throttling,
    handlers.validation,
    handlers.cache,
    integration.integration_request,
    integration.integration,
    integration.integration_response,
    integration.method_response,
    handlers.cache_store,
)
#: Run on every response, the gateway's own errors included.
RESPONSE_HANDLERS: tuple[Handler, ...] = (handlers.cors_headers, handlers.finish)


def run(ctx: Ctx, request_handlers: tuple[Handler, ...] = REQUEST_HANDLERS) -> Response:
    try:
        for handler in request_handlers:
            if ctx.response is not None and handler not in (integration.method_response, handlers.cache_store,
                                                            integration.integration_response):
                continue
            handler(ctx)
    except GatewayError as error:
        ctx.error_type = error.response_type
        ctx.response = {"status": error.status, "headers": dict(error.headers), "body": error.body}
    if ctx.response is None:  # a draft with nothing to run
        ctx.response = {"status": 500, "headers": {}, "body": ""}
    for handler in RESPONSE_HANDLERS:
        handler(ctx)
    ctx.state.trim()
    r = ctx.response
    return Response(status=int(r["status"]), headers=dict(r["headers"]), body=r.get("body") or "", arm=ctx.arm,
                    trace=tuple(ctx.trace), request_id=ctx.request_id, seed=ctx.seed,
                    latency_ms=round(ctx.elapsed_ms, 3), error_type=ctx.error_type, deployment_id=ctx.deployment.id,
                    at_ms=ctx.at_ms)


def handle(deployments: Mapping[str, Deployment], stage: StageState, request: Request, state: State, *,
           at_ms: float, seed: int, api_id: str) -> Response:
    """One REST or HTTP request through the stage's deployment (or its canary)."""
    deployment = deployments[stage.deployment_id]
    ctx = Ctx(deployment.api, deployment, stage, request, state, seed, at_ms, api_id, deployments)
    return run(ctx)
