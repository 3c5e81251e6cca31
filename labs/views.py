from __future__ import annotations

import functools
import json
import logging
import re
import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from courseware.models import LearningEvent, Lesson, record_event
from courseware.rendering import render as render_markdown

from . import forms as steps
from .apigw import cloudformation, diagram, objectives, openapi, rules, sdk
from .apigw.model import Design, DesignError
from .apigw.scenarios import Scenario, load_all
from .models import LabAttempt

log = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 6 * 1024 * 1024  # API Gateway's own limit for an imported OpenAPI body


@functools.cache
def _scenarios() -> dict[str, Scenario]:
    """The lab files, read once per process (they change only with a release)."""
    return {scenario.slug: scenario for scenario in load_all(settings.LAB_SCENARIOS_DIR)}


def _get_scenario(slug: str) -> Scenario:
    scenario = _scenarios().get(slug)
    if scenario is None:
        raise Http404("No such lab.")
    return scenario


def _get_lab_attempt_for_user(request: HttpRequest, pk: int) -> LabAttempt:
    attempt = LabAttempt.objects.filter(pk=pk, user=request.user).first()
    if attempt is None:
        raise Http404("No such lab attempt.")
    return attempt


def _design_of(attempt: LabAttempt, request: HttpRequest | None = None) -> Design:
    design, notices = attempt.read_design()
    if request is not None:
        for notice in notices:
            messages.warning(request, notice)
    return design


# --- Lists and briefs -----------------------------------------------------------------------------


def lab_list(request: HttpRequest) -> HttpResponse:
    mine = {}
    if request.user.is_authenticated:
        mine = {a.scenario: a for a in LabAttempt.objects.filter(user=request.user).exclude(scenario="")}
    labs = [(scenario, mine.get(slug)) for slug, scenario in _scenarios().items()]
    free = LabAttempt.objects.filter(user=request.user, scenario="") if request.user.is_authenticated else []
    return render(request, "labs/index.html", {"labs": labs, "free_designs": free, "nav": "labs"})


