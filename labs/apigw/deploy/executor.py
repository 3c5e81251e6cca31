"""Running a plan: every step recorded before and after its call; failures rolled back; teardown proven.

``Deployer(target, recorder)``:

* ``apply(plan, record=None)`` runs the plan's steps in order. Before each call the recorder gets the
  step as *started* (with the request), after it *done* (with the response) or *failed* (with the error
  in plain words). If a step fails (access denied, a quota, a Region not enabled, a network error,
  throttling that outlasted the retries) the run is rolled back: what it made is deleted in reverse
  order, what it changed is changed back, and anything tagged with the deployment but missing from the
  record (a create whose response was lost) is found and deleted too.
* ``resume(record, rollback=False)`` continues an interrupted run from its record: steps done are
  skipped; a step started but not recorded as done is first looked for (``inventory.find``: by tag,
  name, path or id), adopted if it exists, run again if not — or the run is rolled back instead.
* ``teardown(record)`` deletes everything the record holds (permissions, usage plans and keys, stages,
  deployments, then the API), the log groups API Gateway made for it, and anything tagged with the
  deployment, then lists the account (``inventory.list_leftovers``): ``torn_down`` means nothing is left.

Nothing here catches more than botocore's errors: anything else (a crash, a ``KeyboardInterrupt``)
propagates and leaves the record exactly where the process stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .inventory import find, list_leftovers, list_log_groups, list_permissions, list_tagged
from .calls import Call, UnresolvedReference, resolve
from .messages import describe, explain, is_conflict, is_not_found, rejected
from .plan import Plan, Step, make_teardown_plan
from .record import DEFAULT_TTL, DeploymentRecord, Recorder, iso, utcnow
from .target import Target


class StepError(Exception):
    def __init__(self, step: Step, plain: str, exc: BaseException | None = None) -> None:
        super().__init__(plain)
        self.step = step
        self.plain = plain
        self.exc = exc


def _dig(value: Any, path: str) -> Any:
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _clean(response: Mapping[str, Any]) -> dict[str, Any]:
    meta = response.get("ResponseMetadata", {})
    out = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    if meta.get("RequestId"):
        out["RequestId"] = meta["RequestId"]
    return out


def invoke_urls(record: DeploymentRecord) -> dict[str, str]:
    """Stage name -> the URL callers use (REST/HTTP https, WebSocket wss)."""
    api = record.ids.get("api")
    if not api:
        return {}
    scheme = "wss" if record.api_type == "websocket" else "https"
    host = f"{api}.execute-api.{record.region}.amazonaws.com"
    out = {}
    for key, entry in record.state.items():
        if entry["kind"] == "stage":
            name = key.split(":", 1)[1]
            out[name] = f"{scheme}://{host}" + ("" if name == "$default" else f"/{name}")
    return out


def record_step(record: DeploymentRecord, step: Step, response: Mapping[str, Any] | None) -> None:
    """What a finished step changes in the record: the ids it made, and the state of its resource."""
    first_id = None
    for name, path in step.outputs.items():
        value = _dig(response or {}, path)
        if value is not None:
            record.ids[name] = str(value)
            first_id = first_id or str(value)
            if name == "api" and str(value) not in record.api_ids:
                record.api_ids.append(str(value))
    if step.action == "create" and step.state is not None:
        record.state[step.key] = {**step.state, "order": record.next_order(), "id": first_id}
    elif step.action == "update" and step.state is not None:
        old = record.state.get(step.key, {})
        record.state[step.key] = {**step.state, "order": old.get("order", record.next_order()), "id": old.get("id")}
    elif step.action in ("delete", "forget"):
        record.state.pop(step.key, None)
    if step.kind == "permission" and step.call is not None:
        function = step.call.params.get("FunctionName")
        if isinstance(function, str) and function not in record.functions:
            record.functions.append(function)


class Deployer:
    def __init__(self, target: Target, recorder: Recorder, *, ttl: timedelta = DEFAULT_TTL,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.target = target
        self.recorder = recorder
        self.ttl = ttl
        self.clock = clock
        self.redact = target.redactor

    # ----------------------------------------------------------------------------------------------
    # Recording
    # ----------------------------------------------------------------------------------------------

    def _save(self, record: DeploymentRecord, entry: dict[str, Any] | None = None) -> None:
        record.updated_at = iso(self.clock())
        self.recorder.save(record, entry)

    def _log(self, record: DeploymentRecord, run: int, step: Step, phase: str, **fields: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {"run": run, "step": step.index, "key": step.key, "kind": step.kind,
                                 "action": step.action, "phase": phase, "at": iso(self.clock()),
                                 "summary": step.summary}
        if step.call is not None:
            entry["call"] = step.call.name
        entry.update({k: v for k, v in fields.items() if v is not None})
        record.log.append(entry)
        self._save(record, entry)
        return entry

    # ----------------------------------------------------------------------------------------------
    # One call
    # ----------------------------------------------------------------------------------------------

    def _execute(self, record: DeploymentRecord, run: int, step: Step, *, look_first: bool = False,
                 extra: Mapping[str, Any] | None = None) -> tuple[dict[str, Any] | None, str]:
        """Run ``step``'s call; returns (response, phase) — phase "done", "adopted" or "gone"."""
        assert step.call is not None
        call = step.call
        try:
            params = resolve(call.params, record.ids)
        except UnresolvedReference as exc:
            plain = f"The step needs the id of {exc.args[0]!r}, which no earlier step recorded (a bug in the plan)."
            self._log(record, run, step, "failed", error={"code": "UnresolvedReference", "plain": plain}, **(extra or {}))
            raise StepError(step, plain) from None
        if look_first and call.operation.startswith(("create", "put", "add")):
            found = self._find(record, step, params)
            if found is not None:
                self._log(record, run, step, "adopted", response=self.redact(_clean(found), call.operation),
                          note="the call had taken effect before the run stopped: adopted, not repeated", **(extra or {}))
                return found, "adopted"
        self._log(record, run, step, "started", request=self.redact(params, call.operation), **(extra or {}))
        started = time.monotonic()
        client = self.target.client(call.service, call.region or record.region)
        try:
            response = getattr(client, call.operation)(**params)
        except ClientError as exc:
            seconds = round(time.monotonic() - started, 3)
            if step.action in ("delete", "prepare", "undo") and is_not_found(exc):
                self._log(record, run, step, "done", note="already gone", seconds=seconds, **(extra or {}))
                return None, "gone"
            if step.action == "create" and is_conflict(exc):
                found = self._find(record, step, params)
                if found is not None:
                    self._log(record, run, step, "adopted", response=self.redact(_clean(found), call.operation),
                              note="it already existed (a retried call): adopted", seconds=seconds, **(extra or {}))
                    return found, "adopted"
            self._fail(record, run, step, exc, params, seconds, extra)
        except BotoCoreError as exc:
            self._fail(record, run, step, exc, params, round(time.monotonic() - started, 3), extra)
        meta = response.get("ResponseMetadata", {})
        self._log(record, run, step, "done", response=self.redact(_clean(response), call.operation),
                  attempts=int(meta.get("RetryAttempts", 0)) + 1, seconds=round(time.monotonic() - started, 3),
                  **(extra or {}))
        return response, "done"

    def _fail(self, record: DeploymentRecord, run: int, step: Step, exc: BaseException, params: Mapping[str, Any],
              seconds: float, extra: Mapping[str, Any] | None) -> None:
        assert step.call is not None
        plain = explain(exc, step.call.name, region=step.call.region or record.region,
                        function=str(params.get("FunctionName", "")), account=record.ids.get("account", ""))
        error = self.redact({**describe(exc), "plain": plain})
        self._log(record, run, step, "failed", error=error, seconds=seconds, **(extra or {}))
        raise StepError(step, error["plain"], exc)

    def _find(self, record: DeploymentRecord, step: Step, params: Mapping[str, Any]) -> dict[str, Any] | None:
        try:
            return find(self.target, record, step, params)
        except (ClientError, BotoCoreError):
            return None

    def _record_result(self, record: DeploymentRecord, step: Step, response: Mapping[str, Any] | None) -> None:
        record_step(record, step, response)

    def _run_step(self, record: DeploymentRecord, run: int, step: Step, look_first: bool = False) -> None:
        if step.call is None:
            self._record_result(record, step, None)
            self._log(record, run, step, "forgotten")
            return
        previous = record.state.get(step.key)
        response, _ = self._execute(record, run, step, look_first=look_first,
                                    extra={"previous": previous} if step.action == "update" and previous else None)
        self._record_result(record, step, response)
        self._save(record)

    # ----------------------------------------------------------------------------------------------
    # Apply
    # ----------------------------------------------------------------------------------------------

    def apply(self, plan: Plan, record: DeploymentRecord | None = None, *,
              credential_source: Mapping[str, str] | None = None) -> DeploymentRecord:
        if plan.kind != "apply":
            raise ValueError("apply takes an apply plan; use teardown() to tear down")
        now = iso(self.clock())
        if record is None:
            record = DeploymentRecord(deployment_id=plan.deployment_id, region=plan.region, api_type=plan.api_type,
                                      api_name=plan.api_name, tags=dict(plan.tags), created_at=now,
                                      endpoint_url=self.target.endpoint_url,
                                      credential_source=dict(credential_source or {"kind": "session"}))
        elif record.deployment_id != plan.deployment_id:
            raise ValueError(f"the plan is for {plan.deployment_id}, the record is {record.deployment_id}")
        record.api_type, record.api_name = plan.api_type, plan.api_name
        for function in plan.functions:
            if function not in record.functions:
                record.functions.append(function)
        run = record.start_run("apply", plan.to_dict())
        if plan.empty:
            record.finish_run(run, "unchanged", "Nothing to change: AWS already has what the design describes.")
            self._save(record)
            return record
        record.status = "applying"
        if record.expires_at is None:  # a run that dies half-way is reaped like one that finished
            record.expires_at = iso(self.clock() + self.ttl)
        self._save(record)
        return self._run_apply(record, run)

    def _run_apply(self, record: DeploymentRecord, run: dict[str, Any]) -> DeploymentRecord:
        plan = Plan.from_dict(run["plan"])
        n = run["run"]
        done = record.steps_done(n)
        started = record.steps_started(n)
        for step in plan.steps:
            if step.index in done:
                continue
            try:
                self._run_step(record, n, step, look_first=step.index in started)
            except StepError as err:
                record.finish_run(run, "failed", err.plain)
                return self._rollback(record, run, err.plain)
        record.status = "deployed"
        record.design = plan.design
        record.deployed_at = iso(self.clock())
        record.expires_at = iso(self.clock() + self.ttl)
        urls = invoke_urls(record)
        calls = sum(1 for s in plan.steps if s.call is not None)
        message = (f"Deployed with {calls} calls." + "".join(f" Stage {s}: {u}" for s, u in urls.items())
                   + f" It is torn down automatically after {record.expires_at}.")
        record.finish_run(run, "deployed", message)
        self._save(record)
        return record

    # ----------------------------------------------------------------------------------------------
    # Rollback
    # ----------------------------------------------------------------------------------------------

    def rollback(self, record: DeploymentRecord) -> DeploymentRecord:
        """Roll back the last apply run (after a failure or an interruption)."""
        run = record.last_apply()
        if run is None:
            return record
        return self._rollback(record, run, run.get("message") or "The deployment is rolled back as asked.")

    def _undo_calls(self, record: DeploymentRecord, run: int, step: Step, calls: tuple[Call, ...] | list[Call],
                    errors: list[str]) -> bool:
        ok = True
        for i, call in enumerate(calls):
            undo = Step(index=step.index, key=step.key, kind=step.kind, action="undo", call=call,
                        summary=f"undo: {step.summary}")
            try:
                self._execute(record, run, undo, extra={"part": i})
            except StepError as err:
                errors.append(err.plain)
                ok = False
        return ok

    def _rollback(self, record: DeploymentRecord, failed: dict[str, Any], cause: str) -> DeploymentRecord:
        record.status = "rolling_back"
        rb = record.start_run("rollback", of=failed["run"])
        self._save(record)
        n, plan = failed["run"], Plan.from_dict(failed["plan"])
        steps = {s.index: s for s in plan.steps}
        if all(steps[i].action == "read" for i in record.steps_started(n)):
            return self._nothing_changed(record, rb, cause)
        done = record.steps_done(n)
        # a step started but never finished may have taken effect (a crash, a lost response, a 5xx):
        # find what it made. A 4xx answer is a refusal: nothing was made.
        failures = {e["step"]: e.get("error") for e in record.entries(n) if e["phase"] == "failed"}
        for index in sorted(record.steps_started(n) - set(done)):
            step = steps[index]
            if index in failures and rejected(failures[index]):
                continue
            if step.action == "create" and step.call is not None:
                try:
                    params = resolve(step.call.params, record.ids)
                except UnresolvedReference:
                    continue
                found = self._find(record, step, params)
                if found is not None:
                    self._record_result(record, step, found)
                    done[index] = self._log(record, n, step, "adopted", response=self.redact(_clean(found)),
                                            note="found after the failure: it is undone with the rest")
        undone = {e["undo_of"] for r in record.runs if r["kind"] == "rollback" and r.get("of") == n
                  for e in record.entries(r["run"]) if e["phase"] in ("undone", "kept")}
        created = {steps[i].key for i in done if steps[i].action == "create"}
        errors: list[str] = []
        kept: list[str] = []
        for index in sorted(done, reverse=True):
            step = steps[index]
            if index in undone or step.action == "read":
                continue
            if step.action == "create":
                entry = record.state.get(step.key)
                if entry is None:
                    continue
                ancestor = self._created_ancestor(record, step.key, created)
                if ancestor:
                    record.state.pop(step.key, None)
                    self._log(record, rb["run"], step, "undone", note=f"removed with {ancestor}", undo_of=index)
                    continue
                calls = [Call.from_dict(c) for c in entry.get("delete") or ()]
                if self._undo_calls(record, rb["run"], step, calls, errors):
                    record.state.pop(step.key, None)
                    self._log(record, rb["run"], step, "undone", note="deleted", undo_of=index)
            elif step.action == "update":
                if self._undo_calls(record, rb["run"], step, step.undo, errors):
                    previous = done[index].get("previous")
                    if previous is not None:
                        record.state[step.key] = previous
                    self._log(record, rb["run"], step, "undone", note="changed back", undo_of=index)
            else:  # a deletion can't be undone: the stage still serves the deployment made before it
                kept.append(step.summary)
                self._log(record, rb["run"], step, "kept", undo_of=index,
                          note="deleted in this run and stays deleted; the stages still serve their deployment")
        self._sweep(record, rb["run"], errors)
        first = not any(r["kind"] == "apply" and r.get("outcome") == "deployed" for r in record.runs)
        parts = [cause, "What this run made was removed, in reverse order."]
        if kept:
            parts.append(f"{len(kept)} deletion(s) made before the failure stay done; callers still get the previous "
                         "deployment. Deploy again to finish.")
        if first:
            record.leftovers = self._leftovers(record, errors)
            parts.append("Nothing is left in the account." if not record.leftovers and not errors else
                         f"Left in the account: {_describe_left(record.leftovers)}.")
        if errors:
            parts.append("Some of it could not be removed: " + " ".join(dict.fromkeys(errors))
                         + " Run teardown when the problem is fixed.")
        message = " ".join(parts)
        record.status = "rollback_incomplete" if errors or (first and record.leftovers) else (
            "rolled_back" if first else "deployed")
        if record.status == "deployed":
            message += " The previous deployment is still in place."
        record.finish_run(rb, record.status, message)
        self._save(record)
        return record

    def _nothing_changed(self, record: DeploymentRecord, rb: dict[str, Any], cause: str) -> DeploymentRecord:
        """The run failed before its first change (on reading the account id): nothing to undo or look
        for — no create was ever sent, so there can be no orphan either."""
        first = not any(r["kind"] == "apply" and r.get("outcome") == "deployed" for r in record.runs)
        record.status = "rolled_back" if first else "deployed"
        message = f"{cause} The run stopped before its first change: nothing was changed in your account."
        if not first:
            message += " The previous deployment is still in place."
        record.finish_run(rb, record.status, message)
        self._save(record)
        return record

    @staticmethod
    def _created_ancestor(record: DeploymentRecord, key: str, created: set[str]) -> str:
        seen: set[str] = set()
        parent = record.state.get(key, {}).get("parent", "")
        while parent and parent not in seen:
            if parent in created and parent in record.state:
                return parent
            seen.add(parent)
            parent = record.state.get(parent, {}).get("parent", "")
        return ""

    # ----------------------------------------------------------------------------------------------
    # Orphans: tagged with the deployment, missing from the record
    # ----------------------------------------------------------------------------------------------

    def _sweep(self, record: DeploymentRecord, run: int, errors: list[str]) -> None:
        try:
            tagged = list_tagged(self.target, record.deployment_id)
            ours = {e.get("id") for e in record.state.values()}
            sids = {e["spec"].get("StatementId") for e in record.state.values() if e["kind"] == "permission"}
            permissions, _ = list_permissions(self.target, record.deployment_id, record.functions)
        except (ClientError, BotoCoreError) as exc:
            errors.append(explain(exc, "listing the account"))
            return
        for item in tagged:
            if item["id"] in ours:
                continue
            calls: list[Call] = {
                "rest_api": [Call("apigateway", "delete_rest_api", {"restApiId": item["id"]})],
                "v2_api": [Call("apigatewayv2", "delete_api", {"ApiId": item["id"]})],
                "api_key": [Call("apigateway", "delete_api_key", {"apiKey": item["id"]})],
                "usage_plan": [*(Call("apigateway", "update_usage_plan", {"usagePlanId": item["id"], "patchOperations": [
                    {"op": "remove", "path": "/apiStages", "value": s}]}) for s in item.get("stages", [])),
                               Call("apigateway", "delete_usage_plan", {"usagePlanId": item["id"]})],
            }[item["kind"]]
            self._orphan(record, run, f"orphan:{item['kind']}:{item['id']}", item["kind"],
                         f"delete {item['kind']} {item['name'] or item['id']} (tagged with this deployment, not in the record)",
                         calls, errors)
        for p in permissions:
            if p["id"] not in sids:
                self._orphan(record, run, f"orphan:permission:{p['id']}", "permission",
                             f"remove permission {p['id']} from {p['name']} (not in the record)",
                             [Call("lambda", "remove_permission", {"FunctionName": p["name"], "StatementId": p["id"]},
                                   region=_region_of(p["name"], record.region))], errors)

    def _orphan(self, record: DeploymentRecord, run: int, key: str, kind: str, summary: str, calls: list[Call],
                errors: list[str]) -> None:
        for call in calls:
            step = Step(index=-1, key=key, kind=kind, action="delete", call=call, summary=summary)
            try:
                self._execute(record, run, step)
            except StepError as err:
                errors.append(err.plain)
                return

    # ----------------------------------------------------------------------------------------------
    # Teardown
    # ----------------------------------------------------------------------------------------------

    def teardown(self, record: DeploymentRecord) -> DeploymentRecord:
        plan = make_teardown_plan(record)
        record.status = "tearing_down"
        run = record.start_run("teardown", plan.to_dict())
        self._save(record)
        errors: list[str] = []
        for step in plan.steps:
            try:
                self._run_step(record, run["run"], step)
            except StepError as err:  # keep going: remove as much as can be removed, then say what is left
                errors.append(err.plain)
        try:
            groups = list_log_groups(self.target, record.api_ids)
        except (ClientError, BotoCoreError) as exc:
            errors.append(explain(exc, "logs.describe_log_groups"))
            groups = []
        for group in groups:
            self._orphan(record, run["run"], f"log_group:{group['id']}", "log_group",
                         f"delete log group {group['id']} (API Gateway made it for execution logs)",
                         [Call("logs", "delete_log_group", {"logGroupName": group["id"]})], errors)
        self._sweep(record, run["run"], errors)
        record.leftovers = self._leftovers(record, errors)
        if record.leftovers or errors:
            record.status = "teardown_incomplete"
            message = (f"Left in the account: {_describe_left(record.leftovers) or 'nothing found, but'} "
                       + " ".join(dict.fromkeys(errors))).strip()
        else:
            record.status = "torn_down"
            record.state.clear()
            message = "Torn down: nothing tagged with this deployment is left in the account."
        record.finish_run(run, record.status, message)
        self._save(record)
        return record

    def _leftovers(self, record: DeploymentRecord, errors: list[str]) -> list[dict[str, Any]]:
        try:
            return list_leftovers(self.target, record)
        except (ClientError, BotoCoreError) as exc:
            errors.append(explain(exc, "listing the account"))
            return [{"kind": "unchecked", "id": "", "name": "", "why": errors[-1]}]

    def leftovers(self, record: DeploymentRecord) -> list[dict[str, Any]]:
        return list_leftovers(self.target, record)

    # ----------------------------------------------------------------------------------------------
    # Resume and verify
    # ----------------------------------------------------------------------------------------------

    def resume(self, record: DeploymentRecord, *, rollback: bool = False) -> DeploymentRecord:
        """Continue (or, with ``rollback``, undo) the run an interrupted record stopped in."""
        run = record.current_run
        if run is None:
            return record
        if record.status == "applying" and run["kind"] == "apply":
            if rollback:
                record.finish_run(run, "failed", "The deployment was interrupted.")
                return self._rollback(record, run, "The deployment was interrupted, and is rolled back.")
            return self._run_apply(record, run)
        if record.status == "rolling_back" and run["kind"] == "rollback":
            failed = record.run_named(run["of"])
            record.finish_run(run, "interrupted", "The rollback was interrupted.")
            return self._rollback(record, failed, failed.get("message") or "The deployment failed.")
        if record.status == "tearing_down":
            record.finish_run(run, "interrupted", "The teardown was interrupted.")
            return self.teardown(record)
        return record

    def verify(self, record: DeploymentRecord) -> list[dict[str, Any]]:
        """Read back what AWS reports and compare it with the design (``verify.compare``)."""
        from .verify import verify

        checks = verify(self.target, record)
        record.verification = checks
        self._save(record)
        return checks


def _describe_left(items: list[dict[str, Any]]) -> str:
    return "; ".join(f"{i['kind']} {i.get('name') or i.get('id')} ({i.get('why', '')})" for i in items)


def _region_of(arn: str, default: str) -> str:
    from ..resolved import arn_region

    region = arn_region(arn)
    return "" if not region or region == default else region
