"""A learner's lab work as their cohort's instructors read it on the learner page: the designs themselves
(each with the findings the rules have on it now, its diagram and its OpenAPI document) and the sandbox
trace (the latest calls across the learner's sandboxes, each with its step-by-step trace).

This is the one classroom module that imports ``labs``, and only to read: it renders with the labs' own
analysis (``labs.builder.Analysis``), diagram (``labs.apigw.diagram``) and exports (``labs.exports``),
and changes nothing (no save, no learning event, no sandbox touched). The rest of classroom reads lab
work from the learning log. Nothing here gives a way into the builder or the sandbox: those pages are
the learner's own.

What it costs is bounded whatever the learner did: two queries (designs, calls; each with its total
counted by a window function in the same query), at most ``DESIGNS_SHOWN`` designs validated, resolved
and drawn, and OpenAPI written for at most ``OPENAPI_ROUTES`` routes in all (a 300-route design takes
about 0.1 s and 100 kB to export; the builder, too, stops exporting on every change above 60 routes).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Window

from labs import catalog, exports
from labs.apigw.diagram import API_NAMES, render_svg
from labs.apigw.rules import Finding
from labs.builder import STEP_IDS, STEPS_BY_ID, Analysis
from labs.models import LabAttempt, SandboxCall

#: The most recently saved designs shown (each is validated, resolved and drawn for the page).
DESIGNS_SHOWN = 10
#: The latest sandbox calls shown, across all the learner's sandboxes.
CALLS_SHOWN = 20
#: OpenAPI is written for the designs shown, newest first, while their routes add up to no more than this.
OPENAPI_ROUTES = 300
#: Errors and warnings listed per design (all are counted).
FINDINGS_SHOWN = 10


@dataclass(frozen=True)
class LabDesign:
    """One of the learner's designs, ready for the template."""

    pk: int
    lab_title: str
    free: bool
    name: str
    api_label: str
    routes: int
    step_label: str
    steps_saved: int
    started_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    objectives_met: int
    objectives_total: int
    errors: int
    warnings: int
    findings: list[Finding]
    diagram_svg: str
    openapi: str  # "" when left out (OPENAPI_ROUTES used up by newer designs)
    notices: list[str] = field(default_factory=list)

    @property
    def steps_total(self) -> int:
        return len(STEP_IDS)

    @property
    def more_findings(self) -> int:
        return self.errors + self.warnings - len(self.findings)


@dataclass(frozen=True)
class Shown:
    """Some rows of a longer list, and how long the list is."""

    rows: list[Any]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def _lab_title(scenario: str, title: str, titles: dict[str, str]) -> str:
    return titles.get(scenario) or title or ("Free design" if not scenario else scenario)


def _step_label(step: str) -> str:
    if step in STEPS_BY_ID:
        return f"{STEP_IDS.index(step) + 1}. {STEPS_BY_ID[step].title}"
    return step or "–"


def designs(user, titles: dict[str, str]) -> Shown:
    """The learner's DESIGNS_SHOWN most recently saved designs (scenario labs and free designs alike).
    ``titles``: slug -> lab title (``courseware.models.Lab.objects.titles()``)."""
    attempts = list(LabAttempt.objects.filter(user=user)
                    .only("scenario", "title", "design", "step", "steps_saved", "objectives_met", "started_at",
                          "updated_at", "completed_at")
                    .annotate(total=Window(Count("pk")))
                    .order_by("-updated_at", "-pk")[:DESIGNS_SHOWN])
    budget, rows = OPENAPI_ROUTES, []
    for attempt in attempts:
        design, notices = attempt.read_design()
        analysis = Analysis(design, None)  # the rules' findings and the resolved API; no objective, no query
        api, found = analysis.resolved, analysis.findings
        problems = [f for f in found if f.severity in ("error", "warning")]
        openapi = ""
        if len(api.routes) <= budget:
            budget -= len(api.routes)
            openapi = exports.text("openapi.yaml", design, api)
        scenario = catalog.get(attempt.scenario) if attempt.scenario else None
        rows.append(LabDesign(
            pk=attempt.pk, lab_title=_lab_title(attempt.scenario, attempt.title, titles), free=not attempt.scenario,
            name=design.name or "Untitled", api_label=API_NAMES.get(design.api_type, design.api_type or "API"),
            routes=len(api.routes), step_label=_step_label(attempt.step),
            steps_saved=len(set(attempt.steps_saved) & set(STEP_IDS)), started_at=attempt.started_at,
            updated_at=attempt.updated_at, completed_at=attempt.completed_at,
            objectives_met=len(attempt.objectives_met or []),
            objectives_total=len(scenario.objectives) if scenario else 0,
            errors=sum(f.severity == "error" for f in problems), warnings=sum(f.severity == "warning" for f in problems),
            findings=problems[:FINDINGS_SHOWN],
            diagram_svg=render_svg(api, id_prefix=f"learner-design-{attempt.pk}"), openapi=openapi, notices=notices,
        ))
    return Shown(rows, attempts[0].total if attempts else 0)


