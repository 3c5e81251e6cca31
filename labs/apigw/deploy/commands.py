"""The command line's deploy, teardown and reap (``python manage.py apigw deploy|teardown|reap``).

Credentials come from the usual AWS environment (``AWS_PROFILE``, ``AWS_ACCESS_KEY_ID``...);
``--endpoint-url`` points the same deployer at moto or LocalStack. Records are JSON files in
``~/.gateway-academy/deployments/`` (or ``--records DIR``), one per deployment.

Exit codes: deploy 0 = deployed (or planned), 1 = failed and rolled back, 2 = the file can't be used or
has error findings; teardown 0 = nothing tagged for the deployment is left, 1 = something is, 2 = no
such deployment; reap 0 = every due deployment torn down, 1 = some could not be.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from ..model import Design
from ..rules import validate
from .executor import Deployer
from .plan import PlanError, make_plan
from .preflight import preflight
from .record import DeploymentRecord, JsonFileStore
from .target import Target
from .calls import show
from .reap import reap_store

DEFAULT_RECORDS = Path("~/.gateway-academy/deployments")
EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2
Out = Callable[[str], None]


def records_dir(path: str | os.PathLike[str] | None) -> Path:
    return Path(path).expanduser() if path else DEFAULT_RECORDS.expanduser()


def _short(value: Any, limit: int = 100) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Echo:
    """Prints each call as it starts, and how it ended."""

    def __init__(self, out: Out, total: int = 0) -> None:
        self.out = out
        self.total = total
        self.count = 0

    def __call__(self, entry: dict[str, Any]) -> None:
        phase, call = entry.get("phase"), entry.get("call")
        if phase == "started":
            self.count += 1
            args = ", ".join(f"{k}={_short(v, 60)!s}" for k, v in (entry.get("request") or {}).items())
            self.out(f"[{self.count:>3}] {call}({args})")
        elif phase == "done":
            response = entry.get("response") or {}
            ids = {k: v for k, v in response.items() if k in ("id", "ApiId", "IntegrationId", "RouteId", "AuthorizerId",
                                                                 "DeploymentId", "Account", "rootResourceId", "stageName")}
            tail = ", ".join(f"{k}={v}" for k, v in ids.items()) or entry.get("note") or "ok"
            attempts = entry.get("attempts", 1)
            self.out(f"      -> {tail} ({entry.get('seconds', 0)} s" + (f", {attempts} attempts" if attempts > 1 else "") + ")")
        elif phase == "failed":
            self.out(f"      !! {entry.get('error', {}).get('plain', 'failed')}")
        elif phase == "adopted":
            self.out(f"[   ] {call}: {entry.get('note', 'adopted')}")
        elif phase in ("forgotten", "undone", "kept") and entry.get("note"):
            what = str(entry.get("summary", "")).removeprefix("create ").removeprefix("update ")
            self.out(f"      undo {what}: {entry.get('note')}" if phase in ("undone", "kept") else
                     f"      {what}: {entry.get('note')}")


def deploy_design(design: Design, path: str | os.PathLike[str], *, region: str, notes: list[Any] = (),
                  stage: str | None = None, endpoint_url: str | None = None, plan_only: bool = False,
                  records: str | None = None, deployment: str | None = None, hours: float = 2.0, out: Out = print,
                  session: boto3.Session | None = None) -> int:
    """``design`` read from ``path`` (by ``cli.load_design_file``, with its import ``notes``)."""
    findings = validate(design)
    errors = [f for f in findings if f.severity == "error"]
    for f in errors:
        out(f"error    {f.rule_id}  {f.location}: {f.message}")
    if errors and not plan_only:
        out(f"{path}: {len(errors)} error finding(s); fix them before deploying (apigw validate {path})")
        return EXIT_UNUSABLE
    store = JsonFileStore(records_dir(records))
    previous: DeploymentRecord | None = None
    if deployment:
        try:
            previous = store.load(deployment)
        except KeyError:
            out(f"no deployment {deployment} in {store.directory}")
            return EXIT_UNUSABLE
        endpoint_url = endpoint_url or previous.endpoint_url
    try:
        plan = make_plan(design, region=region, stage=stage, record=previous, hours=hours)
    except PlanError as exc:
        out(str(exc))
        return EXIT_UNUSABLE
    session = session or boto3.Session(region_name=plan.region)
    target = Target(session, plan.region, endpoint_url)
    if session.get_credentials() is not None:
        preflight(plan, target)
    else:
        plan.notes.append("No AWS credentials found: Lambda functions were not checked.")
    for n in notes:
        plan.notes.append(f"import: {n.location}: {n.message}")
    out(plan.render().rstrip("\n"))
    if plan_only:
        out(f"deployment {plan.deployment_id} (plan only: nothing was made)")
        return EXIT_OK
    if session.get_credentials() is None:
        out("No AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.")
        return EXIT_UNUSABLE
    store.echo = _Echo(out, len(plan.calls))
    deployer = Deployer(target, store)
    record = deployer.apply(plan, previous, credential_source={"kind": "environment"})
    store.echo = None
    if record.status == "deployed":
        try:
            checks = deployer.verify(record)
        except (ClientError, BotoCoreError) as exc:
            out(f"verify: could not read the API back ({exc})")
        else:
            failed = [c for c in checks if not c["passed"]]
            out(f"verify: {len(checks)} checks, {len(checks) - len(failed)} passed")
            for c in failed:
                out(f"  failed: {c['what']}: expected {show(c['expected'])!r}, AWS says {c['actual']!r}")
    out(record.message)
    out(f"deployment {record.deployment_id}")
    return EXIT_OK if record.status == "deployed" else EXIT_FAILED


def teardown_deployment(deployment_id: str, *, endpoint_url: str | None = None, records: str | None = None,
                        out: Out = print, session: boto3.Session | None = None) -> int:
    store = JsonFileStore(records_dir(records))
    try:
        record = store.load(deployment_id)
    except (KeyError, ValueError):
        out(f"no deployment {deployment_id} in {store.directory}")
        return EXIT_UNUSABLE
    session = session or boto3.Session(region_name=record.region)
    target = Target(session, record.region, endpoint_url or record.endpoint_url)
    store.echo = _Echo(out)
    record = Deployer(target, store).teardown(record)
    store.echo = None
    if record.leftovers:
        out("Left in the account:")
        for item in record.leftovers:
            out(f"  {item['kind']} {item.get('name') or item.get('id')}: {item.get('why', '')}")
    else:
        out("Listed by its tags: nothing left.")
    out(record.message)
    return EXIT_OK if record.status == "torn_down" else EXIT_FAILED


def reap_records(*, records: str | None = None, endpoint_url: str | None = None, now: datetime | None = None,
                 out: Out = print) -> int:
    store = JsonFileStore(records_dir(records))

    def target_for(record: DeploymentRecord) -> Target:
        return Target(boto3.Session(region_name=record.region), record.region, endpoint_url or record.endpoint_url)

    results = reap_store(store, now, target_for=target_for)
    if not results:
        out("Nothing to reap.")
    for r in results:
        out(f"{r['deployment']}: {'torn down' if r['reaped'] else 'not torn down'} — {r['why']}")
    return EXIT_OK if all(r["reaped"] for r in results) else EXIT_FAILED
