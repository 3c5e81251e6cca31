"""What the sandbox remembers between requests, in one explicit, JSON-serialisable object.

Token buckets, usage plan quota counters, the Lambda authorizer result cache, the stage cache, WebSocket
connections and the messages pushed to them, and the in-memory DynamoDB tables. The web side stores
``State.to_dict()`` between requests and restores it with ``State.from_dict``; nothing else is kept.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Bounds, so that a stored sandbox stays small whatever a learner sends.
MAX_OUTBOX = 100
MAX_CACHE_ENTRIES = 200
MAX_AUTHORIZER_CACHE = 200
MAX_CONNECTIONS = 100


@dataclass
class State:
    now_ms: float = 0.0  # the virtual clock
    counter: int = 0  # requests seen: each one's seed is derived from it unless given
    buckets: dict[str, list[float]] = field(default_factory=dict)  # key -> [tokens, at_ms]
    quotas: dict[str, list[Any]] = field(default_factory=dict)  # key -> [period window, used]
    authorizer_cache: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> {expires_ms, result}
    cache: dict[str, dict[str, Any]] = field(default_factory=dict)  # stage cache key -> {expires_ms, response}
    connections: dict[str, dict[str, Any]] = field(default_factory=dict)  # connection id -> its details
    outbox: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # connection id -> messages pushed
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)  # DynamoDB: table -> key -> item

    def to_dict(self, *, copy_values: bool = True) -> dict[str, Any]:
        """``copy_values=False`` when the dict is serialised at once: it then shares this state's values."""
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        return copy.deepcopy(data) if copy_values else data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, copy_values: bool = True) -> State:
        """``copy_values=False`` when ``data`` was just decoded and nothing else holds it: it is taken over."""
        values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**(copy.deepcopy(values) if copy_values else values))

    def trim(self) -> None:
        """Drop the oldest entries past the bounds (dicts keep insertion order)."""
        for store, limit in ((self.cache, MAX_CACHE_ENTRIES), (self.authorizer_cache, MAX_AUTHORIZER_CACHE)):
            while len(store) > limit:
                store.pop(next(iter(store)))
        for messages in self.outbox.values():
            del messages[:-MAX_OUTBOX]
