"""The reaper of the site's AWS deployments (issue 11): due rows only, one reaper per row (claims taken
under SELECT ... FOR UPDATE SKIP LOCKED), role deployments reaped with a fresh assume_role, pasted ones
reported; an interrupted run resumed from the row."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from courseware.models import LearningEvent
from labs import awsdeploy
from labs.models import AwsDeployment

from ..apigw.test_deploy_moto import account_is_empty
from .aws_support import (  # noqa: F401 — fixtures
    PASTED,
    apply,
    aws,
    moto,
    plan,
    progress,
    ready,
    site_aws,
)


def _expire(row: AwsDeployment, minutes: int = 1) -> None:
    past = timezone.now() - timedelta(minutes=minutes)
    row.refresh_from_db()
    row.record["expires_at"] = past.isoformat(timespec="seconds")
    AwsDeployment.objects.filter(pk=row.pk).update(expires_at=past, record=row.record)


def _as_record(row):
    return type("R", (), {"deployment_id": row.deployment_id})()


def test_manage_py_apigw_reap_tears_down_due_role_deployments_and_reports_pasted_ones(learner_client, ready, site_aws,
                                                                                      tmp_path):
    role = plan(learner_client, ready)
    apply(learner_client, role)
    _expire(role)
    out = io.StringIO()
    call_command("apigw", "reap", "--records", str(tmp_path), stdout=out)  # exit 0: no SystemExit
    role.refresh_from_db()
    assert role.status == "torn_down" and not role.running
    assert f"site: {role.deployment_id}: torn down" in out.getvalue()
    account_is_empty(site_aws, _as_record(role))
    event = LearningEvent.objects.get(verb="torn-down")
    assert event.result["by"] == "reaper" and event.result["target"] == "aws"
    assume = [r for r in site_aws.proxy.state.requests if "Action=AssumeRole" in r["body"]]
    assert len(assume) == 2  # the apply's, and a fresh one for the reaper

    pasted = plan(learner_client, ready, credential="pasted")
    apply(learner_client, pasted, credentials=PASTED)
    _expire(pasted)
    out = io.StringIO()
    call_command("apigw", "reap", "--only", "site", stdout=out)
    assert "pasted temporary credentials" in out.getvalue()
    pasted.refresh_from_db()
    assert pasted.status == "deployed"
    assert "cannot be torn down automatically" in progress(learner_client, pasted)


def _row(attempt, n: int, **fields) -> AwsDeployment:
    now = timezone.now()
    defaults = {"deployment_id": f"ga-sel{n:05d}", "region": "us-east-1", "status": "deployed",
                "expires_at": now - timedelta(minutes=n), "record": {"deployment_id": f"ga-sel{n:05d}"}}
    return AwsDeployment.objects.create(attempt=attempt, **{**defaults, **fields})


def test_the_reaper_selects_due_unclaimed_rows_that_it_can_reap(learner, db):
    from labs.models import LabAttempt

    attempt = LabAttempt.objects.create(user=learner, scenario="rest-order-service")
    now = timezone.now()
    due = _row(attempt, 1)
    older = _row(attempt, 2, status="rollback_incomplete")
    _row(attempt, 3, expires_at=now + timedelta(hours=1))  # not due
    _row(attempt, 4, status="torn_down")
    _row(attempt, 5, status="rolled_back")
    _row(attempt, 6, credential="pasted")  # reported, not claimed
    _row(attempt, 7, claimed_by="someone", claimed_until=now + timedelta(minutes=5))  # another run has it
    stale = _row(attempt, 8, status="applying", claimed_by="dead", claimed_until=now - timedelta(minutes=1))
    taken = []
    while (claimed := awsdeploy.claim_next_due(now, {r.pk for r in taken})) is not None:
        taken.append(claimed[0])
    assert [r.deployment_id for r in taken] == [stale.deployment_id, older.deployment_id, due.deployment_id]
    assert all(AwsDeployment.objects.get(pk=r.pk).claimed for r in taken)
    assert awsdeploy.claim_next_due(now) is None  # all claimed now


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED is PostgreSQL's (SQLite has one writer)")
def test_two_reapers_on_postgresql_never_take_the_same_row(learner, transactional_db):
    from labs.models import LabAttempt

    attempt = LabAttempt.objects.create(user=learner, scenario="rest-order-service")
    first, second = _row(attempt, 2), _row(attempt, 1)
    locked, release = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def holder() -> None:  # a reaper on another server, in the middle of claiming the oldest row
        try:
            with transaction.atomic():
                row = AwsDeployment.objects.select_for_update().get(pk=first.pk)
                seen["held"] = row.pk
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    assert locked.wait(10)
    try:
        claimed = awsdeploy.claim_next_due(timezone.now())
        assert claimed is not None and claimed[0].pk == second.pk  # skipped the locked row instead of waiting
    finally:
        release.set()
        thread.join(10)
    assert awsdeploy.claim_next_due(timezone.now())[0].pk == first.pk  # free again: the next reaper takes it


def test_an_interrupted_run_is_resumed_from_the_row(learner_client, ready, site_aws, monkeypatch):
    row = plan(learner_client, ready)
    real = awsdeploy.RowRecorder.save
    calls = {"n": 0}

    def crash_after_some(self, record, entry):
        calls["n"] += 1
        if calls["n"] == 12:
            raise RuntimeError("the worker was killed")  # stands for a dead process: nothing but botocore is caught
        return real(self, record, entry)

    monkeypatch.setattr(awsdeploy.RowRecorder, "save", crash_after_some)
    apply(learner_client, row)
    monkeypatch.setattr(awsdeploy.RowRecorder, "save", real)
    row.refresh_from_db()
    assert row.status == "applying" and row.interrupted and "resume it" in row.problem
    page = progress(learner_client, row)
    assert "The run stopped half-way" in page and ">Resume<" in page
    learner_client.post(f"/labs/designs/{ready.pk}/aws/{row.pk}/resume/", {"rollback": "0"})
    row.refresh_from_db()
    assert row.status == "deployed", row.message
    created = [r for r in site_aws.proxy.state.requests if r["method"] == "POST" and r["path"] == "/restapis"]
    assert len(created) == 1  # nothing made twice


def test_an_interrupted_run_can_be_rolled_back(learner_client, ready, site_aws, monkeypatch):
    row = plan(learner_client, ready)
    real = awsdeploy.RowRecorder.save
    calls = {"n": 0}

    def crash(self, record, entry):
        calls["n"] += 1
        if calls["n"] == 9:
            raise RuntimeError("killed")
        return real(self, record, entry)

    monkeypatch.setattr(awsdeploy.RowRecorder, "save", crash)
    apply(learner_client, row)
    monkeypatch.setattr(awsdeploy.RowRecorder, "save", real)
    learner_client.post(f"/labs/designs/{ready.pk}/aws/{row.pk}/resume/", {"rollback": "1"})
    row.refresh_from_db()
    assert row.status == "rolled_back", row.message
    account_is_empty(site_aws, _as_record(row))


def test_a_click_a_resume_and_the_reaper_never_run_a_deployment_at_once(learner_client, ready, site_aws):
    row = plan(learner_client, ready)
    apply(learner_client, row)
    claimed = awsdeploy.claim(row.pk, None)  # a run has it (a worker tearing it down, say)
    assert claimed is not None
    _, token, _ = claimed
    response = learner_client.post(f"/labs/designs/{ready.pk}/aws/{row.pk}/teardown/", follow=True)
    assert "running now" in response.content.decode()
    assert AwsDeployment.objects.get(pk=row.pk).job == ""  # nothing queued behind its back
    assert awsdeploy.claim(row.pk, None) is None  # a second run can't take it
    _expire(row)
    assert awsdeploy.claim_next_due(timezone.now()) is None  # nor the reaper
    AwsDeployment.objects.filter(pk=row.pk).update(job="teardown")
    assert awsdeploy.run(row.pk, "teardown") == "skipped"
    awsdeploy.release(row.pk, token)
    assert awsdeploy.run(row.pk, "teardown") == "torn_down"


def test_a_run_whose_claim_was_taken_stops_at_its_next_save(learner_client, ready):
    from labs.apigw.deploy import DeploymentRecord

    row = plan(learner_client, ready)
    _, token, _ = awsdeploy.claim(row.pk, None)
    recorder = awsdeploy.RowRecorder(row.pk, token)
    record = DeploymentRecord(deployment_id=row.deployment_id, region="us-east-1", status="applying")
    recorder.save(record, None)
    assert AwsDeployment.objects.get(pk=row.pk).status == "applying"
    AwsDeployment.objects.filter(pk=row.pk).update(claimed_by="another-run")  # its claim ran out and was taken
    with pytest.raises(awsdeploy.ClaimLost):
        recorder.save(record, None)
