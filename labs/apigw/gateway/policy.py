"""IAM-style policy evaluation for resource policies and the sample identities' policies.

The subset API Gateway lessons use: ``Effect``, ``Principal`` (``*`` or ``{"AWS": ...}``), ``Action`` /
``NotAction``, ``Resource`` / ``NotResource`` (with ``execute-api:/stage/METHOD/path`` shorthand and
``*``/``?`` wildcards), and ``Condition`` with the String, IP address, ARN, Bool and Null operators
(``...IfExists`` too). Anything else is named in ``Decision.notes`` as not emulated, and the statement
that uses it does not match.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Decision:
    effect: str  # "Allow" | "Deny" | "" (no statement matched: implicit deny)
    statement: str = ""  # which statement decided ("Sid" or "statement 2")
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def explicit_deny(self) -> bool:
        return self.effect == "Deny"

    @property
    def allowed(self) -> bool:
        return self.effect == "Allow"


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


@lru_cache(maxsize=1024)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex + r"\Z", re.S | (re.I if ignore_case else 0))


def like(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM-style wildcards: ``*`` any run of characters, ``?`` one."""
    return bool(_wildcard(pattern, ignore_case).match(value))


def expand_resource(pattern: str, arn_prefix: str) -> str:
    """``execute-api:/prod/GET/a`` -> ``arn:aws:execute-api:region:account:api/prod/GET/a``."""
    if pattern.startswith("execute-api:/"):
        return arn_prefix + pattern[len("execute-api:"):]
    return pattern


def _principal_matches(principal: Any, caller: str, caller_account: str) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        for value in _list(principal.get("AWS")):
            value = str(value)
            if value == "*" or value == caller or (caller_account and value in (caller_account,
                                                                                  f"arn:aws:iam::{caller_account}:root")):
                return True
    return False


def _condition_value_matches(operator: str, key_values: list[str], wanted: list[Any], notes: list[str]) -> bool:
    base = operator.removesuffix("IfExists")
    wanted_s = [str(w).lower() if isinstance(w, bool) else str(w) for w in wanted]
    if base in ("StringEquals", "ArnEquals"):
        return any(v == w for v in key_values for w in wanted_s)
    if base in ("StringNotEquals", "ArnNotEquals"):
        return all(v != w for v in key_values for w in wanted_s)
    if base == "StringEqualsIgnoreCase":
        return any(v.lower() == w.lower() for v in key_values for w in wanted_s)
    if base == "StringNotEqualsIgnoreCase":
        return all(v.lower() != w.lower() for v in key_values for w in wanted_s)
    if base in ("StringLike", "ArnLike"):
        return any(like(w, v) for v in key_values for w in wanted_s)
    if base in ("StringNotLike", "ArnNotLike"):
        return all(not like(w, v) for v in key_values for w in wanted_s)
    if base == "Bool":
        return any(v.lower() == w.lower() for v in key_values for w in wanted_s)
    if base in ("IpAddress", "NotIpAddress"):
        inside = False
        for v in key_values:
            for w in wanted_s:
                try:
                    if ipaddress.ip_address(v) in ipaddress.ip_network(w, strict=False):
                        inside = True
                except ValueError:
                    notes.append(f"the address or range {w!r} in the policy is not valid")
        return inside if base == "IpAddress" else not inside
    notes.append(f"not emulated: the condition operator {operator}")
    return False


_NEGATED = ("StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike",
            "NotIpAddress")


def _conditions_met(condition: Any, context: Mapping[str, Any], notes: list[str]) -> bool:
    if not condition:
        return True
    if not isinstance(condition, Mapping):
        notes.append("the Condition block is not an object")
        return False
    for operator, clauses in condition.items():
        operator = str(operator)
        if ":" in operator:  # ForAnyValue:/ForAllValues: — every key here has one value
            operator = operator.split(":", 1)[1]
        if not isinstance(clauses, Mapping):
            return False
        for key, wanted in clauses.items():
            present = {k.lower(): v for k, v in context.items()}.get(str(key).lower())
            if operator.removesuffix("IfExists") == "Null":
                is_null = present is None
                if str(_list(wanted)[0]).lower() != str(is_null).lower():
                    return False
                continue
            if present is None:
                if operator.endswith("IfExists") or operator in _NEGATED:
                    continue
                return False
            if not _condition_value_matches(operator, [str(v) for v in _list(present)], _list(wanted), notes):
                return False
    return True


def evaluate(policy: Mapping[str, Any] | None, *, resource: str, arn_prefix: str, caller: str = "*",
             caller_account: str = "", context: Mapping[str, Any] | None = None,
             action: str = "execute-api:Invoke", identity_policy: bool = False) -> Decision:
    """Deny wins over Allow; no match is an implicit deny (``effect == ""``).

    ``identity_policy`` is for an identity's own policy, whose statements have no Principal."""
    if not policy:
        return Decision("")
    notes: list[str] = []
    statements = policy.get("Statement") if isinstance(policy, Mapping) else None
    if isinstance(statements, Mapping):
        statements = [statements]
    allow = ""
    for i, statement in enumerate(_list(statements), start=1):
        if not isinstance(statement, Mapping):
            continue
        name = str(statement.get("Sid") or f"statement {i}")
        if "NotPrincipal" in statement:
            notes.append(f"not emulated: NotPrincipal ({name})")
            continue
        if not identity_policy and not _principal_matches(statement.get("Principal"), caller, caller_account):
            continue
        if "NotAction" in statement:
            if any(like(str(a), action, ignore_case=True) for a in _list(statement["NotAction"])):
                continue
        elif not any(like(str(a), action, ignore_case=True) for a in _list(statement.get("Action"))):
            continue
        if "NotResource" in statement:
            if any(like(expand_resource(str(r), arn_prefix), resource) for r in _list(statement["NotResource"])):
                continue
        elif not any(like(expand_resource(str(r), arn_prefix), resource) for r in _list(statement.get("Resource"))):
            continue
        if not _conditions_met(statement.get("Condition"), context or {}, notes):
            continue
        effect = str(statement.get("Effect", ""))
        if effect == "Deny":
            return Decision("Deny", name, tuple(notes))
        if effect == "Allow" and not allow:
            allow = name
    return Decision("Allow", allow, tuple(notes)) if allow else Decision("", "", tuple(notes))
