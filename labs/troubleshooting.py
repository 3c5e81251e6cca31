"""The web side of labs whose objectives read the sandbox, and of troubleshooting labs.

A troubleshooting lab (a scenario with a ``sandbox`` section) starts the learner from a broken
deployment: their design is the scenario's starting design, and their sandbox has already been deployed
as the scenario says and called through the real gateway, so the execution log shows the symptom with
real traces. Objectives over deployments and traffic are evaluated on a read-only view of the stored
sandbox and its log (``objectives.SandboxView``); nothing here changes the sandbox except ``start``.
"""

from __future__ import annotations

from django.db import transaction

from . import sandboxes
from .apigw.model import Design
from .apigw.objectives import ObservedCall, SandboxView
from .apigw.scenarios import STEP_IDS, Scenario
from .builder import Analysis
from .catalog import get as get_scenario
from .models import LabAttempt, LabSandbox, SandboxCall


def sandbox_view(attempt: LabAttempt) -> SandboxView | None:
    """The attempt's sandbox as stored, with its execution log (newest first); None when there is none
    (never deployed, or expired: an expired sandbox serves nothing)."""
    row = LabSandbox.objects.filter(attempt=attempt).first()
    if row is None or row.expired or not row.state:
        return None
    calls = row.calls.order_by("-id").values_list("stage", "method", "path", "status", "arm", "deployment_id",
                                                   "trace", "response")[:SandboxCall.KEEP_CALLS]
    observed = [ObservedCall(stage, method, path, status, arm, deployment, SandboxCall(trace=trace).deciding_step,
                             str((response or {}).get("body", "")))
                for stage, method, path, status, arm, deployment, trace, response in calls]
    return SandboxView(row.state, tuple(observed))


def analysis(attempt: LabAttempt, design: Design, untouched: frozenset[str] | None = None) -> Analysis:
    """The builder's analysis of a design, with the attempt's sandbox when an objective reads it (a lab
    whose objectives are all about the design reads no sandbox, exactly as before)."""
    scenario = get_scenario(attempt.scenario)
    view = sandbox_view(attempt) if scenario is not None and scenario.needs_sandbox else None
    return Analysis(design, scenario, attempt.untouched_steps if untouched is None else untouched, view)


def initial_attempt(scenario: Scenario) -> dict:
    """The fields a new attempt at this scenario starts with."""
    fields = {"title": scenario.title, "design": scenario.initial_design().to_dict()}
    if scenario.troubleshooting:  # the design is the team's, to be fixed: every step is already theirs
        fields["steps_saved"] = list(STEP_IDS)
    return fields


def start(attempt: LabAttempt, scenario: Scenario) -> None:
    """Give the attempt the scenario's starting design and, for a troubleshooting lab, a fresh sandbox in
    the broken state: the scenario's deployments, then its calls through the gateway into the execution
    log. Raises ``sandboxes.TooManySandboxes`` when the learner has no sandbox to spare."""
    with transaction.atomic():
        attempt.design = scenario.initial_design().to_dict()
        if scenario.troubleshooting:
            attempt.steps_saved = list(STEP_IDS)
        attempt.save(update_fields=["design", "steps_saved", "updated_at"])
        if not scenario.troubleshooting:
            return
        LabSandbox.objects.filter(attempt=attempt).delete()  # a restart starts from the broken state again
        described = {sandboxes.deploy(attempt, design).id: description
                     for design, description in scenario.sandbox.deployments}
        row = sandboxes.locked(attempt)
        for stored in row.state.get("deployments", []):  # the history says what each one was
            stored["description"] = described.get(stored["id"]) or stored.get("description", "")
        sb = row.load()
        exchanges = scenario.sandbox.replay(sb)
        row.store(sb)
        for request, response in exchanges:
            sandboxes.log_call(row, SandboxCall.Source.URL, sandboxes.request_record(request), response)


def record_progress(attempt: LabAttempt, actor) -> Analysis | None:
    """After the sandbox changed (a deployment, a console call): the objectives of a lab that reads the
    sandbox, checked as it is now and recorded as a save records them (each objective met once, the lab
    completed), so a lab completes by itself when its last objective is met. ``attempt`` gets the
    analysis (``lab_analysis``, read by the page's lab panel) and its completion. None for labs whose
    objectives are all about the design, and for a lab already complete."""
    scenario = get_scenario(attempt.scenario)
    if scenario is None or not scenario.needs_sandbox or attempt.completed_at is not None:
        return None
    with transaction.atomic():
        fresh = LabAttempt.objects.select_for_update().get(pk=attempt.pk)
        found = analysis(fresh, fresh.read_design()[0])
        fresh.record_analysis(actor, found, fresh.step)
        fresh.save()
    attempt.completed_at, attempt.objectives_met, attempt.lab_analysis = fresh.completed_at, fresh.objectives_met, found
    return found