def lab_detail(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = _get_scenario(slug)
    attempt = None
    if request.user.is_authenticated:
        attempt = LabAttempt.objects.filter(user=request.user, scenario=slug).first()
    lessons = Lesson.objects.published().filter(slug__in=scenario.lessons).in_course_order()
    return render(request, "labs/detail.html", {
        "scenario": scenario, "brief_html": render_markdown(scenario.brief).html, "attempt": attempt,
        "lessons": lessons, "nav": "labs",
    })


@login_required
@require_POST
def lab_start(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = _get_scenario(slug)
    try:
        attempt, _ = LabAttempt.objects.get_or_create(
            user=request.user, scenario=slug,
            defaults={"title": scenario.title, "design": Design(api_type=scenario.api_type).to_dict()},
        )
    except IntegrityError:  # a double click created it a moment ago
        attempt = LabAttempt.objects.get(user=request.user, scenario=slug)
    if request.POST.get("restart") == "1":
        attempt.design = Design(api_type=scenario.api_type).to_dict()
        attempt.step, attempt.objectives_met, attempt.completed_at = "api", [], None
        attempt.save()
        messages.info(request, "You are starting this lab afresh.")
    return redirect(attempt)


# --- The builder --------------------------------------------------------------------------------------------


def _bind(step: str, design: Design, data=None) -> dict:
    """The forms of one step, bound to `data` (a POST) or filled from the design.

    Bound forms get no `initial`: a formset treats an extra row equal to its initial value as
    unchanged (and drops it), and the design may have moved on since the page was rendered.
    """
    api = design.api_type

    def initial(make):
        return None if data is not None else make(design)

    if step == "api":
        return {"form": steps.ApiForm(data, initial=initial(steps.ApiForm.initial_from))}
    if step == "endpoint":
        return {"form": steps.EndpointForm(data, initial=initial(steps.EndpointForm.initial_from), api_type=api)}
    if step == "routes":
        return {"form": steps.RoutesForm(data, initial=initial(steps.RoutesForm.initial_from)),
                "formset": steps.RouteFormSet(data, initial=initial(steps.routes_initial), prefix="routes")}
    if step == "integrations":
        return {"formset": steps.IntegrationFormSet(data, initial=initial(steps.integrations_initial),
                                                    prefix="integrations", form_kwargs={"api_type": api})}
    if step == "security":
        main, routes, authorizers = steps.security_initial(design) if data is None else (None, None, None)
        return {"form": steps.SecurityForm(data, initial=main),
                "formset": steps.RouteSecurityFormSet(data, initial=routes, prefix="security",
                                                      form_kwargs={"api_type": api}),
                "authorizers": steps.AuthorizerFormSet(data, initial=authorizers, prefix="authorizers",
                                                       form_kwargs={"api_type": api})}
    if step == "stages":
        return {"formset": steps.StageFormSet(data, initial=initial(steps.stages_initial), prefix="stages")}
    raise Http404("No such step.")


def _apply(step: str, design: Design, bound: dict) -> None:
    form, formset = bound.get("form"), bound.get("formset")
    rows = [f.cleaned_data for f in formset.forms] if formset is not None else []
    if step == "api":
        steps.ApiForm.apply(design, form.cleaned_data)
    elif step == "endpoint":
        steps.EndpointForm.apply(design, form.cleaned_data)
    elif step == "routes":
        steps.apply_routes(design, form.cleaned_data, rows)
    elif step == "integrations":
        steps.apply_integrations(design, rows)
    elif step == "security":
        steps.apply_security(design, form.cleaned_data, rows, [f.cleaned_data for f in bound["authorizers"].forms])
    elif step == "stages":
        steps.apply_stages(design, rows)


def _valid(bound: dict) -> bool:
    return all(part.is_valid() for part in bound.values())


def _form_errors(bound: dict) -> list[str]:
    """Form-level problems (a word where a number belongs, broken JSON), as plain sentences."""
    errors = []
    for part in bound.values():
        forms_ = part.forms if hasattr(part, "forms") else [part]
        for index, form in enumerate(forms_):
            for name, problems in form.errors.items():
                label = form.fields[name].label or name.replace("_", " ").capitalize() if name in form.fields else ""
                row = f"row {index + 1}: " if hasattr(part, "forms") else ""
                errors.extend(f"{row}{label}: {problem}" if label else f"{row}{problem}" for problem in problems)
        if hasattr(part, "non_form_errors"):
            errors.extend(part.non_form_errors())
    return errors


def _analysis(attempt: LabAttempt, design: Design) -> dict:
    findings = rules.validate(design)
    scenario = _scenarios().get(attempt.scenario)
    results = objectives.evaluate(design, scenario.objectives) if scenario else []
    by_step: dict[str, list] = {step.id: [] for step in steps.STEPS}
    for finding in findings:
        by_step[steps.step_of(finding.location)].append(finding)
    return {
        "findings": findings,
        "findings_by_step": by_step,
        "errors": sum(f.severity == "error" for f in findings),
        "step_errors": {step: sum(f.severity == "error" for f in found) for step, found in by_step.items()},
        "objective_results": results,
        "objectives_met": sum(r.met for r in results),
    }


LIVE_EXPORT_ROUTES = 60
EXPORT_PANELS = (  # key, label, download, alternative download
    ("openapi", "OpenAPI 3.0", "openapi.yaml", "openapi.json"),
    ("cloudformation", "CloudFormation", "cloudformation.yaml", ""),
    ("javascript", "Client: JavaScript", "client.js", ""),
    ("python", "Client: Python", "client.py", ""),
)


def _exports(design: Design) -> dict:
    """Everything the side panel offers; an export the design cannot make yet says why.

    A large design (an imported API with hundreds of routes) is exported on demand instead: writing
    its YAML on every keystroke would make the builder slow to answer.
    """
    if len(design.routes) > LIVE_EXPORT_ROUTES:
        return {}
    out = {}
    for key, _label, filename, _alt in EXPORT_PANELS:
        try:
            out[key] = EXPORTS[filename][1](design)
        except DesignError as error:
            out[key] = f"# Not available yet: {error}"
    return out


def _record(request: HttpRequest, attempt: LabAttempt, analysis: dict, step: str) -> None:
    """Write the learning events the dashboard reads: the rules this design hits, objectives met."""
    object_id = attempt.scenario or "free-design"
    rule_ids = sorted({f.rule_id for f in analysis["findings"] if f.severity != "tip"})
    met = sorted(r.id for r in analysis["objective_results"] if r.met)
    misconceptions = sorted({f.misconception for f in analysis["findings"] if f.misconception})
    # Logged when the set of broken rules changes, not on every keystroke: the dashboard counts who
    # ran into a rule, and a class of hundreds autosaving must not flood the log.
    if rule_ids != attempt.rule_ids or step == "import":
        record_event(request.user, "validated", "lab", object_id,
                     {"step": step, "rules": rule_ids, "errors": analysis["errors"], "misconceptions": misconceptions})
        attempt.rule_ids = rule_ids
    for objective_id in sorted(set(met) - set(attempt.objectives_met)):
        # Once per learner and objective: a design that breaks and mends an objective met it once.
        key = f"{object_id}:{objective_id}"
        if not LearningEvent.objects.filter(actor=request.user, verb="met", object_id=key).exists():
            record_event(request.user, "met", "objective", key)
    attempt.objectives_met = met
    attempt.error_count = analysis["errors"]
    results = analysis["objective_results"]
    if results and all(r.met for r in results) and not analysis["errors"] and attempt.completed_at is None:
        attempt.completed_at = timezone.now()
        record_event(request.user, "completed", "lab", object_id, {"objectives": len(results)})


def _shown(design: Design) -> dict[str, bool]:
    """Which optional parts the builder shows: those the API type offers, and any the design already
    has (an imported HTTP API with a resource policy must be able to remove it)."""
    offered = rules.options_for(design.api_type).features
    stages, routes = design.stages, design.routes
    present = {
        "cors": design.cors is not None,
        "resource_policy": bool(design.resource_policy),
        "api_keys": bool(design.api_keys or design.usage_plans or design.api_key_source
                         or any(r.api_key_required for r in routes)),
        "request_validation": bool(design.request_validators or any(r.request_validator for r in routes)),
        "caching": any(s.cache_enabled or s.cache_size or s.cache_ttl is not None for s in stages),
        "canary": any(s.canary is not None for s in stages),
        "waf": any(s.waf_web_acl_arn for s in stages),
        "auto_deploy": any(s.auto_deploy for s in stages),
        "scopes": design.api_type == "http" or any(r.scopes for r in routes),
    }
    return {name: bool(offered.get(name)) or value for name, value in present.items()}


def _context(attempt: LabAttempt, design: Design, step: str, bound: dict, analysis: dict, request) -> dict:
    scenario = _scenarios().get(attempt.scenario)
    hints_shown = _int(request.GET.get("hints"), 0)
    step_guide = next((s for s in scenario.steps if s.id == step), None) if scenario else None
    return {
        "page_token": secrets.token_hex(8),
        "attempt": attempt, "design": design, "scenario": scenario, "step": step,
        "steps": steps.STEPS, "step_index": steps.STEP_IDS.index(step), "bound": bound,
        "guide": step_guide, "hints": step_guide.hints[:hints_shown] if step_guide else (),
        "more_hints": bool(step_guide and hints_shown < len(step_guide.hints)), "hints_next": hints_shown + 1,
        "form_errors": _form_errors(bound) if bound and any(getattr(p, "is_bound", False) for p in bound.values()) else [],
        "options": rules.options_for(design.api_type), "shown": _shown(design),
        "route_rows": list(zip(design.routes, bound["formset"].forms)) if step in {"integrations", "security"} else [],
        "diagram_svg": diagram.render_svg(design), "exports": _exports(design), "export_panels": EXPORT_PANELS,
        "nav": "labs",
        "step_findings": [(f, steps.field_id(f.location)) for f in analysis["findings_by_step"][step]], **analysis,
    }


def _int(value, default: int) -> int:
    try:
        return max(0, min(3, int(value)))
    except (TypeError, ValueError):
        return default


def _edit_of(request: HttpRequest) -> tuple[str, int]:
    try:
        seq = max(0, min(int(request.POST.get("seq", 0)), 10**9))
    except (TypeError, ValueError):
        seq = 0
    return request.POST.get("page", "")[:32], seq


def _is_stale(attempt: LabAttempt, request: HttpRequest, autosave: bool) -> bool:
    """True when this request carries an older edit of a page that has already saved a newer one
    (an autosave overtaken by the learner's own submit, or a retried request)."""
    token, seq = _edit_of(request)
    if not token or token != attempt.save_token:
        return False
    return seq <= attempt.save_seq if autosave else seq < attempt.save_seq


def _save(request: HttpRequest, attempt: LabAttempt, design: Design, step: str) -> dict:
    attempt.design = design.to_dict()
    attempt.step = step
    attempt.save_token, attempt.save_seq = _edit_of(request)
    analysis = _analysis(attempt, design)
    _record(request, attempt, analysis, step)
    attempt.save()
    return analysis


def _save_step(request: HttpRequest, pk: int, step: str, autosave: bool) -> tuple[LabAttempt, Design, dict, dict | None]:
    """Bind the step's POST to the latest saved design and save it, with the attempt row locked so
    two requests for one design (an autosave and a submit, two tabs) apply one after the other.

    Returns (attempt, design, bound forms, analysis); analysis is None when nothing was saved: the
    forms did not read, or the request is stale.
    """
    with transaction.atomic():
        attempt = LabAttempt.objects.select_for_update().get(pk=pk)
        design = _design_of(attempt)
        bound = _bind(step, design, request.POST)
        if not _valid(bound) or _is_stale(attempt, request, autosave=autosave):
            return attempt, design, bound, None
        _apply(step, design, bound)
        return attempt, design, bound, _save(request, attempt, design, step)


@login_required
def builder(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    attempt = _get_lab_attempt_for_user(request, pk)
    if step not in steps.STEP_IDS:
        raise Http404("No such step.")
    if request.method == "POST":
        attempt, design, bound, analysis = _save_step(request, attempt.pk, step, autosave=False)
        if _valid(bound):
            index = steps.STEP_IDS.index(step)
            target = step if "stay" in request.POST or index + 1 == len(steps.STEP_IDS) else steps.STEP_IDS[index + 1]
            if target == step:
                messages.success(request, "Saved.")
            return redirect("labs:builder", pk=attempt.pk, step=target)
        analysis = _analysis(attempt, design)
        return render(request, "labs/builder.html", _context(attempt, design, step, bound, analysis, request))
    design = _design_of(attempt, request)
    if attempt.step != step:
        LabAttempt.objects.filter(pk=attempt.pk).update(step=step)
    bound = _bind(step, design)
    analysis = _analysis(attempt, design)
    return render(request, "labs/builder.html", _context(attempt, design, step, bound, analysis, request))


@login_required
@require_POST
def builder_check(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """htmx: the learner left a field. Save the draft if the form reads, and show the findings."""
    attempt = _get_lab_attempt_for_user(request, pk)
    if step not in steps.STEP_IDS:
        raise Http404("No such step.")
    attempt, design, bound, analysis = _save_step(request, attempt.pk, step, autosave=True)
    if analysis is None:
        analysis = _analysis(attempt, design)
    context = _context(attempt, design, step, bound, analysis, request)
    return render(request, "labs/builder.html#check", {**context, "oob": True})


@login_required
def hints(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    attempt = _get_lab_attempt_for_user(request, pk)
    scenario = _scenarios().get(attempt.scenario)
    guide = next((s for s in scenario.steps if s.id == step), None) if scenario else None
    if guide is None:
        raise Http404("No hints for this step.")
    shown = _int(request.GET.get("hints"), 1)
    if shown:
        record_event(request.user, "experienced", "hint", f"{attempt.scenario}:{step}:{shown}")
    context = {"attempt": attempt, "step": step, "hints": guide.hints[:shown],
               "more_hints": shown < len(guide.hints), "hints_next": shown + 1}
    if request.htmx:
        return render(request, "labs/builder.html#hints", context)
    return redirect(f"{attempt.get_absolute_url()}?hints={shown}#hints")


EXPORTS = {
    "openapi.yaml": ("application/yaml", lambda d: openapi.to_yaml(openapi.export_openapi(d))),
    "openapi.json": ("application/json", lambda d: openapi.to_json(openapi.export_openapi(d))),
    "cloudformation.yaml": ("application/yaml", lambda d: cloudformation.to_yaml(cloudformation.export_cloudformation(d))),
    "client.js": ("text/javascript", lambda d: sdk.generate_client(d, "javascript")),
    "client.py": ("text/x-python", lambda d: sdk.generate_client(d, "python")),
    "design.json": ("application/json", lambda d: json.dumps(d.to_dict(), indent=2)),
}


@login_required
def export_text(request: HttpRequest, pk: int, filename: str) -> HttpResponse:
    """One export as a fragment, for the panel of a design too large to export on every change."""
    attempt = _get_lab_attempt_for_user(request, pk)
    if filename not in EXPORTS:
        raise Http404("No such export.")
    try:
        text = EXPORTS[filename][1](_design_of(attempt))
    except DesignError as error:
        text = f"# Not available yet: {error}"
    return render(request, "labs/builder.html#export-text", {"text": text})


@login_required
def download(request: HttpRequest, pk: int, filename: str) -> HttpResponse:
    attempt = _get_lab_attempt_for_user(request, pk)
    if filename not in EXPORTS:
        raise Http404("No such export.")
    content_type, make = EXPORTS[filename]
    design = _design_of(attempt)
    try:
        body = make(design)
    except DesignError as error:
        messages.error(request, f"This export is not available for the design yet: {error}")
        return redirect(attempt)
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, _download_name(design, attempt, filename))
    return response


def _download_name(design: Design, attempt: LabAttempt, filename: str) -> str:
    """``orders-api-openapi.yaml`` from the design's name: letters, digits, ``-``, ``_`` and ``.``
    only (any script), so no header can be broken or extended by what a learner typed."""
    stem = re.sub(r"[^\w.-]+", "-", design.name or attempt.scenario or "api").strip("-.")[:60] or "api"
    return f"{stem}-{filename}"


# --- Importing an OpenAPI document ---------------------------------------------------------------------


def import_design(request: HttpRequest) -> HttpResponse:
    context: dict = {"nav": "labs", "api_types": steps.API_LABELS}
    if request.method != "POST":
        return render(request, "labs/import.html", context)
    text = request.POST.get("document", "")
    upload = request.FILES.get("file")
    api_type = request.POST.get("api_type") or None
    if api_type not in (None, "rest", "http"):
        api_type = None
    error = ""
    if upload is not None:
        if upload.size > MAX_IMPORT_BYTES:
            error = "That file is larger than 6 MB, the most API Gateway imports."
        else:
            raw = upload.read()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                error = "That file is not UTF-8 text. Upload an OpenAPI document in JSON or YAML."
    if not error and len(text.encode()) > MAX_IMPORT_BYTES:
        error = "That document is larger than 6 MB, the most API Gateway imports."
    if not error and not text.strip():
        error = "Paste an OpenAPI document or choose a file."
    context.update(document=text[:200_000], api_type=api_type or "")
    if error:
        context["error"] = error
        return render(request, "labs/import.html", context, status=400)
    try:
        result = openapi.import_openapi(text, api_type=api_type)
    except DesignError as problem:
        context["error"] = f"We could not read that document: {problem}"
        return render(request, "labs/import.html", context, status=400)
    design = result.design
    findings = rules.validate(design)
    if request.user.is_authenticated and request.POST.get("continue") == "1":
        attempt = LabAttempt.objects.create(
            user=request.user, scenario="", title=(design.name or "Imported API")[:200], design=design.to_dict()
        )
        _record(request, attempt, _analysis(attempt, design), "import")
        attempt.save()
        messages.success(request, "Imported. Carry on designing; every change is checked and saved.")
        return redirect(attempt)
    context.update(result=result, design=design, findings=findings,
                   errors=sum(f.severity == "error" for f in findings), diagram_svg=diagram.render_svg(design))
    return render(request, "labs/import.html", context)