@dataclass(frozen=True)
class TraceStep:
    step: str
    decision: str
    detail: str
    ms: float
    lesson: str
    stop: bool  # the step refused the request (a 4xx or 5xx decision)


@dataclass(frozen=True)
class Call:
    """One request a sandbox of the learner's answered: what the sandbox page's execution log and trace
    show, and no more: not the request's headers, query or body, nor the response (a header may carry a
    key, a query or a body anything the learner typed), nor the sandbox's key (its invoke URL); the trace
    goes through ``scrub``."""

    pk: int
    at: datetime
    lab_title: str
    source: str
    method: str
    path: str
    stage: str
    status: int
    arm: str
    error_type: str
    deployment_id: str
    deciding_step: str
    prediction: dict[str, Any]
    trace: list[TraceStep]

    @property
    def websocket(self) -> bool:
        return self.method == "WS"


#: What a trace may quote that is not for the instructor's eyes: a token (a JWT, or after "Bearer") that a
#: mapping template or a backend's URL echoed, and the caller's own IP address (an invoke URL call comes
#: from the learner's machine; the sandbox's default caller and the scenarios use documentation addresses,
#: RFC 5737 and RFC 3849, which are kept: a resource policy's lesson is about them).
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(\bBearer\s+)(?!\(token\))[^\s\"',;)]+", re.I)
_IP = re.compile(r"(?<![\w:.])(?:(?:[0-9A-Fa-f]{0,4}:){2,6}\d{1,3}(?:\.\d{1,3}){3}|\d{1,3}(?:\.\d{1,3}){3}"
                 r"|(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4})(?![\w:/]|\.\d)")
_DOCUMENTATION = tuple(ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
                                                          "2001:db8::/32"))


def _address(match: re.Match) -> str:
    try:
        address = ipaddress.ip_address(match.group(0))
    except ValueError:
        return match.group(0)
    if address.is_unspecified or any(address in net for net in _DOCUMENTATION):
        return match.group(0)
    return "(the caller's IP address)"


def scrub(text: str, sandbox_key: str = "") -> str:
    """A trace's text with tokens, the caller's real IP address and the sandbox's key (its invoke URL) hidden."""
    text = _BEARER.sub(r"\1(token)", _JWT.sub("(token)", text))
    if sandbox_key:
        text = text.replace(sandbox_key, "(sandbox key)")
    return _IP.sub(_address, text)


def _refused(decision: str) -> bool:
    return decision[:3].isdigit() and int(decision[:3]) >= 400


def calls(user, titles: dict[str, str]) -> Shown:
    """The CALLS_SHOWN latest calls across the learner's sandboxes, newest first, with their traces."""
    found = list(SandboxCall.objects.filter(sandbox__attempt__user=user)
                 .select_related("sandbox__attempt")
                 .only("at", "source", "stage", "method", "path", "status", "arm", "error_type", "deployment_id",
                       "trace", "prediction", "sandbox__key", "sandbox__attempt__scenario", "sandbox__attempt__title")
                 .annotate(total=Window(Count("pk")))
                 .order_by("-at", "-pk")[:CALLS_SHOWN])
    rows = []
    for call in found:
        attempt, key = call.sandbox.attempt, call.sandbox.key
        steps = [s for s in (call.trace or []) if isinstance(s, dict)]
        rows.append(Call(
            pk=call.pk, at=call.at, lab_title=_lab_title(attempt.scenario, attempt.title, titles),
            source=call.get_source_display(), method=call.method, path=scrub(call.path, key), stage=call.stage,
            status=call.status, arm=call.arm, error_type=call.error_type, deployment_id=call.deployment_id,
            deciding_step=call.deciding_step, prediction=call.prediction or {},
            trace=[TraceStep(str(s.get("step", "")), scrub(str(s.get("decision", "")), key),
                             scrub(str(s.get("detail", "")), key), float(s.get("ms") or 0), str(s.get("lesson", "")),
                             _refused(str(s.get("decision", "")))) for s in steps],
        ))
    return Shown(rows, found[0].total if found else 0)
