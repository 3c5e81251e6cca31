"""The sandbox page's lab panel: the ticket, and the objectives checked against what is deployed.

The sandbox page's view belongs to the sandbox itself; this tag adds, for a lab attempt, what the learner
needs beside the execution log: the brief (a troubleshooting lab's symptom) and each objective with its
hint, evaluated on the saved design and a read-only view of the stored sandbox.
"""

from __future__ import annotations

from django import template

from courseware.rendering import render as render_markdown

from .. import catalog, troubleshooting
from ..models import LabAttempt

register = template.Library()


@register.inclusion_tag("labs/_sandbox_objectives.html")
def sandbox_objectives(attempt: LabAttempt, oob: bool = False) -> dict:
    """``oob``: rendered beside an htmx answer (a console call), to replace the panel already on the page."""
    scenario = catalog.get(attempt.scenario)
    if scenario is None:
        return {"scenario": None}
    analysis = getattr(attempt, "lab_analysis", None) or troubleshooting.analysis(attempt, attempt.read_design()[0])
    return {
        "attempt": attempt, "scenario": scenario, "results": analysis.objective_results,
        "met": analysis.objectives_met, "errors": analysis.errors, "complete": attempt.completed_at is not None,
        "brief_html": render_markdown(scenario.brief).html if scenario.troubleshooting else "", "oob": oob,
    }



@register.filter
def may_say_stale(attempt: LabAttempt) -> bool:
    """Whether the page may remind the learner that the stages serve an older deployment than the design.
    Not in a troubleshooting lab whose design is still the team's, untouched: there the reminder would be
    the diagnosis (the not-redeployed lab starts that way); once the learner has changed it, it is a
    reminder again."""
    scenario = catalog.get(attempt.scenario) if attempt is not None else None
    if scenario is None or not scenario.troubleshooting or scenario.starting_design is None:
        return True
    return attempt.read_design()[0].to_dict() != scenario.starting_design.to_dict()
