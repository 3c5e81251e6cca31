"""Deploying a design to the learner's own AWS account: the deploy page (credentials, Region, stage),
the plan, the progress page (polled with htmx; its state is the row's, so a reload loses nothing),
teardown, and the list of the learner's deployments. The work runs in a task (labs/awsdeploy.py)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_POST

from .. import awsdeploy, catalog, tasks
from ..awsforms import CredentialsForm, PlanForm, ResumeForm, RoleForm, needs_credentials
from ..builder import Analysis
from ..models import AwsDeployment, LabAttempt
from .access import get_lab_attempt_for_user


def _get_deployment_for_user(request: HttpRequest, pk: int, dpk: int) -> tuple[LabAttempt, AwsDeployment]:
    attempt = get_lab_attempt_for_user(request, pk)
    row = AwsDeployment.objects.filter(pk=dpk, attempt=attempt).first()
    if row is None:
        raise Http404("No such deployment.")
    row.attempt = attempt
    return attempt, row


def _plan_form(request: HttpRequest, attempt: LabAttempt, data=None) -> PlanForm:
    design, _ = attempt.read_design()
    return PlanForm(data, stages=[s.name for s in design.stages], credentials=awsdeploy.credential_choices(request.user))


@login_required
@require_GET
def aws_deploy(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_lab_attempt_for_user(request, pk)
    design, _ = attempt.read_design()
    return render(request, "labs/aws/deploy.html", {
        "attempt": attempt, "nav": "labs", "errors": Analysis(design, None).errors,
        "options": awsdeploy.options(request.user), "role_form": RoleForm(initial={"role_arn": awsdeploy.link_for(request.user).role_arn}),
        "form": _plan_form(request, attempt), "deployments": awsdeploy.deployments_of(attempt)[:20],
    })


@login_required
@require_POST
def aws_role(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_lab_attempt_for_user(request, pk)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise awsdeploy.AwsProblem("That role ARN is too long to be an IAM role ARN.")
        link = awsdeploy.set_role(request.user, form.cleaned_data["role_arn"])
    except awsdeploy.AwsProblem as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, "Role connected: the site assumes it with your external ID for each run."
                         if link.role_arn else "Role disconnected.")
    return redirect("labs:aws", pk=attempt.pk)


@login_required
@require_GET
def aws_role_template(request: HttpRequest, pk: int) -> HttpResponse:
    get_lab_attempt_for_user(request, pk)
    template = awsdeploy.template_for(awsdeploy.link_for(request.user))
    if template is None:
        raise Http404("The site's AWS principal is not set.")
    response = HttpResponse(json.dumps(template, indent=2), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="gateway-academy-role.json"'
    return response


@login_required
@require_POST
def aws_plan(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_lab_attempt_for_user(request, pk)
    design, _ = attempt.read_design()
    form = _plan_form(request, attempt, request.POST)
    if Analysis(design, None).errors:
        messages.error(request, "Fix the rule errors in the builder first: API Gateway would refuse this design too.")
        return redirect("labs:aws", pk=attempt.pk)
    if not form.is_valid():
        messages.error(request, "Choose a Region, a stage, a time and the credentials from the lists.")
        return redirect("labs:aws", pk=attempt.pk)
    try:
        row = awsdeploy.make_row_plan(attempt, design, **form.cleaned_data)
    except awsdeploy.AwsProblem as problem:
        messages.error(request, str(problem))
        return redirect("labs:aws", pk=attempt.pk)
    return redirect("labs:aws_plan_page", pk=attempt.pk, dpk=row.pk)


@login_required
@require_GET
def aws_plan_page(request: HttpRequest, pk: int, dpk: int) -> HttpResponse:
    attempt, row = _get_deployment_for_user(request, pk, dpk)
    if not row.plan:
        messages.info(request, "That plan was applied (or replaced); this is the deployment now.")
        return redirect(row)
    return render(request, "labs/aws/plan.html", {
        "attempt": attempt, "row": row, "nav": "labs", **awsdeploy.plan_view(row),
        "credentials_form": CredentialsForm() if needs_credentials(row) else None,
        "options": awsdeploy.options(request.user, row.region),
    })


@sensitive_variables()  # every local: the pasted text passes through here
def _queue(request: HttpRequest, row: AwsDeployment, queue, **kw) -> HttpResponse:
    form = (ResumeForm if "rollback" in kw else CredentialsForm)(request.POST)
    try:
        if not form.is_valid():  # too long, a NUL: say so, never "paste them" as if nothing came
            raise awsdeploy.AwsProblem("Those are not AWS credentials the site can use: "
                                       + " ".join(e for errors in form.errors.values() for e in errors))
        row = queue(row, pasted=form.cleaned_data["credentials"], **kw)
    except awsdeploy.AwsProblem as problem:
        messages.error(request, str(problem))
        if queue is awsdeploy.queue_apply and row.plan:
            return redirect("labs:aws_plan_page", pk=row.attempt_id, dpk=row.pk)
        return redirect(row)
    tasks.run_deployment.enqueue(row.pk, row.job)  # ids only: the database backend keeps arguments for good
    return redirect(row)


@sensitive_post_parameters("credentials")  # error reports never show pasted keys
@login_required
@require_POST
def aws_apply(request: HttpRequest, pk: int, dpk: int) -> HttpResponse:
    _, row = _get_deployment_for_user(request, pk, dpk)
    return _queue(request, row, awsdeploy.queue_apply)


@sensitive_post_parameters("credentials")  # error reports never show pasted keys
@login_required
@require_POST
def aws_teardown(request: HttpRequest, pk: int, dpk: int) -> HttpResponse:
    _, row = _get_deployment_for_user(request, pk, dpk)
    return _queue(request, row, awsdeploy.queue_teardown)


@sensitive_post_parameters("credentials")  # error reports never show pasted keys
@login_required
@require_POST
def aws_resume(request: HttpRequest, pk: int, dpk: int) -> HttpResponse:
    _, row = _get_deployment_for_user(request, pk, dpk)
    return _queue(request, row, awsdeploy.queue_resume, rollback=request.POST.get("rollback") == "1")


@login_required
@require_GET
def aws_progress(request: HttpRequest, pk: int, dpk: int) -> HttpResponse:
    attempt, row = _get_deployment_for_user(request, pk, dpk)
    record = row.record or {}
    context = {
        "attempt": attempt, "row": row, "nav": "labs", "progress": awsdeploy.progress(row),
        "urls": awsdeploy.urls(record), "console": awsdeploy.console_links(record), "checks": awsdeploy.checks(record),
        "objectives": awsdeploy.objectives(row), "leftovers": record.get("leftovers") or [],
        "notes": awsdeploy.design_deploy_notes(row), "credentials_form": CredentialsForm() if needs_credentials(row) else None,
        "lab": catalog.get(attempt.scenario) if attempt.scenario else None,
    }
    template = "labs/aws/progress.html#progress" if request.htmx else "labs/aws/progress.html"
    return render(request, template, context)


@login_required
@require_GET
def aws_list(request: HttpRequest) -> HttpResponse:
    rows = (AwsDeployment.objects.of_user(request.user).exclude(status=AwsDeployment.Status.PLANNED, record={})
            .select_related("attempt").defer("record", "plan", "sealed")[:100])
    return render(request, "labs/aws/list.html", {"rows": rows, "nav": "labs"})
