"""The plan: every call a deployment will make, in order, as a diff against what it already made.

``make_plan(design, ...)`` compares what the design needs (``desired``) with the state a deployment
record holds (what earlier runs made, keyed by what each thing is in the design) and lists:

* ``changes`` — what will be created, updated, replaced or deleted, like a change set;
* ``steps`` — the exact calls, one per step, each with what undoes it (``undo``) should the run fail;
* ``costs`` — what the deployment may cost while it is up;
* ``notes`` — what the learner should know first (a Lambda function that does not exist, an EDGE API's
  slow creation, a stage left serving the old deployment...).

Deletions come first (dependents before what they depend on), then creations and updates in the order
AWS needs them, then a new deployment and the stages pointed at it: a change to the API's resources,
methods, routes or integrations reaches callers only through a new deployment, because a stage serves
the deployment (a snapshot) it points at. Stage settings (variables, throttling, cache) apply without one.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model import Design, Stage
from ..resolved import ResolvedApi, resolve
from .costs import CostEstimate, estimate
from .calls import Call, canonical, plain, ref, references
from .desired import API_KINDS, Context, Desired, Resource, StageSpec, desired

TAG_PREFIX = "gateway-academy:"
TAG_SITE, TAG_LEARNER, TAG_LAB, TAG_DEPLOYMENT = (f"{TAG_PREFIX}{k}" for k in ("site", "learner", "lab", "deployment"))
DEFAULT_HOURS = 2.0


def new_deployment_id() -> str:
    return "ga-" + secrets.token_hex(5)


def deployment_tags(deployment_id: str, *, site: str = "cli", learner: str = "cli", lab: str = "") -> dict[str, str]:
    """The tags every resource carries, so teardown and the reaper can list what a deployment left."""
    return {TAG_SITE: site or "cli", TAG_LEARNER: learner or "cli", TAG_LAB: lab or "none", TAG_DEPLOYMENT: deployment_id}


class PlanError(ValueError):
    """The plan can't be made (e.g. another Region than the deployment's); the message says why."""


@dataclass(frozen=True, slots=True)
class Step:
    """One call. ``action``: read | create | update | prepare | delete | forget.

    * create: the resource is made; ``state`` is what the record keeps about it (with how to delete it);
    * update: the resource is changed; ``undo`` changes it back;
    * prepare: a call that makes a deletion possible (detach stages from a usage plan);
    * delete: the resource is deleted (``state`` is dropped);
    * forget: no call — the resource went with its parent (``parent``), the record forgets it.
    """

    index: int
    key: str
    kind: str
    action: str
    call: Call | None
    summary: str
    outputs: Mapping[str, str] = field(default_factory=dict)
    undo: tuple[Call, ...] = ()
    state: Mapping[str, Any] | None = None
    parent: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "key": self.key, "kind": self.kind, "action": self.action,
                               "summary": self.summary}
        if self.call is not None:
            out["call"] = self.call.to_dict()
        if self.outputs:
            out["outputs"] = dict(self.outputs)
        if self.undo:
            out["undo"] = [c.to_dict() for c in self.undo]
        if self.state is not None:
            out["state"] = plain(self.state)
        if self.parent:
            out["parent"] = self.parent
        if self.note:
            out["note"] = self.note
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Step:
        return cls(
            index=d["index"], key=d["key"], kind=d["kind"], action=d["action"],
            call=Call.from_dict(d["call"]) if d.get("call") else None, summary=d.get("summary", ""),
            outputs=dict(d.get("outputs") or {}), undo=tuple(Call.from_dict(c) for c in d.get("undo") or ()),
            state=d.get("state"), parent=d.get("parent", ""), note=d.get("note", ""),
        )


@dataclass(frozen=True, slots=True)
class Change:
    """A line of the change set: ``action`` is create | update | replace | delete | deploy."""

    action: str
    kind: str
    key: str
    summary: str

    def to_dict(self) -> dict[str, str]:
        return {"action": self.action, "kind": self.kind, "key": self.key, "summary": self.summary}


_SYMBOL = {"create": "+", "update": "~", "replace": "±", "delete": "-", "deploy": "→"}


@dataclass(slots=True)
class Plan:
    kind: str  # "apply" | "teardown"
    deployment_id: str
    api_type: str
    api_name: str
    region: str
    tags: dict[str, str]
    run: int
    steps: list[Step]
    changes: list[Change]
    unchanged: list[str]
    costs: CostEstimate | None
    notes: list[str]
    functions: list[str]  # Lambda function ARNs the API invokes
    design: dict[str, Any] | None = None  # the design as deployed (for verification and the next diff)
    first: bool = True  # the deployment's first apply

    @property
    def empty(self) -> bool:
        return not any(s.action != "read" for s in self.steps)

    @property
    def calls(self) -> list[Step]:
        return [s for s in self.steps if s.call is not None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "deployment_id": self.deployment_id, "api_type": self.api_type, "api_name": self.api_name,
            "region": self.region, "tags": dict(self.tags), "run": self.run, "first": self.first,
            "steps": [s.to_dict() for s in self.steps], "changes": [c.to_dict() for c in self.changes],
            "unchanged": list(self.unchanged), "costs": self.costs.to_dict() if self.costs else None,
            "notes": list(self.notes), "functions": list(self.functions), "design": self.design,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Plan:
        return cls(
            kind=d["kind"], deployment_id=d["deployment_id"], api_type=d.get("api_type", ""), api_name=d.get("api_name", ""),
            region=d["region"], tags=dict(d.get("tags") or {}), run=d.get("run", 1),
            steps=[Step.from_dict(s) for s in d.get("steps") or ()],
            changes=[Change(**c) for c in d.get("changes") or ()], unchanged=list(d.get("unchanged") or ()),
            costs=CostEstimate.from_dict(d["costs"]) if d.get("costs") else None,
            notes=list(d.get("notes") or ()), functions=list(d.get("functions") or ()), design=d.get("design"),
            first=d.get("first", True),
        )

    def render(self, ids: Mapping[str, str] | None = None) -> str:
        """The plan as text: the change set, the calls in order, the costs and the notes."""
        label = {"rest": "REST", "http": "HTTP", "websocket": "WebSocket"}.get(self.api_type, self.api_type)
        if self.kind == "teardown":
            head = f"Teardown plan for deployment {self.deployment_id} in {self.region}"
        else:
            head = (f"Plan for deployment {self.deployment_id}: {label} API {self.api_name!r} in {self.region} "
                    f"({'first deployment' if self.first else f'change {self.run}'})")
        lines = [head]
        if self.empty:
            lines.append("Nothing to change: AWS already has what the design describes.")
        else:
            lines.append(f"Changes ({len(self.changes)}):")
            lines += [f"  {_SYMBOL.get(c.action, '?')} {c.action:<8} {c.summary}" for c in self.changes]
            if self.unchanged:
                lines.append(f"  (unchanged: {len(self.unchanged)})")
            lines.append(f"Calls, in order ({len(self.calls)}):")
            width = len(str(len(self.steps)))
            for s in self.steps:
                if s.call is None:
                    lines.append(f"  {s.index + 1:>{width}}. (no call) {s.summary}")
                else:
                    lines.append(f"  {s.index + 1:>{width}}. {s.call.render(ids)}")
                if s.note:
                    lines.append(f"  {'':>{width}}  note: {s.note}")
        if self.costs is not None:
            lines.append(self.costs.render())
        if self.notes:
            lines.append("Notes:")
            lines += [f"  - {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------------
# Updates in place
# --------------------------------------------------------------------------------------------------

_V2_UPDATE = {"v2_authorizer": ("update_authorizer", "AuthorizerId"), "v2_integration": ("update_integration", "IntegrationId"),
              "v2_route": ("update_route", "RouteId")}


def _replace_op(path: str, value: Any) -> dict[str, Any]:
    return {"op": "replace", "path": path, "value": value}


def update_calls(kind: str, key: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Call] | None:
    """The calls that change ``old`` into ``new`` in place, or ``None`` when AWS needs a replacement."""
    if kind == "rest_api":
        ops: list[dict[str, Any]] = []
        for field_name in ("name", "description", "apiKeySource"):
            if old.get(field_name, "") != new.get(field_name, ""):
                ops.append(_replace_op(f"/{field_name}", new.get(field_name, "") or ("HEADER" if field_name == "apiKeySource" else "")))
        old_types, new_types = old.get("endpointConfiguration", {}).get("types", []), new.get("endpointConfiguration", {}).get("types", [])
        if old_types != new_types and old_types and new_types:
            ops.append(_replace_op(f"/endpointConfiguration/types/{old_types[0]}", new_types[0]))
        if old.get("policy", "") != new.get("policy", ""):
            ops.append(_replace_op("/policy", new.get("policy", "")))
        if canonical(old.get("tags")) != canonical(new.get("tags")):
            return None
        return [Call("apigateway", "update_rest_api", {"restApiId": ref("api"), "patchOperations": ops})] if ops else []
    if kind == "api_key":
        ops = []
        if old.get("name") != new.get("name"):
            return None
        if old.get("description", "") != new.get("description", ""):
            ops.append(_replace_op("/description", new.get("description", "")))
        if old.get("enabled", True) != new.get("enabled", True):
            ops.append(_replace_op("/enabled", "true" if new.get("enabled", True) else "false"))
        return [Call("apigateway", "update_api_key", {"apiKey": ref(key), "patchOperations": ops})] if ops else []
    if kind == "v2_api":
        if old.get("ProtocolType") != new.get("ProtocolType") or canonical(old.get("Tags")) != canonical(new.get("Tags")):
            return None
        params = {k: v for k, v in new.items() if k not in ("ProtocolType", "Tags", "ApiId")}
        for k in ("Description", "Version"):
            if k in old and k not in params:
                params[k] = ""
        calls = [Call("apigatewayv2", "update_api", {"ApiId": ref("api"), **params})]
        if "CorsConfiguration" in old and "CorsConfiguration" not in new:
            calls.append(Call("apigatewayv2", "delete_cors_configuration", {"ApiId": ref("api")}))
        return calls
    if kind in _V2_UPDATE:
        if set(old) - set(new):  # a field dropped: an update can't unset it
            return None
        operation, id_param = _V2_UPDATE[kind]
        return [Call("apigatewayv2", operation, {"ApiId": ref("api"), id_param: ref(key),
                                                   **{k: v for k, v in new.items() if k != "ApiId"}})]
    return None


def rest_stage_ops(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """update_stage patch operations taking a REST stage's settings from ``old`` to ``new`` (spec dicts)."""
    old_p, new_p = (old or {}).get("params", {}), new["params"]
    ops: list[dict[str, Any]] = []
    if old_p.get("description", "") != new_p.get("description", ""):
        ops.append(_replace_op("/description", new_p.get("description", "")))
    old_v, new_v = old_p.get("variables", {}), new_p.get("variables", {})
    for name in sorted(set(old_v) | set(new_v)):
        if name not in new_v:
            ops.append({"op": "remove", "path": f"/variables/{name}"})
        elif old_v.get(name) != new_v[name]:
            ops.append(_replace_op(f"/variables/{name}", new_v[name]))
    if bool(old_p.get("cacheClusterEnabled")) != bool(new_p.get("cacheClusterEnabled")):
        ops.append(_replace_op("/cacheClusterEnabled", "true" if new_p.get("cacheClusterEnabled") else "false"))
    if new_p.get("cacheClusterEnabled") and old_p.get("cacheClusterSize") != new_p.get("cacheClusterSize"):
        ops.append(_replace_op("/cacheClusterSize", new_p["cacheClusterSize"]))
    old_c, new_c = (old or {}).get("canary"), new.get("canary")
    if old_c is not None and new_c is None:
        ops.append({"op": "remove", "path": "/canarySettings"})
    elif old_c is not None and new_c is not None:
        if old_c.get("percentTraffic") != new_c.get("percentTraffic"):
            ops.append(_replace_op("/canarySettings/percentTraffic", f"{new_c['percentTraffic']:g}"))
        if old_c.get("useStageCache") != new_c.get("useStageCache"):
            ops.append(_replace_op("/canarySettings/useStageCache", "true" if new_c.get("useStageCache") else "false"))
        old_o, new_o = old_c.get("stageVariableOverrides", {}), new_c.get("stageVariableOverrides", {})
        for name in sorted(set(old_o) | set(new_o)):
            if name not in new_o:
                ops.append({"op": "remove", "path": f"/canarySettings/stageVariableOverrides/{name}"})
            elif old_o.get(name) != new_o[name]:
                ops.append(_replace_op(f"/canarySettings/stageVariableOverrides/{name}", new_o[name]))
    return ops


