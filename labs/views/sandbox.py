"""The sandbox gateway on the site: deploy a design, call it from the console or by its invoke URL
(``/sandbox/<key>/<stage>/<path>``, callable with curl), read each request's trace, predict, load-test."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from courseware import throttle
from courseware.events import Obj, Verb, record

from .. import catalog, sandboxes, troubleshooting
from ..apigw.gateway import SAMPLE_IDENTITIES, Request, SandboxError
from ..builder import Analysis
from ..forms import LoadTestForm, SandboxRequestForm, WebSocketStepForm
from ..models import LabSandbox, SandboxCall
from .access import get_lab_attempt_for_user

INVOKE_LIMIT = throttle.Limit("sandbox-invoke", attempts=settings.SANDBOX_REQUESTS_PER_10S, window_seconds=10)


def _console_form(sb, data=None) -> SandboxRequestForm:
    return SandboxRequestForm(data, stages=list(sb.stages) or ["(none)"], identities=list(SAMPLE_IDENTITIES),
                              api_keys=list(sb.api_keys()), initial={"path": "/"})


@login_required
@require_GET
def sandbox(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_lab_attempt_for_user(request, pk)
    row = LabSandbox.objects.filter(attempt=attempt).first()
    sb = row.load() if row is not None and not row.expired else None
    calls = list(row.calls.all()[:10]) if row is not None else []
    shown = next((c for c in calls if str(c.pk) == request.GET.get("call")), calls[0] if calls else None)
    design, _ = attempt.read_design()
    return render(request, "labs/sandbox.html", {
        "attempt": attempt, "row": row, "sb": sb, "calls": calls, "call": shown, "nav": "labs",
        "form": _console_form(sb) if sb is not None and sb.stages and sb.api_type != "websocket" else None,
        "ws_form": WebSocketStepForm() if sb is not None and sb.stages and sb.api_type == "websocket" else None,
        "connections": list(sb.state.connections) if sb is not None else [], "load_form": LoadTestForm(),
        "status": sandboxes.status(row, sb, design, request), "errors": Analysis(design, None).errors,
    })


@login_required
@require_POST
def sandbox_deploy(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_lab_attempt_for_user(request, pk)
    design, _ = attempt.read_design()
    errors = Analysis(design, None).errors
    if errors:
        messages.error(request, f"Fix the {errors} rule error{'s' if errors != 1 else ''} first: API Gateway would "
                                "refuse to deploy this design too.")
        return redirect("labs:sandbox", pk=attempt.pk)
    try:
        deployment = sandboxes.deploy(attempt, design, canary_stage=request.POST.get("canary_stage", ""))
    except (SandboxError, sandboxes.TooManySandboxes) as problem:
        messages.error(request, str(problem))
        return redirect("labs:sandbox", pk=attempt.pk)
    record(request.user, Verb.DEPLOYED, Obj.deployment(attempt.scenario, deployment.id),
           {"target": "sandbox", "canary": bool(request.POST.get("canary_stage")), "routes": len(design.routes)})
    messages.success(request, f"Deployed as {deployment.id}. Stages serve this deployment until you deploy again.")
    if troubleshooting.record_progress(attempt, request.user) and attempt.completed_at:
        messages.success(request, "Lab complete: every objective is met and no rule is broken.")
    return redirect("labs:sandbox", pk=attempt.pk)


@login_required
@require_POST
def sandbox_send(request: HttpRequest, pk: int) -> HttpResponse:
    """The try-it console: one request, its trace, and the learner's prediction scored."""
    attempt = get_lab_attempt_for_user(request, pk)
    with transaction.atomic():
        row = sandboxes.locked(attempt)
        sb = sandboxes.live(row)
        form = _console_form(sb, request.POST)
        if not form.is_valid():
            return _console_answer(request, attempt, row, None, form)
        gateway_request = sandboxes.console_request(sb, form.cleaned_data)
        response = sb.invoke(gateway_request)
        row.store(sb)
        prediction = {k: form.cleaned_data.get(k) for k in ("predict_status", "predict_step")}
        call = sandboxes.log_call(row, SandboxCall.Source.CONSOLE,
                                  {**sandboxes.request_record(gateway_request), **prediction}, response)
    if call.prediction:
        record(request.user, Verb.PREDICTED, Obj.sandbox_request(attempt.scenario, str(call.pk)), call.prediction)
    troubleshooting.record_progress(attempt, request.user)
    return _console_answer(request, attempt, row, call, form)


