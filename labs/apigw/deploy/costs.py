"""What a deployment may cost while it is up: the meters it turns on, with US East (N. Virginia) rates.

Rates checked on 2 December 2026 (``PRICES_CHECKED``). Request tiers and the free tier are as the AWS
pricing page states them (https://aws.amazon.com/api-gateway/pricing/, and lesson 15 "What it costs").
That page renders its rate tables from price tokens, so the cache's hourly rates by size and the
WebSocket rates were read from pages quoting it (the same figures in each: e.g. https://tmmr.uk/post/
api-gateway/api-gateway-cache/ "the smallest cache ... $14.60 a month in us-east-1", i.e. $0.020 an
hour over 730 hours; https://cloudburn.io/docs/rules/aws/apigateway "$0.020-$3.800/hour depending on
cache size"; AWS re:Post quoting "$0.25 per million connection minutes"). Other Regions differ: the
estimate says so rather than guessing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..resolved import ResolvedApi

PRICES_CHECKED = "2026-12-02"
PRICE_REGION = "us-east-1"
PRICING_PAGE = "https://aws.amazon.com/api-gateway/pricing/"

#: US East (N. Virginia), USD per million requests, by monthly volume tier (up to N million).
REST_REQUEST_TIERS = ((333, 3.50), (667, 2.80), (19_000, 2.38), (None, 1.51))
HTTP_REQUEST_TIERS = ((300, 1.00), (None, 0.90))
WEBSOCKET_MESSAGE_TIERS = ((1_000, 1.00), (None, 0.80))
WEBSOCKET_CONNECTION_MINUTES = 0.25  # USD per million connection minutes
#: REST stage cache, USD per hour by size (GB, as AWS spells it). Not in the free tier.
CACHE_HOURLY = {"0.5": 0.020, "1.6": 0.038, "6.1": 0.200, "13.5": 0.250, "28.4": 0.500, "58.2": 1.000,
                "118": 1.900, "237": 3.800}
FREE_TIER = {
    "rest": "1 million REST API calls a month",
    "http": "1 million HTTP API calls a month",
    "websocket": "1 million messages and 750,000 connection minutes a month",
}


@dataclass(frozen=True, slots=True)
class CostLine:
    item: str
    price: str  # the rate, as text
    while_up: float | None  # USD for the hours the deployment is up (None: depends on traffic)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "price": self.price, "while_up": self.while_up, "note": self.note}


@dataclass(frozen=True, slots=True)
class CostEstimate:
    region: str
    hours: float
    lines: tuple[CostLine, ...]
    hourly_usd: float  # what bills by the hour whether or not anyone calls the API
    notes: tuple[str, ...] = field(default_factory=tuple)
    checked: str = PRICES_CHECKED

    @property
    def while_up_usd(self) -> float:
        return round(self.hourly_usd * self.hours, 4)

    def to_dict(self) -> dict[str, Any]:
        return {"region": self.region, "hours": self.hours, "lines": [line.to_dict() for line in self.lines],
                "hourly_usd": self.hourly_usd, "notes": list(self.notes), "checked": self.checked}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CostEstimate:
        return cls(d["region"], d["hours"], tuple(CostLine(**line) for line in d.get("lines") or ()), d["hourly_usd"],
                   tuple(d.get("notes") or ()), d.get("checked", PRICES_CHECKED))

    def render(self) -> str:
        out = [f"What it may cost while it is up ({self.hours:g} h; {PRICE_REGION} rates checked {self.checked}):"]
        for line in self.lines:
            amount = f"${line.while_up:.4f}" if line.while_up is not None else "per use"
            out.append(f"  {line.item}: {line.price} -> {amount}" + (f"  ({line.note})" if line.note else ""))
        out.append(f"  Billed by the hour even when idle: ${self.hourly_usd:.3f}/h -> ${self.while_up_usd:.4f} "
                   f"for {self.hours:g} h")
        out += [f"  - {n}" for n in self.notes]
        return "\n".join(out)


def _tiers(tiers: tuple[tuple[int | None, float], ...], unit: str) -> str:
    parts = []
    for upto, price in tiers:
        parts.append(f"${price:.2f}/million {unit}" + (f" (first {upto:,} million)" if upto and not parts else
                                                        f" (next {upto:,} million)" if upto else " (beyond)"))
    return "; ".join(parts)


def estimate(api: ResolvedApi, region: str, hours: float = 2.0) -> CostEstimate:
    lines: list[CostLine] = []
    notes: list[str] = []
    hourly = 0.0
    if api.api_type == "rest":
        lines.append(CostLine("Requests", _tiers(REST_REQUEST_TIERS[:1], "requests"), None,
                              f"free tier: {FREE_TIER['rest']} for 12 months on older accounts"))
        for stage in api.stages:
            if stage.cache_enabled:
                rate = CACHE_HOURLY.get(stage.cache_size)
                if rate is None:
                    lines.append(CostLine(f"Cache on stage {stage.name} ({stage.cache_size} GB)", "unknown size", None,
                                          "not a size AWS offers"))
                    continue
                hourly += rate
                lines.append(CostLine(f"Cache on stage {stage.name} ({stage.cache_size} GB)", f"${rate:.3f}/hour",
                                      round(rate * hours, 4), "billed every hour it exists, busy or idle; never in the free tier"))
        if any(s.canary is not None and s.cache_enabled and not s.canary.use_stage_cache for s in api.stages):
            notes.append("A canary that does not use the stage cache is served without it; the cache is billed the same.")
        if any(s.logging_level != "OFF" for s in api.stages):
            notes.append("Execution logging writes to CloudWatch Logs, billed by CloudWatch per GB ingested and stored.")
        if any(s.waf_web_acl_arn for s in api.stages):
            notes.append("An AWS WAF web ACL is billed by AWS WAF (per web ACL, per rule and per request).")
    elif api.api_type == "http":
        lines.append(CostLine("Requests", _tiers(HTTP_REQUEST_TIERS[:1], "requests"), None,
                              f"metered in 512 KB increments; free tier: {FREE_TIER['http']}"))
    else:
        lines.append(CostLine("Messages", _tiers(WEBSOCKET_MESSAGE_TIERS[:1], "messages"), None,
                              "metered in 32 KB increments, sent and received"))
        lines.append(CostLine("Connection minutes", f"${WEBSOCKET_CONNECTION_MINUTES:.2f}/million minutes", None,
                              f"every minute a connection is open, even idle; free tier: {FREE_TIER['websocket']}"))
    if any(r.integration.connection_type == "VPC_LINK" for r in api.routes):
        notes.append("Private integrations go through a VPC link to a load balancer you already have; it bills by the "
                     "hour on its own (the deployer makes none).")
    notes.append("Creating, changing and deleting the API (the calls in this plan) costs nothing.")
    notes.append("No custom domain is made; API Gateway does not bill for one, but Route 53 bills its hosted zone.")
    notes.append("Lambda invocations, data transferred out and CloudWatch metrics are billed by those services.")
    notes.append("Since 15 July 2025 new accounts get up to $200 in Free Tier credits instead of the 12-month offers.")
    if region != PRICE_REGION:
        notes.append(f"Rates above are for {PRICE_REGION}; {region} may differ (see {PRICING_PAGE}).")
    return CostEstimate(region, hours, tuple(lines), round(hourly, 4), tuple(notes))