def _v2_stage_fields(spec: Mapping[str, Any]) -> dict[str, Any]:
    params = spec["params"]
    return {k: params[k] for k in ("Description", "StageVariables", "DefaultRouteSettings", "AutoDeploy") if k in params}


# --------------------------------------------------------------------------------------------------
# make_plan
# --------------------------------------------------------------------------------------------------


def _with_stages(design: Design, stage: str | None, notes: list[str]) -> Design:
    if stage:
        chosen = [s for s in design.stages if s.name == stage]
        if not chosen:
            chosen = [Stage(name=stage, auto_deploy=design.api_type == "http")]
            notes.append(f"The design has no stage {stage!r}: a stage with default settings is made.")
        design.stages = chosen
    elif not design.stages and design.routes:
        name = "$default" if design.api_type == "http" else "dev"
        design.stages = [Stage(name=name, auto_deploy=design.api_type == "http")]
        notes.append(f"The design has no stage: a stage {name!r} is made so the API can be called.")
    return design


def _producer(name: str, keys: set[str]) -> str | None:
    if name == "api.root":
        return "api"
    return name if name in keys else None


class _Builder:
    def __init__(self, plan_kind: str) -> None:
        self.steps: list[Step] = []
        self.changes: list[Change] = []
        self.kind = plan_kind

    def step(self, **kw: Any) -> Step:
        s = Step(index=len(self.steps), **kw)
        self.steps.append(s)
        return s

    def change(self, action: str, kind: str, key: str, summary: str) -> None:
        self.changes.append(Change(action, kind, key, summary))


