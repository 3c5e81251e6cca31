"""The six-step builder: a page per step, the autosave check, hints, exports and downloads."""

from __future__ import annotations


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courseware.events import Obj, Verb, record
from courseware.models import Lesson

from .. import catalog, exports, troubleshooting
from ..apigw import diagram, rules
from ..apigw.model import Design, DesignError
from ..builder import BLANK_ROUTE_ROWS, MAX_BLANK_ROUTE_ROWS, ROUTES_PER_PAGE, STEP_IDS, STEPS, STEPS_BY_ID, Analysis, BoundStep, field_id, route_of
from ..models import LabAttempt, new_page_token
from .access import get_lab_attempt_for_user


def _step_or_404(step: str) -> str:
    if step not in STEP_IDS:
        raise Http404("No such step.")
    return step


def _hint_count(value, default: int) -> int:
    try:
        return max(0, min(3, int(value)))
    except (TypeError, ValueError):
        return default


def _blank_rows(value) -> int:
    try:
        return max(BLANK_ROUTE_ROWS, min(int(value), MAX_BLANK_ROUTE_ROWS))
    except (TypeError, ValueError):
        return BLANK_ROUTE_ROWS


def _edit_of(request: HttpRequest) -> tuple[str, int]:
    """Which page (a token per rendered builder page) and which edit on it this POST carries."""
    try:
        seq = max(0, min(int(request.POST.get("seq", 0)), 10**9))
    except (TypeError, ValueError):
        seq = 0
    return request.POST.get("page", "")[:32], seq


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


def _page(request: HttpRequest, attempt: LabAttempt, step: str, bound: BoundStep, analysis: Analysis) -> dict:
    """Everything builder.html and its partials show."""
    design, scenario = analysis.design, analysis.scenario
    shown_hints = _hint_count(request.GET.get("hints"), 0)
    guide = next((s for s in scenario.steps if s.id == step), None) if scenario else None
    formset = bound.parts.get("formset")
    pages = _route_pages(design, bound)
    return {
        "page_token": new_page_token(), "attempt": attempt, "design": design, "scenario": scenario,
        "step": step, "steps": STEPS, "step_index": STEP_IDS.index(step), "bound": bound.parts, "guide": guide,
        "hints": guide.hints[:shown_hints] if guide else (), "hints_next": shown_hints + 1,
        "more_hints": bool(guide and shown_hints < len(guide.hints)),
        "form_errors": bound.errors() if bound.is_bound else [],
        "options": rules.options_for(design.api_type), "shown": _shown(design),
        "route_rows": list(zip(design.routes[bound.page], formset.forms)) if bound.paged else [],
        "blank_rows": _blank_rows(request.GET.get("rows")), "route_pages": pages, "route_offset": bound.page.start or 0, "routes_per_page": ROUTES_PER_PAGE,
        "diagram_svg": diagram.render_svg(analysis.resolved),
        "exports": exports.panel(design, analysis.resolved), "export_panels": exports.PANELS, "nav": "labs",
        "step_findings": [(f, field_id(f.location), _field_page(f.location, bound)) for f in analysis.shown_findings(step)],
        "step_untouched": step in analysis.untouched,
        "related_findings": [(f, own, STEPS_BY_ID[own].title, field_id(f.location)) for f, own in analysis.related_findings(step)], "finish": _finish(attempt, analysis),
        **analysis.context(),
    }


