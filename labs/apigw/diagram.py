"""An SVG picture of a design: clients -> endpoint -> API Gateway -> integration targets by kind.

Why it looks the way it does:
* Accessible: ``role="img"`` with ``<title>`` and a ``<desc>`` that says what the picture shows in words
  (the endpoint path, each group of routes), so a screen reader user gets the same facts.
* Light and dark mode: the SVG paints its own background and switches palette with
  ``prefers-color-scheme``; the styles are scoped to the SVG's id so an inline SVG can't restyle the page.
* Meaning never rides on colour alone: every box is labelled, each integration kind also has a letter
  badge and its own border pattern.
* Design names and routes are user input: all text is XML-escaped and stripped of characters XML forbids.
* Legible at 300 routes: routes are grouped by integration kind, each group lists a few route keys and
  says how many more it has.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from .model import Design
from .resolved import ResolvedApi, ResolvedRoute, resolve

#: kind -> (badge letter, box title, words for the description, border dash pattern)
KIND_LABELS = {
    "lambda_proxy": ("λ", "Lambda (proxy)", "a Lambda function (proxy integration)", ""),
    "lambda": ("λ", "Lambda (custom)", "a Lambda function (custom integration with mapping templates)", "6 3"),
    "http_proxy": ("H", "HTTP backend (proxy)", "an HTTP backend (proxy integration)", ""),
    "http": ("H", "HTTP backend (custom)", "an HTTP backend (custom integration with mapping templates)", "6 3"),
    "aws": ("A", "AWS service", "an AWS service (service integration)", ""),
    "aws_proxy": ("A", "AWS service (subtype)", "an AWS service (HTTP API integration subtype)", "2 2"),
    "mock": ("M", "Mock", "a mock integration (API Gateway answers itself)", "2 4"),
    "private": ("V", "Private (VPC link)", "a private backend through a VPC link", "8 3 2 3"),
    "": ("?", "No integration yet", "no integration yet", "1 3"),
}
API_NAMES = {"rest": "REST API", "http": "HTTP API", "websocket": "WebSocket API"}
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ID = re.compile(r"[^A-Za-z0-9_-]")
ROUTES_SHOWN = 5
ROUTES_IN_DESC = 12
CHAR_W = {"": 7.0, "muted": 7.0, "title": 8.0}  # average glyph width per text style, for truncation


def _clean(text: str) -> str:
    return _INVALID_XML.sub("", text)


def _t(text: str) -> str:
    """Text content: invalid XML characters removed, then escaped."""
    return escape(_clean(text))


def _fit(text: str, width: float, style: str = "") -> str:
    limit = max(4, int(width / CHAR_W.get(style, 7.0)))
    text = " ".join(_clean(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _target(route: ResolvedRoute) -> str:
    """A short name for where a route goes (function name, host, service)."""
    integ = route.integration
    if integ.kind in ("lambda_proxy", "lambda"):
        return integ.lambda_arn.split(":function:")[-1].split(":")[0] if integ.lambda_arn else ""
    if integ.kind == "private":
        return f"VPC link {integ.connection_id}" if integ.connection_id else "VPC link"
    if integ.kind in ("http", "http_proxy"):
        m = re.match(r"https?://([^/]+)", integ.uri)
        return m.group(1) if m else integ.uri.rsplit("/", 1)[-1]
    if integ.kind == "aws":
        return f"{integ.service} {integ.service_target}".strip()
    if integ.kind == "aws_proxy":
        return integ.subtype
    return ""


def _groups(design: ResolvedApi) -> list[tuple[str, list[ResolvedRoute]]]:
    groups: dict[str, list[ResolvedRoute]] = {}
    for route in design.routes:
        kind = route.integration.kind if route.integration.kind in KIND_LABELS else ""
        groups.setdefault(kind, []).append(route)
    order = list(KIND_LABELS)
    return sorted(groups.items(), key=lambda kv: order.index(kv[0]))


def _group_height(routes: list[ResolvedRoute]) -> float:
    """Title line, an optional targets line, up to ROUTES_SHOWN route keys, and a "+ N more" line."""
    lines = 1 + (1 if any(_target(r) for r in routes) else 0) + min(len(routes), ROUTES_SHOWN)
    lines += 1 if len(routes) > ROUTES_SHOWN else 0
    return 12 + 18 * lines


def _endpoint(design: ResolvedApi) -> tuple[str, str, str]:
    """(box title, box subtitle, words for the description)."""
    if design.api_type == "rest" and design.endpoint_type == "EDGE":
        return ("CloudFront edge", "edge-optimized (POP)",
                "through the nearest CloudFront point of presence (edge-optimized endpoint)")
    if design.api_type == "rest" and design.endpoint_type == "PRIVATE":
        return ("VPC endpoint", "private endpoint",
                "through an interface VPC endpoint in their VPC (private endpoint, never from the internet)")
    return ("Regional endpoint", "in the API's Region", "directly at the API's Regional endpoint")


def _clients(design: ResolvedApi) -> str:
    return {
        "global": "Clients worldwide",
        "same-region": "Same-Region clients",
        "vpc": "Clients in a VPC",
    }.get(design.clients, "Clients")


#: The clients box in two short lines, so no hint is cut off ("Same-Region clien…").
_CLIENT_LINES = {
    "global": ("Clients", "worldwide"),
    "same-region": ("Clients", "in the API's Region"),
    "vpc": ("Clients", "in a VPC"),
}


def _stage_line(stage) -> str:
    """"prod" or "prod: 90% → base, 10% → canary" (a canary split is part of how requests flow)."""
    if stage.canary is None:
        return stage.name or "(unnamed)"
    share = stage.canary.percent_traffic
    return f"{stage.name}: {100 - share:g}% base, {share:g}% canary"


def _description(design: ResolvedApi, groups: list[tuple[str, list[ResolvedRoute]]]) -> str:
    api = API_NAMES.get(design.api_type, "API")
    _, _, path = _endpoint(design)
    parts = [f"{api} “{design.name or 'Untitled'}”. {_clients(design)} call it {path}."]
    if not groups:
        parts.append("It has no routes yet.")
    for kind, routes in groups:
        keys = [r.key or "(no key)" for r in routes]
        listed = ", ".join(keys[:ROUTES_IN_DESC]) + (f" and {len(keys) - ROUTES_IN_DESC} more" if len(keys) > ROUTES_IN_DESC else "")
        targets = sorted({_target(r) for r in routes} - {""})
        to = f" ({', '.join(targets[:6])}{'…' if len(targets) > 6 else ''})" if targets else ""
        verb = "goes" if len(routes) == 1 else "go"
        parts.append(f"{len(routes)} route{'s' if len(routes) != 1 else ''} {verb} to {KIND_LABELS[kind][2]}{to}: {listed}.")
    if design.stages:
        parts.append("Stages: " + "; ".join(_stage_line(s) for s in design.stages) + ".")
    return " ".join(parts)


def render_svg(design: Design | Mapping[str, Any] | ResolvedApi, *, id_prefix: str = "apigw-diagram") -> str:
    """The design as an accessible SVG document (a string).  ``id_prefix`` keeps ids unique on a page."""
    design = resolve(design)
    uid = _ID.sub("", id_prefix) or "apigw-diagram"
    groups = _groups(design)
    width = 1040
    col = {"clients": 16, "endpoint": 216, "gateway": 436, "targets": 686}
    box_w = {"clients": 170, "endpoint": 190, "gateway": 220, "targets": 338}
    group_heights = [_group_height(routes) for _, routes in groups]
    targets_h = sum(group_heights) + 14 * max(0, len(groups) - 1)
    height = max(300, targets_h + 100)
    mid = 60 + (height - 100) / 2

    out: list[str] = []
    w = out.append
    w(f'<svg xmlns="http://www.w3.org/2000/svg" id="{uid}" role="img" aria-labelledby="{uid}-title {uid}-desc" '
      f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">')
    title_text = f"{API_NAMES.get(design.api_type, 'API')} {design.name or 'Untitled'}: how requests flow"
    w(f'<title id="{uid}-title">{_t(title_text)}</title>')
    w(f'<desc id="{uid}-desc">{_t(_description(design, groups))}</desc>')
    w("<style>"
      f"#{uid} .bg{{fill:#ffffff}} #{uid} .box{{fill:#f3f4f6;stroke:#1f2937;stroke-width:1.5}} "
      f"#{uid} .gw{{fill:#e0e7ff;stroke:#1e1b4b;stroke-width:2}} #{uid} .badge{{fill:#1f2937}} "
      f"#{uid} .badge-text{{fill:#ffffff;font-weight:700}} #{uid} text{{fill:#111827;font-family:system-ui,-apple-system,"
      f"'Segoe UI',sans-serif;font-size:13px}} #{uid} .title{{font-weight:700;font-size:14px}} #{uid} .muted{{fill:#374151}} "
      f"#{uid} .arrow{{stroke:#374151;stroke-width:1.5;fill:none}} #{uid} .head{{fill:#374151}} "
      "@media (prefers-color-scheme: dark){"
      f"#{uid} .bg{{fill:#111827}} #{uid} .box{{fill:#1f2937;stroke:#e5e7eb}} #{uid} .gw{{fill:#312e81;stroke:#c7d2fe}} "
      f"#{uid} .badge{{fill:#e5e7eb}} #{uid} .badge-text{{fill:#111827}} #{uid} text{{fill:#f9fafb}} "
      f"#{uid} .muted{{fill:#d1d5db}} #{uid} .arrow{{stroke:#d1d5db}} #{uid} .head{{fill:#d1d5db}}}}"
      "</style>")
    w(f'<defs><marker id="{uid}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
      f'orient="auto-start-reverse"><path class="head" d="M0,0 L10,5 L0,10 z"/></marker></defs>')
    w(f'<rect class="bg" x="0" y="0" width="{width}" height="{height}"/>')

    def box(x: float, y: float, bw: float, bh: float, lines: list[tuple[str, str]], cls: str = "box", dash: str = "") -> None:
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        w(f'<rect class="{cls}" x="{x}" y="{y:.1f}" width="{bw}" height="{bh:.1f}" rx="8"{dash_attr}/>')
        for i, (text, text_cls) in enumerate(lines):
            w(f'<text class="{text_cls}" x="{x + 12}" y="{y + 22 + 18 * i:.1f}">{_t(_fit(text, bw - 24, text_cls))}</text>')

    def arrow(x1: float, y1: float, x2: float, y2: float) -> None:
        w(f'<path class="arrow" d="M{x1},{y1:.1f} C{(x1 + x2) / 2},{y1:.1f} {(x1 + x2) / 2},{y2:.1f} {x2 - 2},{y2:.1f}" '
          f'marker-end="url(#{uid}-arrow)"/>')

    who, where = _CLIENT_LINES.get(design.clients, ("Clients", "send requests"))
    box(col["clients"], mid - 30, box_w["clients"], 60, [(who, "title"), (where, "muted")])
    title, subtitle, _ = _endpoint(design)
    box(col["endpoint"], mid - 30, box_w["endpoint"], 60, [(title, "title"), (subtitle, "muted")])
    arrow(col["clients"] + box_w["clients"], mid, col["endpoint"], mid)

    gw_lines = [
        ("Amazon API Gateway", "title"),
        (f"{API_NAMES.get(design.api_type, 'API')}: {design.name or 'Untitled'}", ""),
        (f"{len(design.routes)} route{'s' if len(design.routes) != 1 else ''}", "muted"),
    ]
    for stage in design.stages[:3]:
        canary = f" · canary {stage.canary.percent_traffic:g}%" if stage.canary is not None else ""
        gw_lines.append((f"Stage {stage.name or '(unnamed)'}{canary}", "muted"))
    if len(design.stages) > 3:
        gw_lines.append((f"+ {len(design.stages) - 3} more stages", "muted"))
    auth = sorted({r.authorization for r in design.routes if r.authorization not in ("", "NONE")})
    if auth:
        gw_lines.append(("Auth: " + ", ".join(auth), "muted"))
    gw_h = 30 + 18 * len(gw_lines)
    box(col["gateway"], mid - gw_h / 2, box_w["gateway"], gw_h, gw_lines, cls="gw")
    arrow(col["endpoint"] + box_w["endpoint"], mid, col["gateway"], mid)

    y = 50 + (height - 100 - targets_h) / 2
    for (kind, routes), gh in zip(groups, group_heights, strict=True):
        badge, label, _, dash = KIND_LABELS[kind]
        targets = sorted({_target(r) for r in routes} - {""})
        lines = [(f"{label} · {len(routes)}", "title")]
        if targets:
            lines.append(("→ " + ", ".join(targets), "muted"))
        lines += [(r.key or "(no key)", "") for r in routes[:ROUTES_SHOWN]]
        if len(routes) > ROUTES_SHOWN:
            lines.append((f"+ {len(routes) - ROUTES_SHOWN} more route{'s' if len(routes) - ROUTES_SHOWN != 1 else ''}", "muted"))
        x = col["targets"]
        box(x + 30, y, box_w["targets"] - 30, gh, lines, dash=dash)
        w(f'<circle class="badge" cx="{x + 12}" cy="{y + 18:.1f}" r="11"/>')
        w(f'<text class="badge-text" x="{x + 12}" y="{y + 22.5:.1f}" text-anchor="middle" aria-hidden="true">{_t(badge)}</text>')
        arrow(col["gateway"] + box_w["gateway"], mid, x + 30, y + gh / 2)
        y += gh + 14
    if not groups:
        empty = [("No routes yet", "title"), ("add a route to see it here", "muted")]
        box(col["targets"] + 30, mid - 30, box_w["targets"] - 30, 60, empty, dash="1 3")
    w("</svg>")
    return "\n".join(out) + "\n"
