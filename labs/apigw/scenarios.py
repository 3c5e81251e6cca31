"""Lab scenarios: YAML files in ``labs/scenarios/``, loaded and checked here.

A scenario file (see ``docs`` in the report / the files themselves)::

    slug: rest-order-service              # lower-case, digits, hyphens; equals the file name
    title: ...
    api_type: rest                        # hint for the builder; must match the reference solution
    minutes: 30                           # optional
    order: 1                              # optional: where the lab comes in the course (then by slug)
    brief: |                              # Markdown: a request from a team
      ...
    lessons: [api-types, integrations]    # lesson slugs the lab practises
    steps:                                # exactly the builder steps, in order
      - id: api                           # api, endpoint, routes, integrations, security, stages
        title: ...
        guidance: ...                     # Markdown: guides, doesn't dictate
        hints: {nudge: ..., rule: ..., answer: ...}   # revealed in that order
    objectives: [...]                     # the objective language (objectives.py)
    reference_solution: {...}             # a design dict (model.Design.from_dict)

Loading checks everything a broken file could get wrong, including that the reference solution passes
every error rule and meets every objective, and reports the file and the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .model import API_TYPES, Design, DesignError
from .objectives import Objective, ObjectiveError, evaluate, load_objectives
from .references import LESSON_SLUGS
from .rules import validate

STEP_IDS = ("api", "endpoint", "routes", "integrations", "security", "stages")
HINT_LEVELS = ("nudge", "rule", "answer")
_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_REQUIRED = ("slug", "title", "api_type", "brief", "lessons", "steps", "objectives", "reference_solution")
_OPTIONAL = ("minutes", "summary", "order")
_STEP_KEYS = ("id", "title", "guidance", "hints")


class ScenarioError(ValueError):
    """A scenario file is invalid; the message starts with the file and the field."""


@dataclass(frozen=True)
class Hint:
    level: str
    text: str


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    guidance: str
    hints: tuple[Hint, ...]


@dataclass(frozen=True)
class Scenario:
    slug: str
    title: str
    api_type: str
    brief: str
    lessons: tuple[str, ...]
    steps: tuple[Step, ...]
    objectives: tuple[Objective, ...]
    reference_solution: Design
    path: Path
    minutes: int | None = None
    summary: str = ""
    order: int = 1000

    def step(self, step_id: str) -> Step:
        return next(s for s in self.steps if s.id == step_id)


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(f"{where}.{key}: must be non-empty text")
    return value


def _unknown(data: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    extra = [str(k) for k in data if k not in allowed]
    if extra:
        raise ScenarioError(f"{where}: unknown key(s) {', '.join(extra)}; allowed: {', '.join(allowed)}")


def _steps(raw: Any, where: str) -> tuple[Step, ...]:
    if not isinstance(raw, list):
        raise ScenarioError(f"{where}: must be a list of the builder steps {', '.join(STEP_IDS)}")
    ids = [s.get("id") if isinstance(s, Mapping) else None for s in raw]
    if ids != list(STEP_IDS):
        raise ScenarioError(f"{where}: the steps must be exactly {', '.join(STEP_IDS)} in that order; got {ids}")
    steps = []
    for i, item in enumerate(raw):
        at = f"{where}[{i}]"
        _unknown(item, _STEP_KEYS, at)
        hints = item.get("hints")
        if not isinstance(hints, Mapping):
            raise ScenarioError(f"{at}.hints: must be a mapping with {', '.join(HINT_LEVELS)}")
        _unknown(hints, HINT_LEVELS, f"{at}.hints")
        steps.append(
            Step(
                id=item["id"],
                title=_text(item, "title", at),
                guidance=_text(item, "guidance", at),
                hints=tuple(Hint(level, _text(hints, level, f"{at}.hints")) for level in HINT_LEVELS),
            )
        )
    return tuple(steps)


def _lessons(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise ScenarioError(f"{where}: must be a non-empty list of lesson slugs")
    unknown = [x for x in raw if x not in LESSON_SLUGS]
    if unknown:
        raise ScenarioError(f"{where}: unknown lesson slug(s) {unknown}; known: {', '.join(LESSON_SLUGS)}")
    return tuple(raw)


def parse_scenario(data: Any, source: str, *, slug_from_name: str | None = None) -> Scenario:
    """Build and check a scenario from parsed YAML; errors start with ``source``."""
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{source}: the file must hold a YAML mapping")
    _unknown(data, _REQUIRED + _OPTIONAL, source)
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise ScenarioError(f"{source}: missing key(s) {', '.join(missing)}")
    slug = _text(data, "slug", source)
    if not _SLUG.fullmatch(slug):
        raise ScenarioError(f"{source}.slug: {slug!r} must be lower-case letters, digits and hyphens")
    if slug_from_name is not None and slug != slug_from_name:
        raise ScenarioError(f"{source}.slug: {slug!r} must match the file name {slug_from_name!r}")
    api_type = _text(data, "api_type", source)
    if api_type not in API_TYPES:
        raise ScenarioError(f"{source}.api_type: must be one of {', '.join(API_TYPES)}")
    minutes = data.get("minutes")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 240):
        raise ScenarioError(f"{source}.minutes: must be a whole number of minutes (1-240)")
    summary = data.get("summary", "")
    if not isinstance(summary, str):
        raise ScenarioError(f"{source}.summary: must be text")
    order = data.get("order", 1000)
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= 1000:
        raise ScenarioError(f"{source}.order: must be a whole number from 0 to 1000")
    try:
        objectives = load_objectives(data["objectives"], f"{source}.objectives")
    except ObjectiveError as exc:
        raise ScenarioError(str(exc)) from None
    if not objectives:
        raise ScenarioError(f"{source}.objectives: a lab needs at least one objective")
    try:
        solution = Design.from_dict(data["reference_solution"])
    except DesignError as exc:
        raise ScenarioError(f"{source}.reference_solution: {exc}") from None
    if solution.api_type != api_type:
        raise ScenarioError(f"{source}.api_type: {api_type!r} but the reference solution is {solution.api_type!r}")
    errors = [f for f in validate(solution) if f.severity == "error"]
    if errors:
        listed = "; ".join(f"{f.rule_id} at {f.location}: {f.message}" for f in errors)
        raise ScenarioError(f"{source}.reference_solution: fails rule(s): {listed}")
    unmet = [r for r in evaluate(solution, objectives) if not r.met]
    if unmet:
        listed = "; ".join(f"{r.id} ({r.hint})" for r in unmet)
        raise ScenarioError(f"{source}.reference_solution: misses objective(s): {listed}")
    return Scenario(
        slug=slug,
        title=_text(data, "title", source),
        api_type=api_type,
        brief=_text(data, "brief", source),
        lessons=_lessons(data["lessons"], f"{source}.lessons"),
        steps=_steps(data["steps"], f"{source}.steps"),
        objectives=tuple(objectives),
        reference_solution=solution,
        path=Path(source),
        minutes=minutes,
        summary=summary,
        order=order,
    )


def load_scenario(path: str | Path) -> Scenario:
    """Read and check one scenario file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: can't be read ({exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark is not None else ""
        raise ScenarioError(f"{path}:{at} is not valid YAML: {getattr(exc, 'problem', exc)}") from None
    return parse_scenario(data, str(path), slug_from_name=path.stem)


def load_all(directory: str | Path) -> list[Scenario]:
    """Every ``*.yaml`` scenario in ``directory``, in course order (``order``, then slug); all broken
    files reported at once."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ScenarioError(f"{directory}: no such directory")
    scenarios, problems = [], []
    for path in sorted(directory.glob("*.yaml")):
        try:
            scenarios.append(load_scenario(path))
        except ScenarioError as exc:
            problems.append(str(exc))
    if problems:
        raise ScenarioError("\n".join(problems))
    return sorted(scenarios, key=lambda s: (s.order, s.slug))


SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
