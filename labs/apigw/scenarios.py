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
    starting_design: {...}                # optional: the learner's design at the start (default: empty)
    sandbox:                              # optional (a troubleshooting lab): the sandbox it starts with
      deployments:                        # deployed in order, each to every stage of its design
        - design: starting_design         # the word starting_design, or a design dict
          description: what prod serves   # optional
      calls:                              # then sent through the gateway: the execution log's first rows
        - {stage: prod, method: GET, path: /prices, headers: {...}, body: "", query: "",
           identity: "", source_ip: "", sample_token: false}

Loading checks everything a broken file could get wrong, including that the reference solution passes
every error rule and meets every objective, and reports the file and the field. Objectives over the
sandbox are checked by running the lab: the broken start (its deployments and calls) must miss at least
one, and the reference solution deployed on top of it, with the same calls made again, must meet all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .model import API_TYPES, Design, DesignError
from .objectives import (
    CHECKS,
    ObservedCall,
    Objective,
    ObjectiveError,
    SandboxView,
    deciding_step,
    evaluate,
    load_objectives,
    needs_sandbox,
)
from .references import LESSON_SLUGS
from .rules import validate

STEP_IDS = ("api", "endpoint", "routes", "integrations", "security", "stages")
HINT_LEVELS = ("nudge", "rule", "answer")
_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_REQUIRED = ("slug", "title", "api_type", "brief", "lessons", "steps", "objectives", "reference_solution")
_OPTIONAL = ("minutes", "summary", "order", "starting_design", "sandbox")
_CALL_KEYS = ("stage", "method", "path", "query", "headers", "body", "identity", "source_ip", "sample_token")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
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
class SetupCall:
    """A request a troubleshooting lab's sandbox has already answered when the learner arrives."""

    stage: str
    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""
    identity: str = ""
    source_ip: str = ""
    sample_token: bool = False

    def request(self, sandbox):
        """The gateway request (a sample token minted now, when asked for)."""
        from .gateway import Request

        headers = dict(self.headers)
        if self.sample_token:
            headers["Authorization"] = sandbox.sample_token(stage=self.stage)
        if self.body and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        extra = {"source_ip": self.source_ip} if self.source_ip else {}
        return Request(self.method, self.path, stage=self.stage, headers=headers, query=self.query, body=self.body,
                       identity=self.identity, **extra)


@dataclass(frozen=True)
class SandboxSetup:
    """The broken sandbox a troubleshooting lab starts from: deployments made in order, then calls."""

    deployments: tuple[tuple[Design, str], ...]
    calls: tuple[SetupCall, ...]

    def build(self, sandbox) -> list[tuple[Any, Any]]:
        """Deploy and call on ``sandbox`` (a ``gateway.Sandbox``); returns (request, response) per call."""
        for design, description in self.deployments:
            sandbox.deploy(design, description=description)
        return self.replay(sandbox)

    def replay(self, sandbox) -> list[tuple[Any, Any]]:
        out = []
        for call in self.calls:
            request = call.request(sandbox)
            out.append((request, sandbox.invoke(request)))
        return out


def observed(exchanges: list[tuple[Any, Any]]) -> list[ObservedCall]:
    """(request, response) pairs as the execution log's calls, newest first."""
    return [ObservedCall(q.stage, q.method, q.path, r.status, r.arm, r.deployment_id, deciding_step(r.trace)[0], r.body)
            for q, r in reversed(exchanges)]


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
    starting_design: Design | None = None
    sandbox: SandboxSetup | None = None

    def step(self, step_id: str) -> Step:
        return next(s for s in self.steps if s.id == step_id)

    @property
    def troubleshooting(self) -> bool:
        """The learner starts from a broken deployment and diagnoses it from the execution log."""
        return self.sandbox is not None

    @property
    def needs_sandbox(self) -> bool:
        """Some objective reads the learner's sandbox (deployments, replays, the execution log)."""
        return needs_sandbox(self.objectives)

    def initial_design(self) -> Design:
        return Design.from_dict(self.starting_design.to_dict()) if self.starting_design else Design(api_type=self.api_type)


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


def _design(raw: Any, where: str, api_type: str) -> Design:
    """A design the lab deploys or hands to the learner: it must read, be of the lab's API type and pass
    every error rule (API Gateway would refuse to deploy it otherwise)."""
    try:
        design = Design.from_dict(raw)
    except DesignError as exc:
        raise ScenarioError(f"{where}: {exc}") from None
    if design.api_type != api_type:
        raise ScenarioError(f"{where}: a {design.api_type} design in a {api_type} lab")
    errors = [f for f in validate(design) if f.severity == "error"]
    if errors:
        listed = "; ".join(f"{f.rule_id} at {f.location}: {f.message}" for f in errors)
        raise ScenarioError(f"{where}: fails rule(s): {listed}")
    return design


