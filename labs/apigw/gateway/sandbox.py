"""The sandbox: one API's deployments and stages, its state, its virtual clock and its seed.

The web side keeps one ``Sandbox`` per lab attempt: ``Sandbox.to_dict()`` between requests,
``Sandbox.from_dict()`` to go on. Everything that happens is a function of what is stored there and of
the request, so a run can be replayed exactly.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..model import Design
from ..resolved import ResolvedApi
from .pipeline import handle
from .tokens import cognito_issuer, sample_token as tokens_sample_token
from .websocket import WsResult, connect, disconnect, send as websocket_send
from .context import api_id_for, api_key_value
from .core import EPOCH_MS, Clock, Request, Response
from .deployment import CanaryState, Deployment, StageState, deployment_id
from .state import State

MAX_DEPLOYMENTS = 20
MAX_LOAD_REQUESTS = 10_000


class SandboxError(ValueError):
    """An operation the sandbox (like API Gateway) refuses; the message says why."""


def default_stage_name(api_type: str) -> str:
    return "$default" if api_type == "http" else "dev"


@dataclass(frozen=True)
class LoadTest:
    """``count`` requests ``rate`` per second of virtual time: the responses and a summary."""

    responses: tuple[Response, ...]
    rate: float | None

    def summary(self) -> dict[str, Any]:
        by_status: dict[int, int] = {}
        for r in self.responses:
            by_status[r.status] = by_status.get(r.status, 0) + 1
        first_429 = next((i for i, r in enumerate(self.responses) if r.status == 429), None)
        return {"requests": len(self.responses), "rate": self.rate, "by_status": by_status,
                "first_throttled": first_429,
                "canary": sum(1 for r in self.responses if r.arm == "canary")}


class Sandbox:
    def __init__(self, seed: int = 0) -> None:
        self.seed = int(seed)
        self.api_id = api_id_for(self.seed)
        self.state = State()
        self.deployments: dict[str, Deployment] = {}
        self.stages: dict[str, StageState] = {}
        self.api_type = ""
        self._deploy_count = 0

    # -- the clock ----------------------------------------------------------------------------------

    @property
    def now_ms(self) -> float:
        return self.state.now_ms

    def advance(self, ms: float) -> float:
        clock = Clock(self.state.now_ms)
        self.state.now_ms = clock.advance(ms)
        return self.state.now_ms

    # -- deployments -------------------------------------------------------------------------------

    def deploy(self, design: Design | Mapping[str, Any], *, stage: str | Iterable[str] | None = None,
               canary: bool = False, description: str = "") -> Deployment:
        """Snapshot the design as a new deployment and point stages at it.

        ``stage`` None: every stage the design has (or the API type's default stage when it has none).
        ``canary``: the new deployment becomes the canary of a REST stage whose design has canary settings;
        the stage keeps serving its current deployment to the rest of the traffic."""
        self._deploy_count += 1
        dep = Deployment.build(design, deployment_id="", created_ms=self.now_ms, description=description)
        dep = Deployment(deployment_id(self.seed, self._deploy_count, dep.design), dep.created_ms, description,
                         dep.design, dep.api, dep.router, dep.digest)
        api = dep.api
        if self.api_type and api.api_type != self.api_type:
            raise SandboxError(f"This sandbox runs a {self.api_type.upper()} API; a {api.label} API needs a new sandbox.")
        names = ([s.name for s in api.stages] or [default_stage_name(api.api_type)]) if stage is None else (
            [stage] if isinstance(stage, str) else list(stage))
        if not names or any(not n for n in names):
            raise SandboxError("Name a stage to deploy to.")
        if canary:
            self._check_canary(api, names)
        self.api_type = api.api_type
        self.deployments[dep.id] = dep
        for name in names:
            self._point(name, dep, canary)
        self._forget_old_deployments()
        return dep

    def _check_canary(self, api: ResolvedApi, names: list[str]) -> None:
        if api.api_type != "rest":
            raise SandboxError(f"Canary releases exist only on REST API stages; this is a {api.label} API.")
        for name in names:
            settings = api.stage_named(name)
            if settings is None or settings.canary is None:
                raise SandboxError(f"The design's stage {name} has no canary settings.")
            if name not in self.stages:
                raise SandboxError(f"The stage {name} doesn't exist yet: deploy it once before adding a canary.")

    def _point(self, name: str, dep: Deployment, canary: bool) -> None:
        settings = dep.api.stage_named(name)
        current = self.stages.get(name)
        if canary and current is not None and settings is not None and settings.canary is not None:
            current.canary = CanaryState(dep.id, float(settings.canary.percent_traffic),
                                         dict(settings.canary.stage_variable_overrides), settings.canary.use_stage_cache)
            return
        stage = StageState.from_resolved(settings, name, dep)
        if dep.api.api_type == "rest" and settings is not None and settings.canary is not None:
            kept = current.canary.deployment_id if current and current.canary else dep.id
            stage.canary = CanaryState(kept, float(settings.canary.percent_traffic),
                                       dict(settings.canary.stage_variable_overrides), settings.canary.use_stage_cache)
        self.stages[name] = stage

    def _forget_old_deployments(self) -> None:
        used = {s.deployment_id for s in self.stages.values()} | {
            s.canary.deployment_id for s in self.stages.values() if s.canary}
        for dep_id in list(self.deployments):
            if len(self.deployments) <= MAX_DEPLOYMENTS:
                break
            if dep_id not in used:
                del self.deployments[dep_id]

    def design_saved(self, design: Design | Mapping[str, Any]) -> list[str]:
        """Automatic deployment (HTTP API stages with auto_deploy): the saved design goes live on those stages."""
        names = [s.name for s in self.stages.values() if s.auto_deploy]
        if names:
            self.deploy(design, stage=names, description="automatic deployment")
        return names

    def promote_canary(self, stage: str) -> None:
        """Make the canary the stage's deployment, with the canary's stage variables, and remove the canary."""
        st = self._stage(stage)
        if st.canary is None:
            raise SandboxError(f"The stage {stage} has no canary to promote.")
        st.deployment_id, st.variables = st.canary.deployment_id, st.canary_variables()
        st.canary = None

    def remove_canary(self, stage: str) -> None:
        self._stage(stage).canary = None

    def _stage(self, name: str) -> StageState:
        st = self.stages.get(name)
        if st is None:
            raise SandboxError(f"No stage {name!r} is deployed; the stages are {', '.join(self.stages) or 'none'}.")
        return st

    # -- requests ----------------------------------------------------------------------------------

    def _seed_for(self, given: int | None) -> int:
        self.state.counter += 1
        if given is not None:
            return int(given)
        digest = hashlib.sha256(f"{self.seed}:{self.state.counter}".encode()).hexdigest()
        return int(digest[:12], 16)

    def invoke(self, request: Request) -> Response:
        """Send one request to ``request.stage`` (default: the only stage, or the API type's default)."""
        stage_name = request.stage or self._default_stage()
        seed = self._seed_for(request.seed)
        at = self.now_ms if request.at_ms is None else float(request.at_ms)
        stage = self.stages.get(stage_name)
        if stage is None:
            return self._no_stage(request, stage_name, seed, at)
        return handle(self.deployments, stage, request, self.state, at_ms=at, seed=seed, api_id=self.api_id)

    def _default_stage(self) -> str:
        if len(self.stages) == 1:
            return next(iter(self.stages))
        return default_stage_name(self.api_type or "rest")

    def _no_stage(self, request: Request, stage: str, seed: int, at: float) -> Response:
        from .core import TraceStep
        from .responses import error as gateway_error

        kind = "MISSING_AUTHENTICATION_TOKEN" if self.api_type != "http" else "RESOURCE_NOT_FOUND"
        error = gateway_error(self.api_type or "rest", kind)
        step = TraceStep("stage", f"{error.status} {kind}", f"No stage {stage!r} is deployed (stages: "
                         f"{', '.join(self.stages) or 'none'}). Nothing answers until the API is deployed to it.",
                         0.0, "stages-deployments#deployments")
        return Response(error.status, error.headers, error.body, "base", (step,), seed=seed, error_type=kind, at_ms=at)

    def load_test(self, request: Request, count: int, rate: float | None = None) -> LoadTest:
        """``count`` requests, ``rate`` per second of virtual time from now (None: all at one instant)."""
        count = int(count)
        if not 1 <= count <= MAX_LOAD_REQUESTS:
            raise SandboxError(f"Send 1 to {MAX_LOAD_REQUESTS:,} requests.")
        if rate is not None and (not math.isfinite(rate) or rate <= 0):
            raise SandboxError("The rate must be a positive number of requests per second.")
        start = self.now_ms if request.at_ms is None else float(request.at_ms)
        out = []
        for i in range(count):
            at = start + (i * 1000.0 / rate if rate else 0.0)
            out.append(self.invoke(request.with_(at_ms=at, seed=None if request.seed is None else request.seed + i)))
        if rate:
            self.state.now_ms = max(self.state.now_ms, start + (count - 1) * 1000.0 / rate)
        return LoadTest(tuple(out), rate)

    # -- WebSocket ---------------------------------------------------------------------------------

    def _ws_stage(self, stage: str | None) -> StageState:
        if self.api_type != "websocket":
            raise SandboxError("Connections need a WebSocket API.")
        return self._stage(stage or self._default_stage())

    def ws_connect(self, stage: str | None = None, *, headers: Mapping[str, str] | None = None, query: str = "",
                   source_ip: str | None = None, seed: int | None = None) -> WsResult:
        st = self._ws_stage(stage)
        req = Request(method="GET", path="/", stage=st.name, headers=dict(headers or {}), query=query,
                      **({"source_ip": source_ip} if source_ip else {}))
        return connect(self.deployments, st, req, self.state, at_ms=self.now_ms, seed=self._seed_for(seed),
                                 api_id=self.api_id)

    def ws_send(self, connection_id: str, body: str, *, seed: int | None = None) -> WsResult:
        st = self._ws_stage(self.state.connections.get(connection_id, {}).get("stage"))
        return websocket_send(self.deployments, st, connection_id, body, self.state, at_ms=self.now_ms,
                              seed=self._seed_for(seed), api_id=self.api_id)

    def ws_disconnect(self, connection_id: str, *, seed: int | None = None) -> WsResult:
        st = self._ws_stage(self.state.connections.get(connection_id, {}).get("stage"))
        return disconnect(self.deployments, st, connection_id, self.state, at_ms=self.now_ms,
                                    seed=self._seed_for(seed), api_id=self.api_id)

    def ws_inbox(self, connection_id: str) -> list[dict[str, Any]]:
        """What backends pushed to a connection through @connections, oldest first."""
        return list(self.state.outbox.get(connection_id, []))

    # -- what a learner needs to call the API ---------------------------------------------------------

    def api_keys(self) -> dict[str, str]:
        """API key name -> the value to send in x-api-key, for the stages' deployments."""
        names: dict[str, None] = {}
        for st in self.stages.values():
            for key in self.deployments[st.deployment_id].api.api_keys:
                names.setdefault(key.name, None)
        return {name: api_key_value(name) for name in names}

    def sample_token(self, authorizer: str | None = None, *, subject: str = "sample-user", scopes: Iterable[str] = (),
                     token_use: str = "", expires_in_s: int = 3600, stage: str | None = None) -> str:
        """A JWT the named Cognito/JWT authorizer accepts now (virtual clock): the right issuer and audience."""
        st = self._stage(stage or self._default_stage())
        api = self.deployments[st.deployment_id].api
        candidates = [a for a in api.authorizers if a.type in ("COGNITO_USER_POOLS", "JWT")]
        chosen = next((a for a in candidates if authorizer in (None, a.name)), None)
        if chosen is None:
            raise SandboxError(f"No Cognito or JWT authorizer {authorizer or ''} in the deployed API.".replace("  ", " "))
        issued = (EPOCH_MS + self.now_ms) / 1000
        if chosen.type == "COGNITO_USER_POOLS":
            issuer = cognito_issuer(chosen.user_pool_arns[0]) if chosen.user_pool_arns else ""
            use = token_use or ("access" if scopes else "id")
            return tokens_sample_token(issuer=issuer, audience="sandbox-app-client", client_id="sandbox-app-client",
                                       subject=subject, scopes=scopes, token_use=use, issued_at_s=issued,
                                       expires_in_s=expires_in_s)
        audience = chosen.audience[0] if chosen.audience else ""
        use = token_use or ("access" if scopes else "")
        return tokens_sample_token(issuer=chosen.issuer, audience=audience, client_id=audience, subject=subject,
                                   scopes=scopes, token_use=use, issued_at_s=issued, expires_in_s=expires_in_s)

    def invoke_url(self, stage: str) -> str:
        region = next(iter(self.deployments.values())).api.region if self.deployments else "us-east-1"
        base = f"https://{self.api_id}.execute-api.{region}.amazonaws.com"
        scheme = "wss" if self.api_type == "websocket" else "https"
        base = base.replace("https", scheme, 1)
        return base if stage == "$default" else f"{base}/{stage}"

    # -- storage ---------------------------------------------------------------------------------------

    def to_dict(self, *, copy_values: bool = True) -> dict[str, Any]:
        """JSON-serialisable. ``copy_values=False`` shares the state's values (serialise it at once)."""
        return {"version": 1, "seed": self.seed, "api_type": self.api_type, "deploy_count": self._deploy_count,
                "deployments": [d.to_dict() for d in self.deployments.values()],
                "stages": [s.to_dict() for s in self.stages.values()],
                "state": self.state.to_dict(copy_values=copy_values)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, copy_values: bool = True) -> Sandbox:
        """A stored sandbox; deployments this process has resolved before are not resolved again.
        ``copy_values=False`` when ``data`` was just decoded and is used for nothing else."""
        if data.get("version") != 1:
            raise SandboxError("This stored sandbox is from another version; start a new one.")
        sandbox = cls(int(data.get("seed", 0)))
        sandbox.api_type = str(data.get("api_type", ""))
        sandbox._deploy_count = int(data.get("deploy_count", 0))
        for d in data.get("deployments", []):
            dep = Deployment.restore(d)
            sandbox.deployments[dep.id] = dep
        for s in data.get("stages", []):
            st = StageState.from_dict(s)
            sandbox.stages[st.name] = st
        sandbox.state = State.from_dict(data.get("state", {}), copy_values=copy_values)
        return sandbox


def split_invoke_path(path: str, stages: Iterable[str]) -> tuple[str, str]:
    """``/prod/orders/1`` -> ("prod", "/orders/1"); the root of a ``$default`` stage keeps the whole path.

    The web side serves ``/sandbox/<sandbox>/<stage>/<path>``; this takes the part after the sandbox."""
    names = set(stages)
    parts = path.lstrip("/").split("/", 1)
    if parts[0] in names:
        return parts[0], "/" + (parts[1] if len(parts) > 1 else "")
    if "$default" in names:
        return "$default", "/" + path.lstrip("/")
    return parts[0], "/" + (parts[1] if len(parts) > 1 else "")
