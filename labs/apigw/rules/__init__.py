"""Every constraint AWS enforces on an API Gateway design, plus best-practice warnings and tips.

Each topic module (``api``, ``endpoint``, ``route_selection``, ``routes``, ``integrations``, ``security``,
``api_keys``, ``validation``, ``cors``, ``stages``) declares its rules next to their checks (see
``core.Topic``); this module puts them in one table, ``RULES``, which drives everything: ``validate()``
runs its checks, ``options_for()`` reads the capability rules in it to tell the builder form what to
offer, and the tests parametrize over it (a new rule without a passing and a failing test case fails
the suite).

Why our own rules: neither botocore (no enums, no maximums), moto nor cfn-lint catches most of these
mistakes; only real AWS does, at deploy time.  Each rule's ``source`` links the AWS page that states
the fact it enforces.  Severities: ``error`` = AWS rejects it (or the API cannot work), ``warning`` =
it deploys but is likely wrong, ``tip`` = a better design exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from ..model import API_TYPES, Design, DesignError
from ..references import MISCONCEPTIONS
from . import api, api_keys, cors, endpoint, integrations, route_selection, routes, security, stages, validation
from .api import MAX_DESCRIPTION, MAX_METRIC_DIMENSION, MAX_NAME, MAX_TAGS
from .core import (
    A_API,
    ALL_TYPES,
    API_LABEL,
    FEATURES,
    HTTP,
    HTTP_ROUTE_SELECTION,
    REST,
    SEVERITY_ORDER,
    V2,
    WS,
    Capability,
    Context,
    Finding,
    Hit,
    ParsedRoute,
    Rule,
    Severity,
    capability_check,
    route_label,
)
from .cors import CORS_MAX_AGE_RANGE
from .integrations import (
    HTTP_API_SUBTYPES,
    STREAMING_KINDS,
    TIMEOUT_DEFAULT_MAX_MS,
    TIMEOUT_MIN_MS,
    TIMEOUT_STREAMING_MAX_MS,
)
from .options import CORS_STYLE, FormOptions, form_options, offered_values
from .routes import MAX_ROUTES
from .security import (
    AUTHORIZER_QUOTA,
    AUTHORIZER_TTL_MAX,
    MAX_AUTHORIZERS,
    MAX_JWT_AUDIENCES,
    MAX_JWT_SCOPES,
    WRITE_METHODS,
)
from .stages import CACHE_SIZES, CACHE_TTL_MAX, MAX_STAGE_VARIABLES, MAX_STAGES

#: The topic modules in table order.  Findings of one severity come out in this order (and, within a
#: module, in the order its rules are declared), so moving a module or a rule changes what a learner
#: reads first.
TOPICS = (api, endpoint, route_selection, routes, integrations, security, api_keys, validation, cors, stages)

RULES: tuple[Rule, ...] = tuple(rule for module in TOPICS for rule in module.topic.rules)
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
if len(RULES_BY_ID) != len(RULES):
    raise RuntimeError("two rules share an id")


@lru_cache(maxsize=None)
def _offered(group: str, api_type: str) -> tuple[str, ...]:
    return offered_values(RULES, group, api_type)


def validate(design: Design | Mapping[str, Any]) -> list[Finding]:
    """All findings for a design, errors first, then warnings, then tips (table order within each).

    Accepts a ``Design`` or its dict form (raises ``DesignError`` for a malformed dict).
    """
    if not isinstance(design, Design):
        design = Design.from_dict(design)
    if design.api_type not in API_TYPES:
        raise DesignError(f"api_type must be one of {', '.join(API_TYPES)}; got {design.api_type!r}")
    ctx = Context(design, _offered)
    findings: list[Finding] = []
    for rule in RULES:
        if design.api_type not in rule.api_types:
            continue
        for hit in rule.check(ctx):
            findings.append(
                Finding(
                    rule.id,
                    rule.severity,
                    hit.message,
                    hit.location,
                    hit.label,
                    rule.lesson,
                    rule.source_for(design.api_type),
                    rule.misconception,
                )
            )
    findings.sort(key=lambda f: SEVERITY_ORDER[f.severity])
    return findings


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def options_for(api_type: str) -> FormOptions:
    """What a form should offer for ``api_type``, read from the same capability rules ``validate`` runs."""
    if api_type not in API_TYPES:
        raise DesignError(f"api_type must be one of {', '.join(API_TYPES)}; got {api_type!r}")
    return form_options(api_type, _offered)


def misconception_for(rule_id: str) -> str | None:
    """The correction text of a rule's misconception (for hints), or None."""
    slug = RULES_BY_ID[rule_id].misconception
    return MISCONCEPTIONS[slug].correction if slug else None


__all__ = [
    "ALL_TYPES",
    "API_LABEL",
    "AUTHORIZER_QUOTA",
    "AUTHORIZER_TTL_MAX",
    "A_API",
    "CACHE_SIZES",
    "CACHE_TTL_MAX",
    "CORS_MAX_AGE_RANGE",
    "CORS_STYLE",
    "FEATURES",
    "HTTP",
    "HTTP_API_SUBTYPES",
    "HTTP_ROUTE_SELECTION",
    "MAX_AUTHORIZERS",
    "MAX_DESCRIPTION",
    "MAX_JWT_AUDIENCES",
    "MAX_JWT_SCOPES",
    "MAX_METRIC_DIMENSION",
    "MAX_NAME",
    "MAX_ROUTES",
    "MAX_STAGES",
    "MAX_STAGE_VARIABLES",
    "MAX_TAGS",
    "REST",
    "RULES",
    "RULES_BY_ID",
    "SEVERITY_ORDER",
    "STREAMING_KINDS",
    "TIMEOUT_DEFAULT_MAX_MS",
    "TIMEOUT_MIN_MS",
    "TIMEOUT_STREAMING_MAX_MS",
    "TOPICS",
    "V2",
    "WRITE_METHODS",
    "WS",
    "Capability",
    "Context",
    "Finding",
    "FormOptions",
    "Hit",
    "ParsedRoute",
    "Rule",
    "Severity",
    "capability_check",
    "has_errors",
    "misconception_for",
    "options_for",
    "route_label",
    "validate",
]
