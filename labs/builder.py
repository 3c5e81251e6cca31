"""The guided builder, described once: its six steps (title, forms, how each binds from and applies to
a design, which findings and inputs belong to it) and the analysis of a design that every builder
page shows.

Views translate a request into these calls and render the result; the forms live in ``forms.py``;
what a design means to AWS comes from ``apigw.resolved``. A new step is one ``Step`` in ``STEPS``
plus its template in ``templates/labs/steps/<id>.html``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django import forms as django_forms

from . import forms
from .apigw import rules
from .apigw.model import Design
from .apigw.objectives import ObjectiveResult, SandboxView, evaluate
from .apigw.resolved import ResolvedApi, resolve
from .apigw.rules import Finding
from .apigw.scenarios import STEP_IDS as SCENARIO_STEP_IDS, Scenario

Form = django_forms.Form | django_forms.BaseFormSet
Parts = dict[str, Form]


# --------------------------------------------------------------------------------------------------
# Binding the forms of one step
# --------------------------------------------------------------------------------------------------


def _initial(data, make: Callable[[Design], Any], design: Design):
    """Bound forms get no ``initial``: a formset treats an extra row equal to its initial value as
    unchanged (and drops it), and the design may have moved on since the page was rendered."""
    return None if data is not None else make(design)


def _bind_api(design: Design, data) -> Parts:
    return {"form": forms.ApiForm(data, initial=_initial(data, forms.ApiForm.initial_from, design))}


def _bind_endpoint(design: Design, data) -> Parts:
    return {"form": forms.EndpointForm(data, initial=_initial(data, forms.EndpointForm.initial_from, design),
                                       api_type=design.api_type)}


#: Blank route rows the routes step shows beyond the design's own (more on "Add a route").
BLANK_ROUTE_ROWS, MAX_BLANK_ROUTE_ROWS = 3, 50


def _bind_routes(design: Design, data, blank_rows: int = BLANK_ROUTE_ROWS) -> Parts:
    rows = None
    if data is None:  # the formset adds BLANK_ROUTE_ROWS itself; asked-for extra rows come as blank initials
        rows = forms.routes_initial(design) + [{}] * (min(blank_rows, MAX_BLANK_ROUTE_ROWS) - BLANK_ROUTE_ROWS)
    return {"form": forms.RoutesForm(data, initial=_initial(data, forms.RoutesForm.initial_from, design)),
            "formset": forms.RouteFormSet(data, initial=rows, prefix="routes")}


#: The integrations and security steps show this many routes at a time: a 300-route design stays quick
#: to render and to check (each page binds and saves only its own rows).
ROUTES_PER_PAGE = 25


def route_page(design: Design, offset: Any) -> slice:
    """The routes a page shows, from an offset a request gave (clamped to a page boundary)."""
    try:
        start = max(0, min(int(offset), max(len(design.routes) - 1, 0)))
    except (TypeError, ValueError):
        start = 0
    start -= start % ROUTES_PER_PAGE
    return slice(start, start + ROUTES_PER_PAGE)


def _bind_integrations(design: Design, data, page: slice) -> Parts:
    rows = None if data is not None else forms.integrations_initial(design, page)
    return {"formset": forms.IntegrationFormSet(data, initial=rows, prefix="integrations", offset=page.start,
                                                form_kwargs={"api_type": design.api_type})}


def _bind_security(design: Design, data, page: slice) -> Parts:
    main, routes, authorizers = forms.security_initial(design, page) if data is None else (None, None, None)
    api = design.api_type
    return {"form": forms.SecurityForm(data, initial=main),
            "formset": forms.RouteSecurityFormSet(data, initial=routes, prefix="security", offset=page.start,
                                                  form_kwargs={"api_type": api}),
            "authorizers": forms.AuthorizerFormSet(data, initial=authorizers, prefix="authorizers",
                                                   form_kwargs={"api_type": api})}


def _bind_stages(design: Design, data) -> Parts:
    return {"formset": forms.StageFormSet(data, initial=_initial(data, forms.stages_initial, design), prefix="stages")}


def _rows(part: Form) -> list[dict]:
    return [f.cleaned_data for f in part.forms]


def _apply_security(design: Design, parts: Parts) -> None:
    forms.apply_security(design, parts["form"].cleaned_data, _rows(parts["formset"]), _rows(parts["authorizers"]),
                         offset=parts["formset"].offset)


# --------------------------------------------------------------------------------------------------
# The steps
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    #: location prefixes (of rules' findings) that this step shows
    locations: tuple[str, ...]
    bind: Callable[..., Parts] = field(repr=False)  # (design, data) or, for paged steps, (design, data, page)
    apply: Callable[[Design, Parts], None] = field(repr=False)
    #: (pattern over a finding's location, the id of the input it is about); first match wins
    field_ids: tuple[tuple[str, str], ...] = ()
    #: fields of the step's main form that the learner must choose (shown unselected until saved once)
    choices: tuple[str, ...] = ()


STEPS: tuple[Step, ...] = (
    Step("api", "API type", ("name", "description", "version", "api_type", "tags"), _bind_api,
         lambda d, p: forms.ApiForm.apply(d, p["form"].cleaned_data),
         ((r"^(name|description|version|api_type)$", r"id_\1"), (r"^tags(\..*)?$", "id_tags")), ("api_type",)),
    Step("endpoint", "Endpoint", ("endpoint", "clients", "client_retries"), _bind_endpoint,
         lambda d, p: forms.EndpointForm.apply(d, p["form"].cleaned_data),
         ((r"^endpoint_types.*$", "id_endpoint_type_0"), (r"^clients$", "id_clients_0"), (r"^client_retries$", "id_client_retries")),
         ("endpoint_type",)),
    Step("routes", "Routes", ("route_selection_expression", "routes", "routes[].key"), _bind_routes,
         lambda d, p: forms.apply_routes(d, p["form"].cleaned_data, _rows(p["formset"])),
         ((r"^route_selection_expression$", "id_route_selection_expression"),
          (r"^routes\[(\d+)\]\.key$", r"id_routes-\1-key"))),
    Step("integrations", "Integrations", ("routes[].integration",), _bind_integrations,
         lambda d, p: forms.apply_integrations(d, _rows(p["formset"]), offset=p["formset"].offset),
         ((r"^routes\[(\d+)\]\.integration\.(lambda_arn|uri)$", r"id_integrations-\1-target"),
          (r"^routes\[(\d+)\]\.integration\.request_templates.*$", r"id_integrations-\1-request_template"),
          (r"^routes\[(\d+)\]\.integration\.response_templates.*$", r"id_integrations-\1-response_template"),
          (r"^routes\[(\d+)\]\.integration\.responses\[0\].*$", r"id_integrations-\1-error_pattern"),
          (r"^routes\[(\d+)\]\.integration\.(kind|timeout_ms|payload_format_version|service|action|subtype|role_arn|"
           r"connection_id)$", r"id_integrations-\1-\2"),
          (r"^routes\[(\d+)\]\.integration.*$", r"id_integrations-\1-kind"))),
    Step("security", "Security",
         ("routes[].authorization", "routes[].authorizer", "routes[].scopes", "routes[].api_key_required",
          "routes[].request_validator", "authorizers", "api_key", "usage_plans", "cors", "resource_policy",
          "request_validators"), _bind_security, _apply_security,
         ((r"^routes\[(\d+)\]\.(authorization|authorizer|scopes|api_key_required|request_validator)$",
           r"id_security-\1-\2"),
          (r"^authorizers\[(\d+)\]\.(name|type|lambda_arn|identity_sources|ttl_seconds|user_pool_arns|issuer|audience)$",
           r"id_authorizers-\1-\2"),
          (r"^authorizers\[(\d+)\].*$", r"id_authorizers-\1-name"),
          (r"^cors\.allow_credentials$", "id_cors_credentials"), (r"^cors\.allow_origins.*$", "id_cors_origins"),
          (r"^cors\.max_age$", "id_cors_max_age"), (r"^cors.*$", "id_cors_enabled"),
          (r"^resource_policy$", "id_resource_policy"), (r"^request_validators.*$", "id_validator_name"),
          (r"^usage_plans.*$", "id_usage_plan"))),
    Step("stages", "Stages", ("stages",), _bind_stages,
         lambda d, p: forms.apply_stages(d, _rows(p["formset"])),
         ((r"^stages\[(\d+)\]\.canary.*$", r"id_stages-\1-canary_percent"),
          (r"^stages\[(\d+)\]\.variables.*$", r"id_stages-\1-variables"),
          (r"^stages\[(\d+)\]\.(name|throttle_rate|throttle_burst|cache_enabled|cache_size|cache_ttl|logging_level|"
           r"auto_deploy|waf_web_acl_arn)$", r"id_stages-\1-\2"))),
)
STEP_IDS = tuple(step.id for step in STEPS)
PAGED_STEPS = frozenset({"integrations", "security"})
# Scenario files (plain Python, no Django) name the same steps; the two lists must not drift.
assert STEP_IDS == SCENARIO_STEP_IDS, "labs.builder.STEPS and apigw.scenarios.STEP_IDS differ"
STEPS_BY_ID: Mapping[str, Step] = {step.id: step for step in STEPS}
_FIELD_IDS = tuple((re.compile(pattern), replacement) for step in STEPS for pattern, replacement in step.field_ids)


def step_of(location: str) -> str:
    """Which builder step shows a finding at this location (e.g. "routes[2].integration.timeout_ms")."""
    generic = re.sub(r"\[\d+\]", "[]", location or "")
    best, length = "api", -1
    for step in STEPS:
        for prefix in step.locations:
            if generic.startswith(prefix) and len(prefix) > length:
                best, length = step.id, len(prefix)
    return best


#: Findings shown in one step that the learner can also settle in another: there they are listed with a
#: link (a private REST API without a resource policy is fixed in Security, or by another endpoint type).
_ALSO_ABOUT = ((re.compile(r"^policy\.private-"), ("endpoint",)),
               (re.compile(r"^endpoint\."), ("endpoint",)),
               (re.compile(r"-rest-only$|-http-only$|-websocket-only$"), ("api",)))


def also_about(rule_id: str) -> tuple[str, ...]:
    """Other steps where a finding of this rule can be acted on (its own step aside)."""
    return tuple(step for pattern, steps in _ALSO_ABOUT if pattern.search(rule_id) for step in steps)


def route_of(location: str) -> int | None:
    """The route a finding is about ("routes[57].integration.kind" -> 57), if any."""
    m = re.match(r"^routes\[(\d+)\]", location or "")
    return int(m.group(1)) if m else None


def field_id(location: str) -> str:
    """The id of the builder input a finding is about, so the finding can link straight to it."""
    for pattern, replacement in _FIELD_IDS:
        if pattern.match(location or ""):
            return pattern.sub(replacement, location)
    return ""


@dataclass
class BoundStep:
    """The forms of one step, bound to a POST or filled from the design."""

    step: Step
    parts: Parts
    page: slice = field(default_factory=lambda: slice(0, None))

    @classmethod
    def of(cls, step_id: str, design: Design, data=None, offset: Any = 0, *, untouched: bool = False,
           blank_rows: int = BLANK_ROUTE_ROWS) -> BoundStep:
        """The step's forms; ``offset`` picks the page of routes of a paged step (a POST carries its own).
        An ``untouched`` step (never saved by the learner) preselects nothing the learner must choose;
        ``blank_rows`` is how many empty rows the routes step offers."""
        step = STEPS_BY_ID[step_id]
        if step.id == "routes":
            return cls(step, _bind_routes(design, data, blank_rows))
        if step.id not in PAGED_STEPS:
            parts = step.bind(design, data)
            if untouched and data is None:
                for name in step.choices:
                    parts["form"].initial[name] = None
            return cls(step, parts)
        page = route_page(design, data.get("route_offset") if data is not None else offset)
        return cls(step, step.bind(design, data, page), page)

    @property
    def paged(self) -> bool:
        return self.step.id in PAGED_STEPS

    @property
    def is_bound(self) -> bool:
        return any(getattr(part, "is_bound", False) for part in self.parts.values())

    def is_valid(self) -> bool:
        return all(part.is_valid() for part in self.parts.values())

    def apply(self, design: Design) -> None:
        self.step.apply(design, self.parts)

    @property
    def chosen(self) -> bool:
        """Whether this POST makes every choice the step asks for (after ``is_valid``): only then is the
        step the learner's own."""
        form = self.parts.get("form")
        return all(form.cleaned_data.get(name) for name in self.step.choices) if self.step.choices else True

    def errors(self) -> list[str]:
        """Form-level problems (a word where a number belongs, broken JSON), as plain sentences."""
        errors: list[str] = []
        for part in self.parts.values():
            rows = part.forms if hasattr(part, "forms") else [part]
            for index, form in enumerate(rows):
                for name, problems in form.errors.items():
                    label = (form.fields[name].label or name.replace("_", " ").capitalize()) if name in form.fields else ""
                    row = f"row {index + 1}: " if hasattr(part, "forms") else ""
                    errors.extend(f"{row}{label}: {problem}" if label else f"{row}{problem}" for problem in problems)
            if hasattr(part, "non_form_errors"):
                errors.extend(part.non_form_errors())
        return errors


