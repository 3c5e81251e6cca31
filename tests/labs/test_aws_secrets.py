"""Pasted credentials (issue 11): sealed for at most 15 minutes, never in clear text in a page, a log
record, a stored row (every table dumped, django_tasks_db's included) or a task argument."""

from __future__ import annotations

import logging
import time

import pytest
from django.db import connection
from django.urls import reverse

from labs import awsdeploy
from labs.models import AwsDeployment

from .aws_support import (  # noqa: F401 — fixtures
    PASTED,
    PASTED_KEY,
    PASTED_SECRET,
    PASTED_TOKEN,
    apply,
    aws,
    moto,
    plan,
    progress,
    ready,
    site_aws,
    teardown,
)

SECRETS = (PASTED_SECRET, PASTED_TOKEN)


def dump_every_table() -> str:
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            out.append(f"{table}: {cursor.fetchall()!r}")
    return "\n".join(out)


def run_worker() -> None:
    """What ``manage.py db_worker`` does for each ready task (its loop closes connections, which the
    test's transaction can't have): claim it, run it, record the outcome."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id="test-worker", excluded_queue_names=[])
    while (result := DBTaskResult.objects.ready().get_locked()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_no_pasted_secret_reaches_a_page_a_log_a_row_or_a_task_argument(learner_client, ready, database_tasks, caplog):
    from django_tasks_db.models import DBTaskResult

    # botocore logs signed requests (the session token among the headers) at DEBUG: settings keep it at WARNING
    assert logging.getLogger("botocore").level == logging.WARNING
    caplog.set_level(logging.DEBUG)
    row = plan(learner_client, ready, credential="pasted")
    pages = [learner_client.get(reverse("labs:aws_plan_page", args=[ready.pk, row.pk])).content.decode()]
    response = apply(learner_client, row, credentials=PASTED)
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.sealed and row.job == "apply" and row.status == "planned"  # queued, not run: the request returned
    queued = DBTaskResult.objects.get()
    assert queued.args_kwargs == {"args": [row.pk, "apply"], "kwargs": {}}
    before = dump_every_table()
    pages.append(progress(learner_client, row))
    run_worker()
    row.refresh_from_db()
    assert row.status == "deployed", (row.problem, row.message)
    assert row.sealed == "" and row.record["credential_source"] == {"kind": "pasted", "key": "ASIA…DFGH"}
    pages += [progress(learner_client, row), learner_client.get(reverse("labs:aws_list")).content.decode(),
              learner_client.get(reverse("labs:aws", args=[ready.pk])).content.decode()]
    assert "can&#x27;t be torn down automatically" in pages[-1] or "cannot be torn down automatically" in pages[-3]

    teardown(learner_client, row, credentials=PASTED)
    run_worker()
    row.refresh_from_db()
    assert row.status == "torn_down" and row.sealed == ""
    pages.append(progress(learner_client, row))
    after = dump_every_table()
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["SUCCESSFUL", "SUCCESSFUL"]
    for args in DBTaskResult.objects.values_list("args_kwargs", flat=True):
        assert args["args"][1] in ("apply", "teardown") and isinstance(args["args"][0], int) and not args["kwargs"]
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
    for secret in SECRETS:
        assert secret not in before and secret not in after, "a secret in the database"
        assert secret not in logged, "a secret in a log record"
        assert all(secret not in page for page in pages), "a secret in a page"
    assert PASTED_KEY not in after and PASTED_KEY not in "".join(pages)  # only its masked form is kept


def test_sealed_credentials_older_than_15_minutes_are_refused_with_a_clear_message(learner_client, ready):
    row = plan(learner_client, ready, credential="pasted")
    AwsDeployment.objects.filter(pk=row.pk).update(sealed=awsdeploy.seal(PASTED, at=int(time.time()) - 16 * 60),
                                                   job="apply")
    assert awsdeploy.run(row.pk, "apply") == "refused"
    row.refresh_from_db()
    assert row.sealed == "" and row.status == "planned" and not row.running
    page = progress(learner_client, row)
    assert "at most 15 minutes and that time has passed" in page and "Paste fresh temporary credentials" in page
    assert awsdeploy.unseal(awsdeploy.seal(PASTED)).masked_key_id == "ASIA…DFGH"  # a fresh one opens


def test_sealed_text_is_not_the_pasted_text_and_other_keys_cannot_open_it(settings):
    token = awsdeploy.seal(PASTED)
    assert PASTED_SECRET not in token and PASTED_KEY not in token
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789abcdef"
    with pytest.raises(awsdeploy.AwsProblem):
        awsdeploy.unseal(token)


def test_pasted_deployment_asks_for_credentials_again_to_tear_down(learner_client, ready, site_aws):
    row = plan(learner_client, ready, credential="pasted")
    apply(learner_client, row, credentials=PASTED)
    row.refresh_from_db()
    assert row.status == "deployed"
    page = progress(learner_client, row)
    assert "cannot be torn down automatically" in page and 'name="credentials"' in page
    response = teardown(learner_client, row)
    page = learner_client.get(response["Location"]).content.decode()
    assert "Paste temporary credentials for this run" in page
    row.refresh_from_db()
    assert row.status == "deployed" and row.job == ""
    teardown(learner_client, row, credentials=PASTED)
    row.refresh_from_db()
    assert row.status == "torn_down"


def test_the_reaper_drops_sealed_credentials_no_task_took_in_time(learner_client, ready):
    from datetime import timedelta

    from django.utils import timezone

    fresh = plan(learner_client, ready, credential="pasted")  # applied 16 minutes ago, no worker took it
    AwsDeployment.objects.filter(pk=fresh.pk).update(sealed=awsdeploy.seal(PASTED), job="apply",
                                                     updated_at=timezone.now() - timedelta(minutes=16))
    assert awsdeploy.reap_due(out=lambda line: None) == []
    fresh.refresh_from_db()
    assert fresh.sealed == "" and fresh.job == "apply"
    assert awsdeploy.run(fresh.pk, "apply") == "refused"
    fresh.refresh_from_db()
    assert "paste fresh temporary credentials" in fresh.problem



def test_an_error_report_of_a_crash_with_pasted_keys_in_hand_shows_none_of_them(learner_client, ready, monkeypatch):
    """Django's error report (the debug page, the mail to admins) lists the POST and every frame's locals.
    A crash while pasted keys are being sealed must leave them out of both."""
    import sys

    from cryptography.fernet import Fernet
    from django.core.signals import got_request_exception
    from django.views.debug import ExceptionReporter

    row = plan(learner_client, ready, credential="pasted")
    reports = []

    def crash(*args, **kwargs):
        raise RuntimeError("the sealing broke")

    def report(sender, request, **kwargs):
        reports.append(ExceptionReporter(request, *sys.exc_info()).get_traceback_text())

    monkeypatch.setattr(Fernet, "encrypt", crash)
    got_request_exception.connect(report)
    learner_client.raise_request_exception = False
    try:
        response = learner_client.post(reverse("labs:aws_apply", args=[ready.pk, row.pk]), {"credentials": PASTED})
    finally:
        got_request_exception.disconnect(report)
    assert response.status_code == 500 and reports
    assert "the sealing broke" in reports[0]  # it is the report of this crash
    for secret in SECRETS:
        assert secret not in reports[0]