def _state_entry(kind: str, spec: Any, delete: tuple[Call, ...], parent: str, summary: str, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "spec": plain(spec), "delete": [c.to_dict() for c in delete], "parent": parent,
            "summary": summary, **extra}


def _ancestor_in(key: str, state: Mapping[str, Mapping[str, Any]], doomed: set[str]) -> str:
    """The nearest ancestor of ``key`` (by recorded parents) that is being deleted too, or ""."""
    seen = set()
    parent = state.get(key, {}).get("parent", "")
    while parent and parent not in seen:
        if parent in doomed:
            return parent
        seen.add(parent)
        parent = state.get(parent, {}).get("parent", "")
    return ""


def delete_steps(b: _Builder, state: Mapping[str, Mapping[str, Any]], keys: list[str], replaced: set[str] = frozenset(),
                 reason: Mapping[str, str] | None = None) -> None:
    """Steps deleting ``keys`` (already in order): each resource's recorded delete calls, or nothing when
    its parent goes too (deleting a REST API deletes its methods)."""
    doomed = set(keys)
    for key in keys:
        entry = state[key]
        kind, summary = entry["kind"], entry.get("summary", key)
        ancestor = _ancestor_in(key, state, doomed)
        b.change("replace" if key in replaced else "delete", kind, key, summary)
        if ancestor:
            b.step(key=key, kind=kind, action="forget", call=None, summary=f"{summary} (removed with {ancestor})",
                   parent=ancestor)
            continue
        calls = [Call.from_dict(c) for c in entry.get("delete") or ()]
        if not calls:
            b.step(key=key, kind=kind, action="forget", call=None, summary=f"{summary} (nothing to delete)")
            continue
        for call in calls[:-1]:
            b.step(key=key, kind=kind, action="prepare", call=call, summary=f"prepare to delete {summary}")
        b.step(key=key, kind=kind, action="delete", call=calls[-1], summary=f"delete {summary}",
               note=(reason or {}).get(key, ""))