# --------------------------------------------------------------------------------------------------
# What a builder page shows about a design: computed once per request
# --------------------------------------------------------------------------------------------------


@dataclass
class Analysis:
    """The rules' findings on the design as written and the objectives checked on the resolved API."""

    design: Design
    scenario: Scenario | None
    #: steps the learner has not saved yet: their findings wait, their defaults meet no objective
    untouched: frozenset[str] = frozenset()
    #: the learner's sandbox and execution log, for objectives over deployments and traffic (read only);
    #: None for a lab whose objectives are all about the design, or before anything is deployed
    sandbox: SandboxView | None = None

    @cached_property
    def resolved(self) -> ResolvedApi:
        return resolve(self.design)

    @cached_property
    def findings(self) -> list[Finding]:
        return rules.validate(self.design)

    @cached_property
    def objective_results(self) -> list[ObjectiveResult]:
        if self.scenario is None:
            return []
        return evaluate(self.design, self.scenario.objectives, resolved=self.resolved, findings=self.findings,
                        untouched_steps=self.untouched, sandbox=self.sandbox)

    @cached_property
    def findings_by_step(self) -> dict[str, list[Finding]]:
        by_step: dict[str, list[Finding]] = {step.id: [] for step in STEPS}
        for finding in self.findings:
            by_step[step_of(finding.location)].append(finding)
        return by_step

    def related_findings(self, step: str) -> list[tuple[Finding, str]]:
        """(finding, its own step) for findings of other steps that this step can also settle."""
        if step in self.untouched:
            return []
        return [(f, own) for own, found in self.findings_by_step.items() if own != step and own not in self.untouched
                for f in found if step in also_about(f.rule_id)]

    def shown_findings(self, step: str) -> list[Finding]:
        """A step's findings as its page shows them: none until the learner has saved the step."""
        return [] if step in self.untouched else self.findings_by_step[step]

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def step_errors(self) -> dict[str, int]:
        return {step: 0 if step in self.untouched else sum(f.severity == "error" for f in found)
                for step, found in self.findings_by_step.items()}

    @property
    def objectives_met(self) -> int:
        return sum(r.met for r in self.objective_results)

    @property
    def rule_ids(self) -> list[str]:
        """The rules the design breaks (tips aside), as the learning log records them."""
        return sorted({f.rule_id for f in self.findings if f.severity != "tip"})

    @property
    def rule_lessons(self) -> dict[str, str]:
        """Rule id -> the lesson that explains it, for the rules in ``rule_ids`` (the dashboard links each
        rule a class breaks to its lesson from the event itself: its figures do not import labs)."""
        return {f.rule_id: f.lesson for f in self.findings if f.severity != "tip" and f.lesson}

    @property
    def misconceptions(self) -> list[str]:
        return sorted({f.misconception for f in self.findings if f.misconception})

    @property
    def met_ids(self) -> list[str]:
        return sorted(r.id for r in self.objective_results if r.met)

    @property
    def complete(self) -> bool:
        results = self.objective_results
        return bool(results) and all(r.met for r in results) and not self.errors

    def context(self) -> dict[str, Any]:
        return {
            "findings": self.findings, "findings_by_step": self.findings_by_step, "errors": self.errors,
            "step_errors": self.step_errors, "objective_results": self.objective_results,
            "objectives_met": self.objectives_met,
        }
