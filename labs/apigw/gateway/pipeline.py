"""The handler list, in API Gateway's order, and the function that runs a request through it.

``handle(...)`` is a pure function of the deployment(s), the stage, the request, the arrival time on the
virtual clock and the seed, plus the explicit ``State`` it reads and updates (buckets, caches,
connections, tables). Each handler appends its own trace step as it runs; the trace is never rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .auth import authorization
from .handlers import (api_key, cache, cache_store, cors_headers, cors_preflight, endpoint_and_policy, finish,
                       request_limits, route, throttling, validation)
from .handlers import stage as handlers_stage
from .integration import integration as integration_integration
from .integration import integration_request, integration_response, method_response
from .context import Ctx
from .core import GatewayError, Request, Response
from .deployment import Deployment, StageState
from .state import State

Handler = Callable[[Ctx], None]

#: REST and HTTP requests, in API Gateway's order. A handler that answers early sets ``ctx.response``.
REQUEST_HANDLERS: tuple[Handler, ...] = (
    handlers_stage,
    request_limits,
    endpoint_and_policy,
    route,
    cors_preflight,
    authorization,
    api_key,
    throttling,
    validation,
    cache,
    integration_request,
    integration_integration,
    integration_response,
    method_response,
    cache_store,
)
#: Run on every response, the gateway's own errors included.
RESPONSE_HANDLERS: tuple[Handler, ...] = (cors_headers, finish)


def run(ctx: Ctx, request_handlers: tuple[Handler, ...] = REQUEST_HANDLERS) -> Response:
    try:
        for handler in request_handlers:
            if ctx.response is not None and handler not in (method_response, cache_store,
                                                            integration_response):
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