def make_plan(
    design: Design | Mapping[str, Any],
    *,
    region: str | None = None,
    deployment_id: str | None = None,
    site: str = "cli",
    learner: str = "cli",
    lab: str = "",
    record: Any = None,
    stage: str | None = None,
    hours: float = DEFAULT_HOURS,
) -> Plan:
    """The plan for deploying ``design`` (a new deployment, or a change to ``record``'s)."""
    design = Design.from_dict(design.to_dict() if isinstance(design, Design) else design)
    notes: list[str] = []
    design = _with_stages(design, stage, notes)
    design_dict = design.to_dict()
    api: ResolvedApi = resolve(design)
    state: dict[str, dict[str, Any]] = {}
    run = 1
    if record is not None:
        if region and region != record.region:
            raise PlanError(f"deployment {record.deployment_id} lives in {record.region}; it can't move to {region} "
                            "(tear it down and deploy anew)")
        if record.api_type and record.api_type != api.api_type and record.state:
            raise PlanError(f"deployment {record.deployment_id} is a {record.api_type} API; the design is {api.api_type}: "
                            "tear it down and deploy anew")
        region = record.region
        deployment_id = record.deployment_id
        tags = dict(record.tags)
        state = {k: dict(v) for k, v in record.state.items()}
        run = record.next_run
    else:
        region = region or design.region
        deployment_id = deployment_id or new_deployment_id()
        tags = {**{k: v for k, v in api.tags.items() if not k.startswith(TAG_PREFIX)},
                **deployment_tags(deployment_id, site=site, learner=learner, lab=lab)}
    if design.region and design.region != region:
        notes.append(f"The design names {design.region}; it is deployed to {region}.")
    ctx = Context(deployment_id, region, tags)
    want: Desired = desired(api, ctx)
    notes += list(want.notes)
    by_key = {r.key: r for r in want.resources}
    stage_keys = {s.key for s in want.stages}
    b = _Builder("apply")
    first = not state

    # 1. who is deploying: the account id goes into every Lambda permission's SourceArn
    b.step(key="account", kind="account", action="read", call=Call("sts", "get_caller_identity", {}),
           outputs={"account": "Account"}, summary="find the account id (it goes into Lambda permission ARNs)")

    # 2. the diff
    status: dict[str, str] = {}
    patches: dict[str, list[Call]] = {}
    for r in want.resources:
        if r.key not in state:
            status[r.key] = "create"
            continue
        old = state[r.key]["spec"]
        if canonical(old) == canonical(r.spec):
            status[r.key] = "same"
            continue
        status[r.key] = "change"
        if r.update == "patch":
            calls = update_calls(r.kind, r.key, old, r.spec)
            if calls is None:
                status[r.key] = "replace"
            else:
                patches[r.key] = calls
        elif r.update == "replace":
            status[r.key] = "replace"
    depends = {r.key: ({p for n in references(r.create.params) if (p := _producer(n, set(by_key)))} | set(r.deps)
                       | ({r.parent} if r.parent else set())) - {r.key} for r in want.resources}
    changed = True
    while changed:  # what refers to a replaced resource is replaced too (its id changes)
        changed = False
        for r in want.resources:
            if status[r.key] in ("same", "change") and depends[r.key] & {k for k, v in status.items() if v in ("replace", "create")}:
                status[r.key] = "replace"
                changed = True
    replaced = {k for k, v in status.items() if v == "replace"}
    api_replaced = "api" in replaced

    # 3. deletions: what the design no longer has, and what is replaced; newest first
    stale = [k for k, e in state.items()
             if k not in by_key and k not in stage_keys and e["kind"] not in ("deployment", "stage_settings")]
    stale += [k for k, e in state.items() if e["kind"] == "stage_settings" and e.get("parent") in stale]
    if api_replaced:  # everything inside the old API goes with it
        stale += [k for k, e in state.items() if e["kind"] in ("deployment", "stage", "stage_settings") and k not in stale]
    doomed = sorted(set(stale) | replaced & set(state), key=lambda k: -state[k].get("order", 0))
    delete_steps(b, state, doomed, replaced)
    gone = set(doomed)

    # 4. creations and updates, in the order AWS needs them
    unchanged: list[str] = []

    def emit(r: Resource) -> None:
        st = status[r.key]
        entry = _state_entry(r.kind, r.spec, r.delete, r.parent, r.summary)
        if st in ("create", "replace"):
            if st == "create":
                b.change("create", r.kind, r.key, r.summary)
            b.step(key=r.key, kind=r.kind, action="create", call=r.create, outputs=r.outputs, undo=r.delete,
                   state=entry, parent=r.parent, summary=f"create {r.summary}", note=r.note)
        elif st == "change":
            b.change("update", r.kind, r.key, r.summary)
            old = state[r.key]["spec"]
            if r.key in patches:
                calls = patches[r.key]
                undo = update_calls(r.kind, r.key, r.spec, old) or []
                for i, call in enumerate(calls):
                    b.step(key=r.key, kind=r.kind, action="update", call=call, undo=tuple(undo) if i == 0 else (),
                           state=entry if i == len(calls) - 1 else None, summary=f"update {r.summary}")
            else:  # "put": the create call overwrites; undo puts the old one back
                b.step(key=r.key, kind=r.kind, action="update", call=r.create,
                       undo=(Call(r.create.service, r.create.operation, old, r.create.region),), state=entry,
                       summary=f"update {r.summary}")
        else:
            unchanged.append(r.summary)

    for r in want.resources:
        if r.phase == 0:
            emit(r)
    api_changed = first or api_replaced or any(
        s.kind in API_KINDS and s.action in ("create", "update", "delete", "forget") for s in b.steps)

    # 5. a new deployment, and the stages pointed at it
    _stages(b, api, want, state, gone, run, deployment_id, api_changed, notes)

    for r in want.resources:
        if r.phase == 2:
            emit(r)

    if b.changes and not first and not any(c.action == "deploy" for c in b.changes) and api_changed:
        notes.append("No stage points at a new deployment, so callers keep getting the previous version.")
    plan = Plan(
        kind="apply", deployment_id=deployment_id, api_type=api.api_type, api_name=api.title, region=region,
        tags=tags, run=run, steps=b.steps if len(b.steps) > 1 else [], changes=b.changes, unchanged=unchanged,
        costs=estimate(api, region, hours), notes=notes, functions=list(want.functions),
        design=design_dict, first=first,
    )
    return plan


