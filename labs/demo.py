"""The designs behind the demo class's lab work: ``manage.py seed_demo_labs``, after ``seed_demo``.

classroom's demo generator writes what its learners did in the labs as learning events (it does not
import labs), so an instructor opening a demo learner's page would read "checked the design 5 times,
completed the lab" above an empty list of designs. This gives each learner with lab events and no
design for that lab the design their record implies: the lab's reference solution once they completed
it; else a design part-way through (a troubleshooting lab's starting design; for the others the
reference solution's first half of routes, with no stage yet). Its findings, objectives and errors
are the real analysis of that design, as the builder would record them. Only what is missing is added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from courseware.events import ObjectType, Verb
from courseware.models import LearningEvent

from . import catalog
from .apigw.model import Design
from .apigw.scenarios import Scenario
from .builder import STEP_IDS, Analysis
from .models import LabAttempt


@dataclass
class _Work:
    started: datetime
    last: datetime
    completed: datetime | None = None
    steps: set[str] = field(default_factory=set)


def part_way(scenario: Scenario) -> Design:
    """The design of a learner who has not finished the lab yet."""
    if scenario.starting_design is not None:
        return scenario.initial_design()
    data = scenario.reference_solution.to_dict()
    routes = data.get("routes") or []
    data["routes"] = routes[:max(1, len(routes) // 2)]
    data["stages"] = []
    return Design.from_dict(data)


def seed(usernames: list[str]) -> int:
    """Designs for these users' lab events where they have none for that lab; returns how many were made."""
    scenarios = catalog.scenarios()
    work: dict[tuple[int, str], _Work] = {}
    events = (LearningEvent.objects.filter(actor__username__in=usernames, object_type=ObjectType.LAB,
                                           verb__in=[Verb.VALIDATED, Verb.COMPLETED], object_id__in=list(scenarios))
              .order_by("timestamp").values_list("actor_id", "verb", "object_id", "timestamp", "result"))
    for actor, verb, slug, at, result in events.iterator():
        w = work.setdefault((actor, slug), _Work(at, at))
        w.last = at
        if verb == Verb.COMPLETED:
            w.completed = at
        elif isinstance(result, dict) and result.get("step") in STEP_IDS:
            w.steps.add(result["step"])
    have = set(LabAttempt.objects.filter(user_id__in={a for a, _ in work}).values_list("user_id", "scenario"))
    made = []
    for (actor, slug), w in work.items():
        if (actor, slug) in have:
            continue
        scenario = scenarios[slug]
        design = scenario.reference_solution if w.completed else part_way(scenario)
        analysis = Analysis(design, scenario)
        steps = list(STEP_IDS) if w.completed else [s for s in STEP_IDS if s in w.steps or s == "api"]
        # A completed lab met every objective (some are checked in the sandbox, which this does not run)
        met = sorted(o.id for o in scenario.objectives) if w.completed else analysis.met_ids
        made.append(LabAttempt(
            user_id=actor, scenario=slug, title=scenario.title, design=design.to_dict(), step=steps[-1],
            objectives_met=met, error_count=analysis.errors, rule_ids=analysis.rule_ids, steps_saved=steps,
            completed_at=w.completed))
    with transaction.atomic():
        LabAttempt.objects.bulk_create(made, batch_size=500)
        for attempt in made:  # the record's own times, not now
            w = work[(attempt.user_id, attempt.scenario)]
            attempt.started_at, attempt.updated_at = w.started, w.last
        LabAttempt.objects.bulk_update(made, ["started_at", "updated_at"], batch_size=500)
    return len(made)
