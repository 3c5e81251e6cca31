"""Tearing down deployments left up past their time (default 2 hours after they were deployed).

The domain says *which* records are due (``DeploymentRecord.is_due``, ``due_for_reaping``) and tears
one down (``Deployer.teardown``). Choosing and locking the records is the caller's: the web side selects
its rows with ``SELECT ... FOR UPDATE SKIP LOCKED`` on ``expires_at`` so reapers on several servers
never take the same one; the CLI (``reap_store``) takes a non-blocking ``flock`` per record file.

Credentials: a role deployment is reaped with a fresh ``assume_role`` (``session_for(record)``); a
deployment made with pasted temporary credentials can't be — those were forgotten after the run —
so it is reported back for the learner (and the keys expire on their own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .executor import Deployer
from .messages import explain
from .record import DeploymentRecord, JsonFileStore, Recorder, due_for_reaping, utcnow
from .target import Target


def reap(records: Iterable[DeploymentRecord], now: datetime | None, *,
         target_for: Callable[[DeploymentRecord], Target | None], recorder: Recorder) -> list[dict[str, Any]]:
    """Tear down every due record; returns one result per record reaped or skipped."""
    results = []
    for record in due_for_reaping(list(records), now or utcnow()):
        results.append(reap_one(record, target_for=target_for, recorder=recorder))
    return results


def reap_one(record: DeploymentRecord, *, target_for: Callable[[DeploymentRecord], Target | None],
             recorder: Recorder) -> dict[str, Any]:
    if record.credential_source.get("kind") == "pasted":
        return {"deployment": record.deployment_id, "status": record.status, "reaped": False,
                "why": "made with pasted temporary credentials, which were not kept: the learner must tear it down"}
    try:
        target = target_for(record)
    except (ClientError, BotoCoreError) as exc:
        return {"deployment": record.deployment_id, "status": record.status, "reaped": False,
                "why": explain(exc, "sts.assume_role")}
    if target is None:
        return {"deployment": record.deployment_id, "status": record.status, "reaped": False, "why": "no credentials"}
    record = Deployer(target, recorder).teardown(record)
    return {"deployment": record.deployment_id, "status": record.status, "reaped": record.status == "torn_down",
            "why": record.message}


def reap_store(store: JsonFileStore, now: datetime | None, *,
               target_for: Callable[[DeploymentRecord], Target | None]) -> list[dict[str, Any]]:
    """The CLI's reaper: each due record under its file lock (another reaper holding it is skipped)."""
    results = []
    for record in due_for_reaping(store.all(), now or utcnow()):
        with store.lock(record.deployment_id) as mine:
            if not mine:
                results.append({"deployment": record.deployment_id, "status": record.status, "reaped": False,
                                "why": "another reaper has it"})
                continue
            fresh = store.load(record.deployment_id)  # it may have changed while we waited
            if not fresh.is_due(now or utcnow()):
                continue
            results.append(reap_one(fresh, target_for=target_for, recorder=store))
    return results