def _console_answer(request, attempt, row, call, form) -> HttpResponse:
    if request.htmx:
        return render(request, "labs/sandbox.html#result", {"attempt": attempt, "row": row, "call": call, "form": form,
                                                           "calls": list(row.calls.all()[:10])})
    if call is None:
        messages.error(request, "The request was not sent: " + "; ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("labs:sandbox", pk=attempt.pk)
    return redirect(reverse("labs:sandbox", args=[attempt.pk]) + f"?call={call.pk}#result")


@login_required
@require_POST
def sandbox_ws(request: HttpRequest, pk: int) -> HttpResponse:
    """A WebSocket conversation: connect, send messages routed by the selection expression, disconnect."""
    attempt = get_lab_attempt_for_user(request, pk)
    form = WebSocketStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("labs:sandbox", pk=attempt.pk)
    with transaction.atomic():
        row = sandboxes.locked(attempt)
        sb = sandboxes.live(row)
        try:
            result = sandboxes.websocket_step(sb, form.cleaned_data)
        except SandboxError as problem:
            messages.error(request, str(problem))
            return redirect("labs:sandbox", pk=attempt.pk)
        row.store(sb)
        call = sandboxes.log_ws(row, result, form.cleaned_data)
    return redirect(reverse("labs:sandbox", args=[attempt.pk]) + f"?call={call.pk}#result")


@login_required
@require_POST
def sandbox_load(request: HttpRequest, pk: int) -> HttpResponse:
    """N requests at a rate in virtual time: status codes over time, canary share, throttling."""
    attempt = get_lab_attempt_for_user(request, pk)
    load_form = LoadTestForm(request.POST)
    with transaction.atomic():
        row = sandboxes.locked(attempt)
        sb = sandboxes.live(row)
        form = _console_form(sb, request.POST)
        if not (form.is_valid() and load_form.is_valid()):
            messages.error(request, "Check the request and the load settings: " + "; ".join(
                str(e) for f in (form, load_form) for errs in f.errors.values() for e in errs))
            return redirect("labs:sandbox", pk=attempt.pk)
        test = sb.load_test(sandboxes.console_request(sb, form.cleaned_data), load_form.cleaned_data["count"],
                            load_form.cleaned_data["rate"])
        row.store(sb)
    return render(request, "labs/sandbox_load.html", {"attempt": attempt, "row": row, "nav": "labs",
                                                      "picture": sandboxes.load_picture(test), "summary": test.summary()})


@login_required
@require_POST
def sandbox_promote(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_lab_attempt_for_user(request, pk)
    stage = request.POST.get("stage", "")
    with transaction.atomic():
        row = sandboxes.locked(attempt)
        sb = row.load()
        try:
            sb.promote_canary(stage)
        except (SandboxError, KeyError) as problem:
            messages.error(request, str(problem).strip("'\""))
            return redirect("labs:sandbox", pk=attempt.pk)
        row.store(sb)
    messages.success(request, f"Promoted: stage {stage} now serves the canary's deployment to everyone.")
    return redirect("labs:sandbox", pk=attempt.pk)


@csrf_exempt  # an API, called by curl and any HTTP client; no session or cookie is read or set
def invoke(request: HttpRequest, key: str, path: str = "") -> HttpResponse:
    try:
        body = request.body.decode("utf-8", "replace")
    except RequestDataTooBig:
        return JsonResponse({"message": "Request Too Long"}, status=413, headers={"x-amzn-ErrorType": "RequestTooLargeException"})
    response = sandboxes.invoke_url(key, request, path, body, INVOKE_LIMIT)
    if response == "missing":
        return JsonResponse({"message": "No such sandbox API (it may have expired: deploy it again)"}, status=404)
    if response == "limited":
        return JsonResponse({"message": "Too many requests to your sandbox APIs for now (a site limit, in real "
                                        "time); wait a few seconds."}, status=429, headers={"Retry-After": "10"})
    answer = HttpResponse(response.body, status=response.status)
    for name, value in response.headers.items():
        if name.lower() not in sandboxes.HOP_HEADERS:
            answer[name] = value
    return answer