def _stages(b: _Builder, api: ResolvedApi, want: Desired, state: Mapping[str, Mapping[str, Any]], gone: set[str],
            run: int, deployment_id: str, api_changed: bool, notes: list[str]) -> None:
    if not want.stages:
        return
    has_methods = any(r.kind in ("method", "v2_route") for r in want.resources)
    if not has_methods:
        notes.append("The API has no routes yet: AWS refuses a deployment of an API without methods or routes, "
                     "so no stage is made.")
        return
    dep_key = f"deployment:{run}"
    existing = {s.key: state[s.key] for s in want.stages if s.key in state and s.key not in gone}
    rest = api.api_type == "rest"
    if rest:
        needs_main = any(s.key not in existing for s in want.stages) or (
            api_changed and any(s.canary is None for s in want.stages if s.key in existing))
    else:
        needs_main = any(not s.auto_deploy and (s.key not in existing or api_changed) for s in want.stages)
    if needs_main:
        description = f"Gateway Academy {deployment_id}, change {run}"
        if rest:
            call = Call("apigateway", "create_deployment", {"restApiId": ref("api"), "description": description})
            delete = (Call("apigateway", "delete_deployment", {"restApiId": ref("api"), "deploymentId": ref(dep_key)}),)
            outputs = {dep_key: "id"}
        else:
            call = Call("apigatewayv2", "create_deployment", {"ApiId": ref("api"), "Description": description})
            delete = (Call("apigatewayv2", "delete_deployment", {"ApiId": ref("api"), "DeploymentId": ref(dep_key)}),)
            outputs = {dep_key: "DeploymentId"}
        b.step(key=dep_key, kind="deployment", action="create", call=call, outputs=outputs, undo=delete, parent="api",
               state=_state_entry("deployment", {"description": description}, delete, "api", f"deployment {run}"),
               summary=f"create deployment {run} (a snapshot of the API as it is now)",
               note="A stage serves the deployment it points at: without a new deployment, a stage keeps "
                    "serving the old snapshot and callers see none of the changes.")
    for s in want.stages:
        if rest:
            _rest_stage(b, s, existing.get(s.key), state, gone, dep_key if needs_main else "", run, deployment_id, api_changed)
        else:
            _v2_stage(b, s, existing.get(s.key), dep_key if needs_main else "", api_changed)