def _call(raw: Any, where: str) -> SetupCall:
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{where}: must be a mapping with stage, method and path")
    _unknown(raw, _CALL_KEYS, where)
    for key in ("stage", "method", "path"):
        _text(raw, key, where)
    if raw["method"] not in _METHODS:
        raise ScenarioError(f"{where}.method: must be one of {', '.join(_METHODS)}")
    for key in ("query", "body", "identity", "source_ip"):
        if not isinstance(raw.get(key, ""), str):
            raise ScenarioError(f"{where}.{key}: must be text")
    headers = raw.get("headers", {})
    if not isinstance(headers, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise ScenarioError(f"{where}.headers: must map header names to text")
    if not isinstance(raw.get("sample_token", False), bool):
        raise ScenarioError(f"{where}.sample_token: must be true or false")
    return SetupCall(raw["stage"], raw["method"], raw["path"], raw.get("query", ""), dict(headers), raw.get("body", ""),
                     raw.get("identity", ""), raw.get("source_ip", ""), raw.get("sample_token", False))


def _sandbox_setup(raw: Any, where: str, api_type: str, starting: Design | None) -> SandboxSetup:
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{where}: must be a mapping with deployments and calls")
    _unknown(raw, ("deployments", "calls"), where)
    deployments, calls = raw.get("deployments"), raw.get("calls")
    if not isinstance(deployments, list) or not deployments:
        raise ScenarioError(f"{where}.deployments: must be a non-empty list")
    if not isinstance(calls, list) or not calls or len(calls) > 20:
        raise ScenarioError(f"{where}.calls: must be a list of 1 to 20 requests that show the symptom")
    made = []
    for i, item in enumerate(deployments):
        at = f"{where}.deployments[{i}]"
        if not isinstance(item, Mapping) or "design" not in item:
            raise ScenarioError(f"{at}: must be a mapping with a design")
        _unknown(item, ("design", "description"), at)
        if item["design"] == "starting_design":
            if starting is None:
                raise ScenarioError(f"{at}.design: the file has no starting_design")
            design = starting
        else:
            design = _design(item["design"], f"{at}.design", api_type)
        description = item.get("description", "")
        if not isinstance(description, str):
            raise ScenarioError(f"{at}.description: must be text")
        made.append((design, description))
    return SandboxSetup(tuple(made), tuple(_call(c, f"{where}.calls[{i}]") for i, c in enumerate(calls)))


def _check_in_sandbox(source: str, objectives: list[Objective], solution: Design, starting: Design | None,
                      setup: SandboxSetup | None) -> None:
    """Run the lab: broken at the start, solved once the reference solution is deployed and called."""
    from .gateway import Sandbox, SandboxError

    sandbox = Sandbox(seed=1)
    try:
        exchanges = setup.build(sandbox) if setup else []
        if setup is not None:
            at_start = evaluate(starting or Design(api_type=solution.api_type), objectives,
                                sandbox=SandboxView(sandbox.to_dict(), observed(exchanges)))
            if all(r.met for r in at_start):
                raise ScenarioError(f"{source}.sandbox: the lab starts with every objective met; it must start broken")
        sandbox.deploy(solution, description="the reference solution")
        exchanges += setup.replay(sandbox) if setup else []
    except SandboxError as exc:
        raise ScenarioError(f"{source}.sandbox: the sandbox refuses it: {exc}") from None
    results = evaluate(solution, objectives, sandbox=SandboxView(sandbox.to_dict(), observed(exchanges)))
    unmet = [r for r in results if not r.met]
    if unmet:
        listed = "; ".join(f"{r.id} ({r.hint})" for r in unmet)
        raise ScenarioError(f"{source}.reference_solution: deployed to a sandbox, misses objective(s): {listed}")


def parse_scenario(data: Any, source: str, *, slug_from_name: str | None = None, run: bool = True) -> Scenario:
    """Build and check a scenario from parsed YAML; errors start with ``source``. ``run=False`` skips running
    the lab in a sandbox (for a process that serves files ``manage.py check`` has already run)."""
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
    solution = _design(data["reference_solution"], f"{source}.reference_solution", api_type)
    on_design = [o for o in objectives if not CHECKS[o.check].needs_sandbox]
    unmet = [r for r in evaluate(solution, on_design) if not r.met]
    if unmet:
        listed = "; ".join(f"{r.id} ({r.hint})" for r in unmet)
        raise ScenarioError(f"{source}.reference_solution: misses objective(s): {listed}")
    starting = _design(data["starting_design"], f"{source}.starting_design", api_type) if "starting_design" in data else None
    setup = _sandbox_setup(data["sandbox"], f"{source}.sandbox", api_type, starting) if "sandbox" in data else None
    if run and (needs_sandbox(objectives) or setup is not None):
        _check_in_sandbox(source, objectives, solution, starting, setup)
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
        starting_design=starting,
        sandbox=setup,
    )


def load_scenario(path: str | Path, *, run: bool = True) -> Scenario:
    """Read and check one scenario file (``run``: see ``parse_scenario``)."""
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
    return parse_scenario(data, str(path), slug_from_name=path.stem, run=run)


def load_all(directory: str | Path, *, run: bool = True) -> list[Scenario]:
    """Every ``*.yaml`` scenario in ``directory``, in course order (``order``, then slug); all broken
    files reported at once."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ScenarioError(f"{directory}: no such directory")
    scenarios, problems = [], []
    for path in sorted(directory.glob("*.yaml")):
        try:
            scenarios.append(load_scenario(path, run=run))
        except ScenarioError as exc:
            problems.append(str(exc))
    if problems:
        raise ScenarioError("\n".join(problems))
    return sorted(scenarios, key=lambda s: (s.order, s.slug))


SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
