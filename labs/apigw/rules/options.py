"""What the builder form offers for an API type, read from the capability rules of the table.

The form offers a value exactly when no capability rule refuses it for that API type, so the form and
``validate`` cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..model import AUTHORIZATION_TYPES, AUTHORIZER_TYPES, ENDPOINT_TYPES, INTEGRATION_KINDS
from .core import FEATURES, Rule
from .integrations import TIMEOUT_DEFAULT_MAX_MS
from .stages import CACHE_SIZES

UNIVERSE: dict[str, tuple[str, ...]] = {
    "endpoint_types": ENDPOINT_TYPES,
    "integration_kinds": INTEGRATION_KINDS,
    "authorization_types": AUTHORIZATION_TYPES,
    "authorizer_types": AUTHORIZER_TYPES,
    "features": FEATURES,
}
CORS_STYLE = {"rest": "options-methods", "http": "cors-configuration"}


@dataclass(frozen=True)
class FormOptions:
    """What the builder form offers for one API type (all derived from the capability rules)."""

    api_type: str
    endpoint_types: tuple[str, ...]
    integration_kinds: tuple[str, ...]
    authorization_types: tuple[str, ...]
    authorizer_types: tuple[str, ...]
    features: dict[str, bool] = field(default_factory=dict)
    cors_style: str | None = None
    default_endpoint_type: str = "REGIONAL"
    stage_name_pattern: str = r"^[A-Za-z0-9_-]{1,128}$"
    cache_sizes: tuple[str, ...] = ()
    timeout_ms_max: int = 29_000

    def to_dict(self) -> dict[str, Any]:
        return {
            "api_type": self.api_type,
            "endpoint_types": list(self.endpoint_types),
            "integration_kinds": list(self.integration_kinds),
            "authorization_types": list(self.authorization_types),
            "authorizer_types": list(self.authorizer_types),
            "features": dict(self.features),
            "cors_style": self.cors_style,
            "default_endpoint_type": self.default_endpoint_type,
            "stage_name_pattern": self.stage_name_pattern,
            "cache_sizes": list(self.cache_sizes),
            "timeout_ms_max": self.timeout_ms_max,
        }


def offered_values(rules: Iterable[Rule], group: str, api_type: str) -> tuple[str, ...]:
    """The values of ``group`` that no capability rule in ``rules`` refuses to ``api_type``."""
    refused = {
        value
        for rule in rules
        if rule.capability is not None and rule.capability.group == group
        for value, types in rule.capability.allowed.items()
        if api_type not in types
    }
    return tuple(v for v in UNIVERSE[group] if v not in refused)


def form_options(api_type: str, offered: Callable[[str, str], tuple[str, ...]]) -> FormOptions:
    """The form's options for a known ``api_type``, given the table's ``offered(group, api_type)``."""
    features = offered("features", api_type)
    return FormOptions(
        api_type=api_type,
        endpoint_types=offered("endpoint_types", api_type),
        integration_kinds=offered("integration_kinds", api_type),
        authorization_types=offered("authorization_types", api_type),
        authorizer_types=offered("authorizer_types", api_type),
        features={f: f in features for f in FEATURES},
        cors_style=CORS_STYLE.get(api_type) if "cors" in features else None,
        default_endpoint_type="EDGE" if api_type == "rest" else "REGIONAL",
        stage_name_pattern=r"^(\$default|[A-Za-z0-9_-]{1,128})$" if api_type == "http" else r"^[A-Za-z0-9_-]{1,128}$",
        cache_sizes=CACHE_SIZES if "caching" in features else (),
        timeout_ms_max=TIMEOUT_DEFAULT_MAX_MS[api_type],
    )
