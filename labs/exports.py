"""What a design exports to, as the builder's side panel and downloads offer it.

Every export but ``design.json`` (the learner's own design, as stored) is written from the resolved
API, so one request resolves the design once whatever it shows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from .apigw import cloudformation, openapi, sdk
from .apigw.model import Design, DesignError
from .apigw.resolved import ResolvedApi

#: Above this many routes the panel makes each export on demand: writing a large design's YAML on
#: every change would make the builder slow to answer.
LIVE_EXPORT_ROUTES = 60


@dataclass(frozen=True)
class Export:
    filename: str
    content_type: str
    make: Callable[[Design, ResolvedApi], str]


EXPORTS = {e.filename: e for e in (
    Export("openapi.yaml", "application/yaml", lambda d, api: openapi.to_yaml(openapi.export_openapi(api))),
    Export("openapi.json", "application/json", lambda d, api: openapi.to_json(openapi.export_openapi(api))),
    Export("cloudformation.yaml", "application/yaml",
           lambda d, api: cloudformation.to_yaml(cloudformation.export_cloudformation(api))),
    Export("client.js", "text/javascript", lambda d, api: sdk.generate_client(api, "javascript")),
    Export("client.py", "text/x-python", lambda d, api: sdk.generate_client(api, "python")),
    Export("design.json", "application/json", lambda d, api: json.dumps(d.to_dict(), indent=2)),
)}
PANELS = (  # key, label, download, alternative download
    ("openapi", "OpenAPI 3.0", "openapi.yaml", "openapi.json"),
    ("cloudformation", "CloudFormation", "cloudformation.yaml", ""),
    ("javascript", "Client: JavaScript", "client.js", ""),
    ("python", "Client: Python", "client.py", ""),
)


def make(filename: str, design: Design, api: ResolvedApi) -> str:
    """One export; ``DesignError`` when the design cannot make it (a WebSocket API as OpenAPI)."""
    return EXPORTS[filename].make(design, api)


def text(filename: str, design: Design, api: ResolvedApi) -> str:
    """One export, or why the design cannot make it yet (for the side panel)."""
    try:
        return make(filename, design, api)
    except DesignError as error:
        return f"# Not available yet: {error}"


def panel(design: Design, api: ResolvedApi) -> dict[str, str]:
    """Everything the side panel shows at once ({} for a large design: made on demand)."""
    if len(api.routes) > LIVE_EXPORT_ROUTES:
        return {}
    return {key: text(filename, design, api) for key, _label, filename, _alt in PANELS}


def download_name(design: Design, fallback: str, filename: str) -> str:
    """``orders-api-openapi.yaml`` from the design's name: letters, digits, ``-``, ``_`` and ``.``
    only (any script), so no header can be broken or extended by what a learner typed."""
    stem = re.sub(r"[^\w.-]+", "-", design.name or fallback or "api").strip("-.")[:60] or "api"
    return f"{stem}-{filename}"
