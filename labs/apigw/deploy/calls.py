"""One AWS call as data: service, operation and parameters, with references to ids not known yet.

A plan is computed before anything exists in AWS, so a parameter that needs an id made by an earlier
step (the REST API's id, a resource's id, the account id) is written as a reference:

* ``{"$ref": "api"}`` — the value a step recorded under that name (``record.ids["api"]``);
* ``{"$join": ["arn:aws:execute-api:us-east-1:", {"$ref": "account"}, ":", {"$ref": "api"}, "/*/GET/items"]}``
  — text made of literal parts and references.

Plain JSON on purpose: a plan, the calls in it and the record of what ran are stored as JSON (the web
side in its database, the CLI in a file), and a mapping template full of ``{``, ``}`` and ``$`` never
collides with the reference syntax because references are objects, never text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


def ref(name: str) -> dict[str, str]:
    return {"$ref": name}


def join(*parts: Any) -> dict[str, list[Any]] | str:
    """Text of literal parts and references (a plain string when no part is a reference)."""
    flat: list[Any] = []
    for part in parts:
        if isinstance(part, Mapping) and "$join" in part:
            flat.extend(part["$join"])
        else:
            flat.append(part)
    if all(isinstance(p, str) for p in flat):
        return "".join(flat)
    return {"$join": flat}


class UnresolvedReference(KeyError):
    """A call names an id that no step has recorded (a bug in the plan, or a step skipped)."""


def is_ref(value: Any) -> bool:
    return isinstance(value, Mapping) and (set(value) == {"$ref"} or set(value) == {"$join"})


def resolve(value: Any, ids: Mapping[str, str]) -> Any:
    """``value`` with every reference replaced by its recorded id."""
    if isinstance(value, Mapping):
        if set(value) == {"$ref"}:
            name = value["$ref"]
            if name not in ids:
                raise UnresolvedReference(name)
            return ids[name]
        if set(value) == {"$join"}:
            return "".join(str(resolve(p, ids)) for p in value["$join"])
        return {k: resolve(v, ids) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(v, ids) for v in value]
    return value


def references(value: Any) -> Iterator[str]:
    """Every reference name in ``value``, in order."""
    if isinstance(value, Mapping):
        if set(value) == {"$ref"}:
            yield value["$ref"]
            return
        if set(value) == {"$join"}:
            for part in value["$join"]:
                yield from references(part)
            return
        for v in value.values():
            yield from references(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from references(v)


def show(value: Any, ids: Mapping[str, str] | None = None) -> Any:
    """``value`` for people: references become ``<name>`` (or their id when ``ids`` has it)."""
    ids = ids or {}
    if isinstance(value, Mapping):
        if set(value) == {"$ref"}:
            return ids.get(value["$ref"], f"<{value['$ref']}>")
        if set(value) == {"$join"}:
            return "".join(str(show(p, ids)) for p in value["$join"])
        return {k: show(v, ids) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [show(v, ids) for v in value]
    return value


def _short(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class Call:
    """``<service>.<operation>(**params)`` in the deployment's Region (or ``region``)."""

    service: str  # boto3 client name: apigateway, apigatewayv2, lambda, sts, logs, wafv2
    operation: str  # boto3 method name: create_rest_api
    params: Mapping[str, Any] = field(default_factory=dict)
    region: str = ""  # "" = the deployment's Region

    @property
    def name(self) -> str:
        return f"{self.service}.{self.operation}"

    def render(self, ids: Mapping[str, str] | None = None, limit: int = 120) -> str:
        args = ", ".join(f"{k}={_short(show(v, ids), limit)}" for k, v in self.params.items())
        where = f"  [{self.region}]" if self.region else ""
        return f"{self.name}({args}){where}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"service": self.service, "operation": self.operation, "params": plain(self.params)}
        if self.region:
            out["region"] = self.region
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Call:
        return cls(data["service"], data["operation"], dict(data.get("params") or {}), data.get("region", ""))


def plain(value: Any) -> Any:
    """Mappings and sequences as plain dicts and lists (JSON's shapes), all the way down."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def canonical(value: Any) -> str:
    """A stable text for comparing two specs (the plan's diff)."""
    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
