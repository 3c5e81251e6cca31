"""The sandbox the benchmarks call: the REST order lab's reference solution, deployed for `user`, with
its throttling raised out of the way (a run's requests are at one virtual instant: no 429 halfway).
Import after ``django.setup()``."""

from __future__ import annotations

from pathlib import Path

from labs import sandboxes
from labs.apigw.model import Design
from labs.apigw.scenarios import load_scenario
from labs.models import LabAttempt, LabSandbox

SCENARIO = Path(__file__).resolve().parents[1] / "labs" / "scenarios" / "rest-order-service.yaml"


def unthrottled_design() -> Design:
    data = load_scenario(SCENARIO).reference_solution.to_dict()
    for stage in data["stages"]:
        stage.update(throttle_rate=1_000_000, throttle_burst=1_000_000)
    return Design.from_dict(data)


def deployed_sandbox(user, design: Design | None = None, scenario: str = "rest-order-service") -> tuple[LabSandbox, dict[str, str]]:
    """The learner's sandbox row and the Authorization header of a valid sample token for it."""
    design = design or unthrottled_design()
    attempt = LabAttempt.objects.create(user=user, scenario=scenario, design=design.to_dict())
    sandboxes.deploy(attempt, design)
    row = LabSandbox.objects.get(attempt=attempt)
    return row, {"Authorization": row.load().sample_token(expires_in_s=10 ** 8)}