def _finish(attempt: LabAttempt, analysis: Analysis) -> dict | None:
    """What the learner built and learned, and where to go next, once the lab is complete."""
    if attempt.completed_at is None or analysis.scenario is None:
        return None
    api, scenarios = analysis.resolved, list(catalog.scenarios())
    index = scenarios.index(analysis.scenario.slug) if analysis.scenario.slug in scenarios else -1
    kinds = sorted({r.integration.kind for r in api.routes if r.integration.kind})
    return {
        "built": f"{'an' if api.label[0] in 'AEIOUH' else 'a'} {api.label} API with {len(api.routes)} "
                 f"route{'s' if len(api.routes) != 1 else ''}"
                 + (f", {api.endpoint_type.lower()} endpoint" if api.api_type == "rest" else "")
                 + (f", {', '.join(k.replace('_', ' ') for k in kinds)} integrations" if kinds else "")
                 + (f" and the stage{'s' if len(api.stages) != 1 else ''} {', '.join(s.name for s in api.stages)}"
                    if api.stages else ""),
        "verb": "diagnosed and fixed" if analysis.scenario.troubleshooting else "built",
        "objectives": analysis.objective_results,
        "lessons": Lesson.objects.published().filter(slug__in=analysis.scenario.lessons).in_course_order(),
        "next": catalog.get(scenarios[index + 1]) if 0 <= index < len(scenarios) - 1 else None,
    }


def _route_pages(design: Design, bound: BoundStep) -> list[tuple[int, str, bool]]:
    """(offset, "Routes 26–50", current) for each page of a paged step; [] when one page holds them all."""
    count = len(design.routes)
    if not bound.paged or count <= ROUTES_PER_PAGE:
        return []
    return [(start, f"Routes {start + 1}–{min(start + ROUTES_PER_PAGE, count)}", start == bound.page.start)
            for start in range(0, count, ROUTES_PER_PAGE)]


def _field_page(location: str, bound: BoundStep) -> str:
    """The query that opens the page holding a finding's input, when it is not the page shown."""
    index = route_of(location)
    if not bound.paged or index is None or bound.page.start <= index < bound.page.stop:
        return ""
    return f"?from={index - index % ROUTES_PER_PAGE}"


def _save_step(request: HttpRequest, pk: int, step: str, *, autosave: bool) -> tuple[LabAttempt, BoundStep, Analysis, bool]:
    """Bind the step's POST to the latest saved design and save it, with the attempt row locked so
    two requests for one design (an autosave and a submit, two tabs) apply one after the other.
    Returns whether it was saved: not when the forms do not read or the request is stale."""
    with transaction.atomic():
        attempt = LabAttempt.objects.select_for_update().get(pk=pk)
        design, _ = attempt.read_design()
        bound = BoundStep.of(step, design, request.POST)
        edit = _edit_of(request)
        if not bound.is_valid() or attempt.is_stale(*edit, autosave=autosave):
            return attempt, bound, troubleshooting.analysis(attempt, design), False
        bound.apply(design)
        untouched = attempt.untouched_steps - ({step} if bound.chosen else set())
        analysis = troubleshooting.analysis(attempt, design, untouched)
        attempt.save_design(design, step, edit, analysis, request.user, chosen=bound.chosen)
        return attempt, bound, analysis, True


def _check_objectives(request: HttpRequest, attempt: LabAttempt) -> HttpResponse:
    """"Check my lab" (the sandbox page): the objectives over the saved design and the sandbox as it is now,
    recorded like a save (objectives met, the lab completed), then back to the page that asked."""
    with transaction.atomic():
        attempt = LabAttempt.objects.select_for_update().get(pk=attempt.pk)
        analysis = troubleshooting.analysis(attempt, attempt.read_design()[0])
        attempt.record_analysis(request.user, analysis, attempt.step)
        attempt.save()
    missed = next((r for r in analysis.objective_results if not r.met), None)
    if analysis.complete:
        messages.success(request, "Lab complete: every objective is met and no rule is broken.")
    elif missed is not None:
        messages.warning(request, f"{analysis.objectives_met} of {len(analysis.objective_results)} objectives met. "
                                  f"Not yet: {missed.text} {missed.hint}")
    elif analysis.objective_results:
        messages.warning(request, f"Every objective is met, but the design breaks {analysis.errors} rule(s): "
                                  "fix them in the builder.")
    if request.POST.get("next") == "sandbox":
        return redirect(reverse("labs:sandbox", args=[attempt.pk]) + "#lab-objectives")
    return redirect(attempt)


