"""Deployments (immutable snapshots of a design), stages that point at them, and route matching.

A ``Deployment`` is what ``create-deployment`` makes: the design resolved at that moment, with an id
and a time. Editing the design afterwards changes nothing a stage serves until it is deployed again.
A ``StageState`` is a stage as the sandbox runs it: the deployment it serves, its settings (copied from
the design's stage when it was last deployed), and an optional canary (a second deployment, a
percentage and stage variable overrides).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cachetools import LRUCache

from ..model import Design
from ..resolved import Preflight, ResolvedApi, ResolvedRoute, ResolvedStage, resolve

MAX_PATH_PARTS = 64
#: Resolved designs kept per process, by content digest (a 300-route API is about a megabyte).
MAX_RESOLVED = 128


# --------------------------------------------------------------------------------------------------
# Route matching
# --------------------------------------------------------------------------------------------------


@dataclass
class _Node:
    path: str
    children: dict[str, _Node] = field(default_factory=dict)
    variable: tuple[str, _Node] | None = None
    greedy: tuple[str, _Node] | None = None
    methods: dict[str, ResolvedRoute | Preflight] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    target: ResolvedRoute | Preflight | None
    resource_path: str  # "/orders/{orderId}" (REST resource or HTTP route path); "" when none
    params: Mapping[str, str]
    resource_found: bool  # REST: a resource matched the path (so a missing method is the problem)


class Router:
    """REST resources or HTTP routes as a tree; static parts win over variables, variables over ``{proxy+}``."""

    def __init__(self, api: ResolvedApi) -> None:
        self.api_type = api.api_type
        self.root = _Node("/")
        self.default: ResolvedRoute | None = None
        self.by_key: dict[str, ResolvedRoute] = {}
        for route in api.routes:
            self.by_key.setdefault(route.key.strip(), route)
            if route.is_default:
                self.default = self.default or route
            elif route.path:
                self._node(route.path).methods.setdefault(route.method.upper(), route)
        for preflight in api.preflights:
            self._node(preflight.path).methods.setdefault("OPTIONS", preflight)

    def _node(self, path: str) -> _Node:
        node = self.root
        current = ""
        for part in [p for p in path.split("/") if p]:
            current = f"{current}/{part}"
            if part.startswith("{") and part.endswith("+}"):
                if node.greedy is None:
                    node.greedy = (part[1:-2], _Node(current))
                node = node.greedy[1]
            elif part.startswith("{") and part.endswith("}"):
                if node.variable is None:
                    node.variable = (part[1:-1], _Node(current))
                node = node.variable[1]
            else:
                node = node.children.setdefault(part, _Node(current))
        return node

    def _candidates(self, node: _Node, parts: list[str], i: int,
                    params: dict[str, str]) -> Iterator[tuple[_Node, dict[str, str]]]:
        if i == len(parts):
            yield node, params
            return
        child = node.children.get(parts[i])
        if child is not None:
            yield from self._candidates(child, parts, i + 1, params)
        if node.variable is not None:
            name, child = node.variable
            yield from self._candidates(child, parts, i + 1, {**params, name: parts[i]})
        if node.greedy is not None:
            name, child = node.greedy
            yield child, {**params, name: "/".join(parts[i:])}

    def match(self, method: str, path: str) -> Match:
        parts = [p for p in path.split("/") if p][:MAX_PATH_PARTS + 1]
        if len(parts) > MAX_PATH_PARTS:
            return Match(None, "", {}, False)
        method = method.upper()
        found_resource = False
        first: tuple[_Node, dict[str, str]] | None = None
        for node, params in self._candidates(self.root, parts, 0, {}):
            found_resource = True
            first = first or (node, params)
            target = node.methods.get(method) or node.methods.get("ANY")
            if target is not None:
                return Match(target, node.path, params, True)
            if self.api_type == "rest":  # REST picks the resource first, then looks for the method
                return Match(None, node.path, params, True)
        if self.api_type == "http" and self.default is not None:
            return Match(self.default, "$default", {}, False)
        return Match(None, first[0].path if first else "", first[1] if first else {}, found_resource)


# --------------------------------------------------------------------------------------------------
# Deployments and stages
# --------------------------------------------------------------------------------------------------


def design_digest(design: Mapping[str, Any]) -> str:
    """The design's content as a key: equal digests, equal designs (so equal resolved APIs)."""
    text = json.dumps(design, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class _Resolved:
    """Per-process memory of resolved designs, by content digest, least recently used first out.

    A design's ``ResolvedApi`` and ``Router`` are pure functions of the design, and a deployment never
    changes, so a stored sandbox needn't resolve its deployments again on every request; everything
    that changes between requests (the clock, buckets, quotas, caches) lives in ``State`` and is never
    kept here. The values are shared: nothing may change them (the gateway only reads them)."""

    def __init__(self, limit: int) -> None:
        self._lock = threading.Lock()
        self.limit = limit

    @property
    def limit(self) -> int:
        return int(self._entries.maxsize)

    @limit.setter
    def limit(self, limit: int) -> None:
        """A new bound starts an empty memory."""
        with self._lock:
            self._entries: LRUCache[str, tuple[Mapping[str, Any], ResolvedApi, Router]] = LRUCache(maxsize=limit)

    def get(self, digest: str) -> tuple[Mapping[str, Any], ResolvedApi, Router] | None:
        with self._lock:
            return self._entries.get(digest)

    def build(self, design: Design | Mapping[str, Any]) -> tuple[str, Mapping[str, Any], ResolvedApi, Router]:
        if not isinstance(design, Design):
            design = Design.from_dict(design)
        data = design.to_dict()
        digest = design_digest(data)
        entry = self.get(digest)
        if entry is None:
            api = resolve(design)
            entry = (data, api, Router(api))
            with self._lock:
                self._entries[digest] = entry
        return (digest, *entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


RESOLVED = _Resolved(MAX_RESOLVED)


@dataclass(frozen=True)
class Deployment:
    id: str
    created_ms: float
    description: str
    design: Mapping[str, Any]  # the design as deployed (Design.to_dict), kept so the sandbox can be stored
    api: ResolvedApi
    router: Router
    digest: str = ""  # design_digest(design): the key of the resolved design in this process's memory

    @classmethod
    def build(cls, design: Design | Mapping[str, Any], *, deployment_id: str, created_ms: float,
              description: str = "") -> Deployment:
        digest, data, api, router = RESOLVED.build(design)
        return cls(deployment_id, created_ms, description, data, api, router, digest)

    @classmethod
    def restore(cls, data: Mapping[str, Any]) -> Deployment:
        """A stored deployment (``to_dict``); its design is resolved again only when this process hasn't yet."""
        entry = RESOLVED.get(data["digest"]) if isinstance(data.get("digest"), str) else None
        if entry is None:
            return cls.build(data["design"], deployment_id=data["id"], created_ms=float(data["created_ms"]),
                             description=data.get("description", ""))
        return cls(data["id"], float(data["created_ms"]), data.get("description", ""), *entry, data["digest"])

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "created_ms": self.created_ms, "description": self.description,
                "design": self.design, "digest": self.digest}


def deployment_id(seed: int, counter: int, design: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(f"{seed}:{counter}:{json.dumps(design, sort_keys=True)}".encode()).hexdigest()
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    number = int(digest[:16], 16)
    out = ""
    for _ in range(6):
        number, r = divmod(number, len(alphabet))
        out += alphabet[r]
    return out


@dataclass
class CanaryState:
    deployment_id: str
    percent: float
    overrides: dict[str, str]
    use_stage_cache: bool = False


@dataclass
class StageState:
    name: str
    deployment_id: str
    variables: dict[str, str] = field(default_factory=dict)
    throttle_rate: float | None = None
    throttle_burst: int | None = None
    cache_enabled: bool = False
    cache_ttl: int = 300
    cache_size: str = ""
    logging_level: str = "OFF"
    waf_web_acl_arn: str = ""
    auto_deploy: bool = False
    deployed_ms: float = 0.0
    canary: CanaryState | None = None

    @classmethod
    def from_resolved(cls, stage: ResolvedStage | None, name: str, deployment: Deployment) -> StageState:
        if stage is None:
            return cls(name, deployment.id, deployed_ms=deployment.created_ms)
        return cls(name, deployment.id, dict(stage.variables), stage.throttle_rate, stage.throttle_burst,
                   stage.cache_enabled, stage.effective_cache_ttl, stage.cache_size if stage.cache_enabled else "",
                   stage.logging_level, stage.waf_web_acl_arn, stage.auto_deploy, deployment.created_ms)

    def canary_variables(self) -> dict[str, str]:
        return {**self.variables, **(self.canary.overrides if self.canary else {})}

    def to_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "canary"}
        data["canary"] = None if self.canary is None else dict(vars(self.canary))
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StageState:
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data and k != "canary"}
        canary = data.get("canary")
        return cls(**fields, canary=CanaryState(**canary) if canary else None)