def _rest_stage(b: _Builder, s: StageSpec, old: Mapping[str, Any] | None, state: Mapping[str, Mapping[str, Any]],
                gone: set[str], dep_key: str, run: int, deployment_id: str, api_changed: bool) -> None:
    delete = (Call("apigateway", "delete_stage", {"restApiId": ref("api"), "stageName": s.name}),)
    settings_key = f"stage_settings:{s.name}"
    if old is None:
        params = {**s.params, "deploymentId": ref(dep_key)}
        if s.canary is not None:
            params["canarySettings"] = {**s.canary, "deploymentId": ref(dep_key)}
        b.change("create", "stage", s.key, s.summary)
        b.change("deploy", "stage", s.key, f"stage {s.name} serves deployment {run}")
        b.step(key=s.key, kind="stage", action="create", call=Call("apigateway", "create_stage", params), undo=delete,
               state=_state_entry("stage", s.spec, delete, "api", s.summary, deployment=dep_key,
                                  canary_deployment=dep_key if s.canary is not None else None),
               parent="api", summary=f"create {s.summary}",
               note="The canary serves the same deployment until the next change; then the new deployment goes "
                    "to the canary only, and you promote it when it behaves." if s.canary is not None else "")
    else:
        ops = rest_stage_ops(old["spec"], s.spec)
        undo_ops = rest_stage_ops(s.spec, old["spec"])
        extra: dict[str, Any] = {"deployment": old.get("deployment"), "canary_deployment": old.get("canary_deployment")}
        canary_release = s.canary is not None and (api_changed or old["spec"].get("canary") is None)
        if api_changed and not canary_release and dep_key:
            ops.append(_replace_op("/deploymentId", ref(dep_key)))
            if old.get("deployment"):
                undo_ops.append(_replace_op("/deploymentId", ref(old["deployment"])))
            extra["deployment"] = dep_key
            b.change("deploy", "stage", s.key, f"stage {s.name} serves deployment {run}")
        if ops:
            if canonical(old["spec"]) != canonical(s.spec):
                b.change("update", "stage", s.key, s.summary)
            b.step(key=s.key, kind="stage", action="update",
                   call=Call("apigateway", "update_stage", {"restApiId": ref("api"), "stageName": s.name,
                                                             "patchOperations": ops}),
                   undo=(Call("apigateway", "update_stage", {"restApiId": ref("api"), "stageName": s.name,
                                                              "patchOperations": undo_ops}),) if undo_ops else (),
                   state=_state_entry("stage", s.spec, delete, "api", s.summary, **extra),
                   summary=f"update {s.summary}",
                   note="" if api_changed else "Stage settings take effect without a new deployment.")
        if canary_release:
            canary_key = f"deployment:{run}:{s.name}"
            params = {"restApiId": ref("api"), "stageName": s.name,
                      "description": f"Gateway Academy {deployment_id}, change {run}: canary on {s.name}",
                      "canarySettings": dict(s.canary)}
            previous = old.get("canary_deployment")
            undo = Call("apigateway", "update_stage", {"restApiId": ref("api"), "stageName": s.name, "patchOperations": [
                _replace_op("/canarySettings/deploymentId", ref(previous)) if previous else
                {"op": "remove", "path": "/canarySettings"}]})
            ddelete = (Call("apigateway", "delete_deployment", {"restApiId": ref("api"), "deploymentId": ref(canary_key)}),)
            b.change("deploy", "stage", s.key, f"canary on stage {s.name} serves deployment {run} "
                                               f"to {s.canary['percentTraffic']:g}% of requests")
            b.step(key=canary_key, kind="deployment", action="create",
                   call=Call("apigateway", "create_deployment", params), outputs={canary_key: "id"}, undo=(undo, *ddelete),
                   state=_state_entry("deployment", {"description": params["description"]}, ddelete, "api",
                                      f"canary deployment {run} on {s.name}"),
                   parent="api", summary=f"release deployment {run} to the canary of stage {s.name}",
                   note=f"The stage keeps serving its current deployment to {100 - s.canary['percentTraffic']:g}% of "
                        "requests; promote the canary when it behaves (update_stage: copy /canarySettings/deploymentId "
                        "to /deploymentId).")
    if s.settings_ops:
        entry = _state_entry("stage_settings", {"ops": list(s.settings_ops)},
                             (Call("apigateway", "update_stage", {"restApiId": ref("api"), "stageName": s.name,
                                                                   "patchOperations": [{"op": "remove", "path": "/*/*"}]}),),
                             s.key, f"method settings of stage {s.name}")
        call = Call("apigateway", "update_stage", {"restApiId": ref("api"), "stageName": s.name,
                                                    "patchOperations": list(s.settings_ops)})
        previous = state.get(settings_key) if settings_key not in gone and old is not None else None
        if previous is None:
            b.step(key=settings_key, kind="stage_settings", action="create", call=call, state=entry, parent=s.key,
                   undo=tuple(Call.from_dict(c) for c in entry["delete"]),
                   summary=f"set throttling, logging and caching on stage {s.name} (all methods: */*)",
                   note="CreateStage takes no method settings: they are set with UpdateStage right after.")
        elif canonical(previous["spec"]) != canonical(entry["spec"]):
            b.change("update", "stage_settings", settings_key, f"method settings of stage {s.name}")
            ops = [{"op": "remove", "path": "/*/*"}] if _fewer(previous["spec"]["ops"], s.settings_ops) else []
            b.step(key=settings_key, kind="stage_settings", action="update",
                   call=Call("apigateway", "update_stage", {"restApiId": ref("api"), "stageName": s.name,
                                                             "patchOperations": ops + list(s.settings_ops)}),
                   undo=(Call("apigateway", "update_stage", {"restApiId": ref("api"), "stageName": s.name,
                                                              "patchOperations": list(previous["spec"]["ops"])}),),
                   state=entry, summary=f"update method settings of stage {s.name}")
    elif old is not None and settings_key in state and settings_key not in gone:
        delete_steps(b, state, [settings_key])


