"""The lab scenario files load and check; broken files fail with the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from labs.apigw.gateway import Sandbox
from labs.apigw.objectives import SandboxView, evaluate
from labs.apigw.rules import validate
from labs.apigw.scenarios import HINT_LEVELS, SCENARIO_DIR, STEP_IDS, ScenarioError, load_all, load_scenario, observed

REQUIRED_SLUGS = {"rest-order-service", "http-jwt-cors", "websocket-chat", "dynamodb-direct", "private-api", "canary-release"}


def test_all_scenarios_load():
    scenarios = load_all(SCENARIO_DIR)
    assert REQUIRED_SLUGS <= {s.slug for s in scenarios}
    assert len(scenarios) >= 6
    for s in scenarios:
        assert [step.id for step in s.steps] == list(STEP_IDS)
        assert all([h.level for h in step.hints] == list(HINT_LEVELS) for step in s.steps)
        assert s.reference_solution.api_type == s.api_type
        assert not [f for f in validate(s.reference_solution) if f.severity == "error"]
        assert all(r.met for r in evaluate(s.reference_solution, s.objectives, sandbox=_solved_sandbox(s)))
        assert s.brief.strip() and s.lessons


def _solved_sandbox(s):
    """The reference solution deployed on top of the lab's starting sandbox, its calls made again."""
    if not s.needs_sandbox:
        return None
    sb = Sandbox(seed=3)
    exchanges = s.sandbox.build(sb) if s.sandbox else []
    sb.deploy(s.reference_solution)
    exchanges += s.sandbox.replay(sb) if s.sandbox else []
    return SandboxView(sb.to_dict(), observed(exchanges))


def test_an_empty_design_misses_objectives_with_hints():
    for s in load_all(SCENARIO_DIR):
        results = evaluate({"api_type": s.api_type}, s.objectives)
        missed = [r for r in results if not r.met]
        assert missed, s.slug
        assert all(r.hint for r in missed), s.slug


def _write(tmp_path: Path, data: dict, name: str | None = None) -> Path:
    path = tmp_path / f"{name or data.get('slug', 'x')}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def good() -> dict:
    return yaml.safe_load((SCENARIO_DIR / "private-api.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(colour="red"), "unknown key(s) colour"),
        (lambda d: d.pop("brief"), "missing key(s) brief"),
        (lambda d: d.update(slug="Bad Slug"), ".slug: 'Bad Slug' must be lower-case"),
        (lambda d: d.update(api_type="soap"), ".api_type: must be one of"),
        (lambda d: d.update(api_type="http"), "reference_solution: a rest design in a http lab"),
        (lambda d: d.update(lessons=["no-such-lesson"]), ".lessons: unknown lesson slug(s)"),
        (lambda d: d["steps"].reverse(), ".steps: the steps must be exactly api, endpoint"),
        (lambda d: d["steps"][0]["hints"].pop("rule"), ".steps[0].hints.rule: must be non-empty text"),
        (lambda d: d["steps"][1].update(tip="x"), ".steps[1]: unknown key(s) tip"),
        (lambda d: d["objectives"].append({"id": "x", "text": "t", "check": "teleport"}), "unknown check 'teleport'"),
        (lambda d: d["reference_solution"].pop("resource_policy"), "fails rule(s): policy.private-needs-policy"),
        (lambda d: d["reference_solution"]["stages"][0].update(name="prod"), "misses objective(s): internal"),
        (lambda d: d["reference_solution"].update(api_type="grpc"), ".reference_solution: api_type must be one of"),
        (lambda d: d.update(minutes=0), ".minutes: must be a whole number"),
    ],
)
def test_broken_files_name_file_and_field(tmp_path, good, mutate, message):
    mutate(good)
    path = _write(tmp_path, good, "private-api")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert str(path) in str(exc.value) and message in str(exc.value)


def test_slug_must_match_file_name(tmp_path, good):
    with pytest.raises(ScenarioError, match="must match the file name 'other'"):
        load_scenario(_write(tmp_path, good, "other"))


def test_bad_yaml_and_missing_dir(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("slug: [unclosed\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="broken.yaml: line .* is not valid YAML"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="no such directory"):
        load_all(tmp_path / "nope")


def test_load_all_reports_every_broken_file(tmp_path, good):
    _write(tmp_path, {**good, "colour": "red"}, "private-api")
    (tmp_path / "b.yaml").write_text("[]", encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_all(tmp_path)
    assert "private-api.yaml" in str(exc.value) and "b.yaml" in str(exc.value)
