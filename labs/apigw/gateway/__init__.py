"""The sandbox gateway: a design's deployments served in API Gateway's own order, traced step by step.

Plain Python, no Django. The web side uses:

* ``Sandbox(seed)`` — ``deploy(design, stage=None, canary=False)``, ``promote_canary(stage)``,
  ``invoke(Request(...)) -> Response``, ``load_test(request, count, rate)``, ``advance(ms)``,
  ``ws_connect / ws_send / ws_disconnect / ws_inbox``, ``api_keys()``, ``sample_token(...)``,
  ``to_dict()`` / ``Sandbox.from_dict(data)``;
* ``Request``, ``Response``, ``TraceStep`` (``core``); ``split_invoke_path`` for ``/<stage>/<path>``;
* ``FUNCTIONS`` (the sample Lambda functions) and ``BACKENDS`` (the sample HTTP backends).

See docs/sandbox.md for what is emulated and what is not.
"""

from .backends import BACKENDS
from .core import Clock, GatewayError, Request, Response, TraceStep
from .deployment import Deployment, StageState
from .functions import FUNCTIONS
from .identities import SAMPLE_IDENTITIES
from .sandbox import LoadTest, Sandbox, SandboxError, default_stage_name, split_invoke_path
from .state import State
from .tokens import jwks
from .websocket import Conversation, WsResult

__all__ = [
    "BACKENDS", "FUNCTIONS", "SAMPLE_IDENTITIES", "Clock", "Conversation", "Deployment", "GatewayError", "LoadTest",
    "Request", "Response", "Sandbox", "SandboxError", "StageState", "State", "TraceStep", "WsResult",
    "default_stage_name", "jwks", "split_invoke_path",
]