def _fewer(old_ops: list[Mapping[str, Any]], new_ops: tuple[Mapping[str, Any], ...]) -> bool:
    return bool({o["path"] for o in old_ops} - {o["path"] for o in new_ops})


def _v2_stage(b: _Builder, s: StageSpec, old: Mapping[str, Any] | None, dep_key: str, api_changed: bool) -> None:
    delete = (Call("apigatewayv2", "delete_stage", {"ApiId": ref("api"), "StageName": s.name}),)
    if old is None:
        params = dict(s.params)
        if not s.auto_deploy:
            params["DeploymentId"] = ref(dep_key)
        b.change("create", "stage", s.key, s.summary)
        b.change("deploy", "stage", s.key, f"stage {s.name} serves "
                 + ("each change automatically (AWS makes a new deployment itself)" if s.auto_deploy
                    else f"deployment {dep_key.split(':')[1]}"))
        b.step(key=s.key, kind="stage", action="create", call=Call("apigatewayv2", "create_stage", params), undo=delete,
               state=_state_entry("stage", s.spec, delete, "api", s.summary, deployment=None if s.auto_deploy else dep_key),
               parent="api", summary=f"create {s.summary}",
               note="Auto-deploy: AWS deploys every change to this stage itself." if s.auto_deploy else "")
        return
    new_fields, old_fields = _v2_stage_fields(s.spec), _v2_stage_fields(old["spec"])
    params: dict[str, Any] = {k: v for k, v in new_fields.items() if old_fields.get(k) != v}
    undo: dict[str, Any] = {k: old_fields.get(k, {} if k in ("StageVariables", "DefaultRouteSettings") else
                                               (False if k == "AutoDeploy" else "")) for k in params}
    extra = {"deployment": old.get("deployment")}
    if api_changed and not s.auto_deploy and dep_key:
        params["DeploymentId"] = ref(dep_key)
        if old.get("deployment"):
            undo["DeploymentId"] = ref(old["deployment"])
        extra["deployment"] = dep_key
        b.change("deploy", "stage", s.key, f"stage {s.name} serves deployment {dep_key.split(':')[1]}")
    if not params:
        return
    if new_fields != old_fields:
        b.change("update", "stage", s.key, s.summary)
    b.step(key=s.key, kind="stage", action="update",
           call=Call("apigatewayv2", "update_stage", {"ApiId": ref("api"), "StageName": s.name, **params}),
           undo=(Call("apigatewayv2", "update_stage", {"ApiId": ref("api"), "StageName": s.name, **undo}),) if undo else (),
           state=_state_entry("stage", s.spec, delete, "api", s.summary, **extra), summary=f"update {s.summary}")