@login_required
@require_http_methods(["GET", "POST"])
def builder(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    attempt = get_lab_attempt_for_user(request, pk)
    step = _step_or_404(step)
    if request.method == "POST" and "check_objectives" in request.POST:
        return _check_objectives(request, attempt)
    if request.method == "POST":
        attempt, bound, analysis, saved = _save_step(request, attempt.pk, step, autosave=False)
        if bound.is_valid():
            index = STEP_IDS.index(step)
            target = step if "stay" in request.POST or index + 1 == len(STEP_IDS) else STEP_IDS[index + 1]
            if getattr(attempt, "just_completed", False):
                messages.success(request, "Lab complete: every objective is met and no rule is broken.")
            elif target == step and "add_route" not in request.POST:
                messages.success(request, "Saved.")
            if "add_route" in request.POST:  # without JavaScript: save, and come back with one more blank row
                left_empty = bound.parts["formset"].total_form_count() - len(analysis.design.routes)
                target, query = step, f"?rows={_blank_rows(left_empty + 1)}#routes-end"
            else:
                query = f"?from={bound.page.start}" if target == step and bound.paged and bound.page.start else ""
            return redirect(reverse("labs:builder", args=[attempt.pk, target]) + query)
        return render(request, "labs/builder.html", _page(request, attempt, step, bound, analysis))
    design, notices = attempt.read_design()
    for notice in notices:
        messages.warning(request, notice)
    if attempt.step != step:
        LabAttempt.objects.filter(pk=attempt.pk).update(step=step)
    analysis = troubleshooting.analysis(attempt, design)
    bound = BoundStep.of(step, design, offset=request.GET.get("from", 0), untouched=step in attempt.untouched_steps,
                         blank_rows=_blank_rows(request.GET.get("rows")))
    return render(request, "labs/builder.html", _page(request, attempt, step, bound, analysis))


@login_required
@require_POST
def builder_check(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """htmx: the learner left a field. Save the draft if the form reads, and show the findings."""
    attempt = get_lab_attempt_for_user(request, pk)
    attempt, bound, analysis, _ = _save_step(request, attempt.pk, _step_or_404(step), autosave=True)
    return render(request, "labs/builder.html#check", {**_page(request, attempt, step, bound, analysis), "oob": True})


@login_required
@require_GET
def hints(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    attempt = get_lab_attempt_for_user(request, pk)
    scenario = catalog.get(attempt.scenario)
    guide = next((s for s in scenario.steps if s.id == step), None) if scenario else None
    if guide is None:
        raise Http404("No hints for this step.")
    shown = _hint_count(request.GET.get("hints"), 1)
    if shown:
        record(request.user, Verb.EXPERIENCED, Obj.hint(attempt.scenario, step, shown))
    context = {"attempt": attempt, "step": step, "hints": guide.hints[:shown],
               "more_hints": shown < len(guide.hints), "hints_next": shown + 1}
    if request.htmx:
        return render(request, "labs/builder.html#hints", context)
    return redirect(f"{attempt.get_absolute_url()}?hints={shown}#hints")


def _export_or_404(filename: str) -> exports.Export:
    if filename not in exports.EXPORTS:
        raise Http404("No such export.")
    return exports.EXPORTS[filename]


@login_required
@require_GET
def export_text(request: HttpRequest, pk: int, filename: str) -> HttpResponse:
    """One export as a fragment, for the panel of a design too large to export on every change."""
    attempt = get_lab_attempt_for_user(request, pk)
    _export_or_404(filename)
    analysis = Analysis(attempt.read_design()[0], None)
    return render(request, "labs/builder.html#export-text",
                  {"text": exports.text(filename, analysis.design, analysis.resolved)})


@login_required
@require_GET
def download(request: HttpRequest, pk: int, filename: str) -> HttpResponse:
    attempt = get_lab_attempt_for_user(request, pk)
    export = _export_or_404(filename)
    analysis = Analysis(attempt.read_design()[0], None)
    try:
        body = exports.make(filename, analysis.design, analysis.resolved)
    except DesignError as error:
        messages.error(request, f"This export is not available for the design yet: {error}")
        return redirect(attempt)
    response = HttpResponse(body, content_type=f"{export.content_type}; charset=utf-8")
    name = exports.download_name(analysis.design, attempt.scenario, filename)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