# --------------------------------------------------------------------------------------------------
# Teardown
# --------------------------------------------------------------------------------------------------

#: The order teardown deletes in: what refers to a thing before the thing (a usage plan names stages,
#: a stage names a deployment, a permission names the API), the API last, then the log groups.
TEARDOWN_ORDER = ("permission", "waf_association", "usage_plan_key", "usage_plan", "api_key", "stage_settings", "stage",
                  "deployment")


def make_teardown_plan(record: Any) -> Plan:
    """Delete everything ``record``'s state holds: permissions, usage plans and keys, stages, deployments,
    then the API (which takes its resources, methods, routes and integrations with it)."""
    rank = {k: i for i, k in enumerate(TEARDOWN_ORDER)}
    api_kinds = ("rest_api", "v2_api")
    # stages and deployments are deleted one by one, in the order AWS requires; the rest of the API's
    # insides go with it
    state = {k: ({**e, "parent": ""} if e["kind"] in ("stage", "deployment") else e) for k, e in record.state.items()}

    def position(key: str) -> tuple[int, int]:
        kind = state[key]["kind"]
        group = rank.get(kind, len(rank) + (1 if kind in api_kinds else 0))
        return group, -state[key].get("order", 0)

    b = _Builder("teardown")
    delete_steps(b, state, sorted(state, key=position))
    return Plan(kind="teardown", deployment_id=record.deployment_id, api_type=record.api_type, api_name=record.api_name,
                region=record.region, tags=dict(record.tags), run=record.next_run, steps=b.steps, changes=b.changes,
                unchanged=[], costs=None, notes=[], functions=list(record.functions), design=None, first=False)

