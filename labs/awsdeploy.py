"""The web side of deploying a learner's design to their own AWS account (docs/deployer.md, "The web side").

The domain (``labs.apigw.deploy``) plans, applies, verifies and tears down; this module keeps its
record in an ``AwsDeployment`` row, runs it from a django-tasks task (``labs.tasks``), finds the
credentials for a run, and turns the record into what the pages show.

Credentials, in order of preference:

* **role**: the learner's role (made from ``role_template``), assumed by the task itself with the
  learner's external ID for every run (and by the reaper);
* **pasted** temporary credentials, for one run: the view seals them with Fernet (a key derived from
  ``SECRET_KEY``) into ``AwsDeployment.sealed``; the task reads and clears the column in one
  transaction, opens it with a 15-minute TTL, holds the ``Credentials`` in memory for the run and drops
  them. They are never a task argument: django_tasks_db keeps a task's arguments in its table for good;
* **server**: this server's own credential chain, only when ``AWS_DEPLOY_SERVER_CREDENTIALS`` is on.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from courseware.events import Obj, Verb, record as record_event

from . import catalog
from .apigw.deploy import (
    Credentials,
    CredentialsError,
    Deployer,
    DeploymentRecord,
    Plan,
    PlanError,
    Target,
    assume_role,
    invoke_urls,
    make_plan,
    preflight,
    quick_create_url,
    reap_one,
    role_template,
)
from .apigw.deploy.calls import show
from .apigw.deploy.messages import explain
from .apigw.model import Design
from .apigw.objectives import load_objectives, evaluate
from .models import AwsAccountLink, AwsDeployment, LabAttempt

log = logging.getLogger(__name__)

SEAL_TTL_SECONDS = 15 * 60
CLAIM = timedelta(minutes=10)  # renewed on every save; a dead worker's claim runs out
ROLE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_HKDF_SALT = b"gateway-academy/aws-deploy"
_HKDF_INFO = b"sealed pasted AWS credentials v1"


class AwsProblem(Exception):
    """Something the learner must be told in plain words (never holding a secret)."""


class ClaimLost(Exception):
    """Another run (the reaper, after this one's claim ran out) took the deployment."""


# --------------------------------------------------------------------------------------------------
# Sealing pasted credentials
# --------------------------------------------------------------------------------------------------


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(
        settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key))


@sensitive_variables()  # the debug page and error reports show none of its locals
def seal(text: str, *, at: int | None = None) -> str:
    """Pasted credentials, checked (``Credentials.from_text``) and sealed; ``at``: a Unix time (tests)."""
    Credentials.from_text(text)  # refuse what is not credentials before keeping anything
    data = text.strip().encode()
    token = _fernet().encrypt_at_time(data, at) if at is not None else _fernet().encrypt(data)
    return token.decode()


@sensitive_variables()  # the debug page and error reports show none of its locals
def unseal(token: str) -> Credentials:
    try:
        text = _fernet().decrypt(token.encode(), ttl=SEAL_TTL_SECONDS).decode()
    except InvalidToken:
        raise AwsProblem("The pasted credentials were kept for at most 15 minutes and that time has passed (or the "
                         "site's secret key changed), so they were forgotten. Paste fresh temporary credentials "
                         "and try again.") from None
    return Credentials.from_text(text)


# --------------------------------------------------------------------------------------------------
# The learner's account link and the credential options
# --------------------------------------------------------------------------------------------------


def link_for(user) -> AwsAccountLink:
    link, _ = AwsAccountLink.objects.get_or_create(user=user)
    return link


def set_role(user, role_arn: str) -> AwsAccountLink:
    role_arn = role_arn.strip()
    if role_arn and not ROLE_ARN.match(role_arn):
        raise AwsProblem("That is not an IAM role ARN: it looks like arn:aws:iam::123456789012:role/GatewayAcademyDeployer "
                         "(the stack's RoleArn output).")
    link = link_for(user)
    link.role_arn = role_arn
    link.save(update_fields=["role_arn", "updated_at"])
    return link


def template_for(link: AwsAccountLink) -> dict[str, Any] | None:
    if not settings.AWS_SITE_PRINCIPAL:
        return None
    return role_template(settings.AWS_SITE_PRINCIPAL, link.external_id, site=settings.AWS_SITE_TAG)


def options(user, region: str = "us-east-1") -> dict[str, Any]:
    """What the credentials section offers this learner."""
    link = link_for(user)
    template = template_for(link)
    quick = (quick_create_url(settings.AWS_ROLE_TEMPLATE_URL, region=region,
                              parameters={"ExternalId": link.external_id, "SiteTag": settings.AWS_SITE_TAG})
             if template is not None and settings.AWS_ROLE_TEMPLATE_URL else "")
    return {"link": link, "template": json.dumps(template, indent=2) if template else "", "quick_create": quick,
            "role_ready": template is not None and bool(link.role_arn), "server": settings.AWS_DEPLOY_SERVER_CREDENTIALS,
            "principal_set": bool(settings.AWS_SITE_PRINCIPAL)}


def credential_choices(user) -> list[tuple[str, str]]:
    """The ways this learner can give credentials, the one to pick by default first: the role once it is
    connected, else pasted credentials (the role is offered only when the site has a principal to trust)."""
    role = (AwsDeployment.Credential.ROLE.value, "The Gateway Academy role in my account (recommended)")
    pasted = (AwsDeployment.Credential.PASTED.value, "Temporary credentials I paste for this deployment")
    choices = []
    if settings.AWS_SITE_PRINCIPAL:
        choices = [role, pasted] if link_for(user).role_arn else [pasted, role]
    else:
        choices = [pasted]
    if settings.AWS_DEPLOY_SERVER_CREDENTIALS:
        choices.append((AwsDeployment.Credential.SERVER.value, "This server's own AWS credentials (single-user install)"))
    return choices


# --------------------------------------------------------------------------------------------------
# Planning
# --------------------------------------------------------------------------------------------------


def deployments_of(attempt: LabAttempt):
    return attempt.aws_deployments.exclude(status=AwsDeployment.Status.PLANNED, record={})


def current_for(attempt: LabAttempt, region: str) -> AwsDeployment | None:
    """The learner's deployment of this design in ``region`` that is up: a new plan changes it."""
    return attempt.aws_deployments.up().filter(region=region).order_by("-created_at").first()


def make_row_plan(attempt: LabAttempt, design: Design, *, region: str, stage: str, hours: float,
                  credential: str) -> AwsDeployment:
    """The plan for ``design`` as a diff against what this learner has deployed of it in ``region``,
    kept on the deployment's row until the learner applies it."""
    row = current_for(attempt, region)
    previous = DeploymentRecord.from_dict(row.record) if row is not None and row.record else None
    if row is None:
        up = AwsDeployment.objects.of_user(attempt.user).up().count()
        if up >= settings.AWS_DEPLOY_MAX_PER_LEARNER:
            raise AwsProblem(f"You have {up} deployments up in AWS, the most the site allows at once: tear one down "
                             "first (your AWS deployments are listed on this page).")
    elif row.running:
        raise AwsProblem("This deployment is running now: wait until it finishes, then plan the change.")
    try:
        plan = make_plan(design, region=region, stage=stage or None, record=previous, hours=hours,
                         site=settings.AWS_SITE_TAG, learner=f"user-{attempt.user_id}", lab=attempt.scenario or "free-design")
    except PlanError as exc:
        raise AwsProblem(str(exc)) from None
    if row is None:
        # old plans never applied (not one queued or running: its task would find no row)
        attempt.aws_deployments.filter(status=AwsDeployment.Status.PLANNED, record={}, job="", claimed_by="").delete()
        row = AwsDeployment(attempt=attempt, deployment_id=plan.deployment_id, region=region)
    row.stage, row.hours, row.credential, row.plan = stage, hours, credential, plan.to_dict()
    row.save()
    return row


def plan_view(row: AwsDeployment) -> dict[str, Any]:
    """The plan as the plan page shows it."""
    plan = Plan.from_dict(row.plan)
    ids = row.record.get("ids") if row.record else None
    steps = [{"n": s.index + 1, "call": s.call.render(ids) if s.call is not None else "", "summary": s.summary,
              "note": s.note, "action": s.action} for s in plan.steps]
    return {"plan": plan, "steps": steps, "calls": len(plan.calls), "text": plan.render(ids),
            "costs": plan.costs, "first": plan.first}


# --------------------------------------------------------------------------------------------------
# Queueing a run (the views enqueue the task) — task arguments are ids only
# --------------------------------------------------------------------------------------------------


@sensitive_variables()  # the debug page and error reports show none of its locals
def _queue(row_pk: int, job: str, *, pasted: str = "", need_plan: bool = False) -> AwsDeployment:
    with transaction.atomic():
        row = AwsDeployment.objects.select_for_update().get(pk=row_pk)
        if row.running:
            raise AwsProblem("This deployment is running now: its page shows the progress.")
        if need_plan and not row.plan:
            raise AwsProblem("This plan was applied already: this page shows how it went. To change the deployment, "
                             "make a new plan." if row.record else "There is no plan to apply: make the plan again.")
        if job == "teardown" and not row.is_up:
            raise AwsProblem("Nothing of this deployment is up in AWS: there is nothing to tear down.")
        if row.credential == AwsDeployment.Credential.PASTED:
            if not pasted.strip():
                raise AwsProblem("Paste temporary credentials for this run: the site keeps them for at most "
                                 "15 minutes and only until the run starts.")
            try:
                row.sealed = seal(pasted)
            except CredentialsError as exc:
                raise AwsProblem(f"Those are not AWS credentials the site can use: {exc}.") from None
        elif row.credential == AwsDeployment.Credential.SERVER and not settings.AWS_DEPLOY_SERVER_CREDENTIALS:
            raise AwsProblem("Deploying with the server's own credentials is turned off on this site.")
        row.job, row.problem = job, ""
        row.save(update_fields=["job", "problem", "sealed", "updated_at"])
    return row  # the caller enqueues labs.tasks.run_deployment(row.pk, row.job): ids only


def queue_apply(row: AwsDeployment, pasted: str = "") -> AwsDeployment:
    return _queue(row.pk, "apply", pasted=pasted, need_plan=True)


def queue_teardown(row: AwsDeployment, pasted: str = "") -> AwsDeployment:
    return _queue(row.pk, "teardown", pasted=pasted)


def queue_resume(row: AwsDeployment, *, rollback: bool, pasted: str = "") -> AwsDeployment:
    if not row.interrupted:
        raise AwsProblem("Only a run that stopped half-way can be resumed.")
    return _queue(row.pk, "rollback" if rollback else "resume", pasted=pasted)


# --------------------------------------------------------------------------------------------------
# Running (the task, the reaper)
# --------------------------------------------------------------------------------------------------


class RowRecorder:
    """``Recorder`` storing the record in its ``AwsDeployment`` row, committed at every save (before
    and after every call), and renewing the run's claim; a claim taken by someone else stops the run."""

    def __init__(self, pk: int, token: str) -> None:
        self.pk = pk
        self.token = token

    def save(self, record: DeploymentRecord, entry: dict[str, Any] | None) -> None:
        now = timezone.now()
        expires = datetime.fromisoformat(record.expires_at) if record.expires_at else None
        updated = AwsDeployment.objects.filter(pk=self.pk, claimed_by=self.token).update(
            record=json.loads(record.to_json()), status=record.status, message=record.message, expires_at=expires,
            claimed_until=now + CLAIM, updated_at=now)
        if not updated:
            raise ClaimLost(record.deployment_id)


def claim(pk: int, job: str | None) -> tuple[AwsDeployment, str, str] | None:
    """Take the deployment for one run: (row, claim token, sealed credentials — read and cleared in the
    same transaction). None when another run has it, or the job is no longer the one queued."""
    now = timezone.now()
    with transaction.atomic():
        row = AwsDeployment.objects.select_for_update().select_related("attempt__user").filter(pk=pk).first()
        if row is None or row.claimed or (job is not None and row.job != job):
            return None
        sealed = row.sealed
        token = secrets.token_hex(16)
        row.sealed, row.job, row.claimed_by, row.claimed_until = "", "", token, now + CLAIM
        row.save(update_fields=["sealed", "job", "claimed_by", "claimed_until", "updated_at"])
    return row, token, sealed


def release(pk: int, token: str) -> None:
    AwsDeployment.objects.filter(pk=pk, claimed_by=token).update(claimed_by="", claimed_until=None)


def _say(pk: int, token: str, problem: str) -> None:
    AwsDeployment.objects.filter(pk=pk, claimed_by=token).update(problem=problem, updated_at=timezone.now())


def session_for(row: AwsDeployment, sealed: str) -> tuple[boto3.Session, dict[str, str]]:
    """A session for one run, and what the record may say about where it came from (no secret)."""
    endpoint = settings.AWS_DEPLOY_ENDPOINT_URL or None
    if row.credential == AwsDeployment.Credential.PASTED:
        if not sealed:
            raise AwsProblem("This deployment was made with pasted credentials, which the site does not keep: "
                             "paste fresh temporary credentials to run it.")
        creds = unseal(sealed)
        return creds.session(row.region), {"kind": "pasted", "key": creds.masked_key_id}
    if row.credential == AwsDeployment.Credential.SERVER:
        if not settings.AWS_DEPLOY_SERVER_CREDENTIALS:
            raise AwsProblem("Deploying with the server's own credentials is turned off on this site.")
        return boto3.Session(region_name=row.region), {"kind": "server"}
    link = link_for(row.attempt.user)
    role_arn = (row.record or {}).get("credential_source", {}).get("role_arn") or link.role_arn
    if not role_arn:
        raise AwsProblem("No role is connected: make the role from the template and paste its ARN on the deploy page.")
    try:
        session = assume_role(role_arn, link.external_id, session_name=f"gateway-academy-{row.deployment_id}",
                              region=row.region, base_session=boto3.Session(region_name=row.region),
                              endpoint_url=endpoint)
    except CredentialsError as exc:
        raise AwsProblem(f"The role can't be assumed: {exc}.") from None
    except (ClientError, BotoCoreError) as exc:
        raise AwsProblem("The site could not assume your role: " + explain(exc, "sts.assume_role")
                         + " Check that the stack from the template exists and its RoleArn is the one you pasted.") from None
    return session, {"kind": "role", "role_arn": role_arn}


def _deployer(row: AwsDeployment, session: boto3.Session, token: str) -> Deployer:
    target = Target(session, row.region, settings.AWS_DEPLOY_ENDPOINT_URL or None)
    return Deployer(target, RowRecorder(row.pk, token), ttl=timedelta(hours=row.hours))


def _lab(row: AwsDeployment) -> str:
    return row.attempt.scenario or ""


def _apply(row: AwsDeployment, deployer: Deployer, source: dict[str, str]) -> DeploymentRecord:
    plan = Plan.from_dict(row.plan)
    previous = DeploymentRecord.from_dict(row.record) if row.record else None
    if previous is not None and plan.run != previous.next_run:
        raise AwsProblem("The plan is out of date (the deployment changed since it was made): make the plan again.")
    preflight(plan, deployer.target)
    if previous is not None:  # what reaps it (or can't) is what this run used
        previous.credential_source = source
    record = deployer.apply(plan, previous, credential_source=source)
    AwsDeployment.objects.filter(pk=row.pk).update(plan=None)
    if record.status == "deployed":
        try:
            checks = deployer.verify(record)
        except (ClientError, BotoCoreError) as exc:
            checks = []
            record.message += " It could not be read back to verify it: " + explain(exc, "verify")
            deployer.recorder.save(record, None)
        run = record.last_apply() or {}
        if run.get("outcome") == "deployed":
            record_event(row.attempt.user, Verb.DEPLOYED, Obj.deployment(_lab(row), record.deployment_id), {
                "target": "aws", "region": record.region, "api_type": record.api_type, "stage": row.stage,
                "calls": sum(1 for s in (run.get("plan") or {}).get("steps", []) if s.get("call")),
                "checks": len(checks), "checks_passed": sum(1 for c in checks if c["passed"]),
                "credentials": source["kind"]})
    return record


def _teardown(row: AwsDeployment, deployer: Deployer, by: str = "learner") -> DeploymentRecord:
    record = deployer.teardown(DeploymentRecord.from_dict(row.record))
    record_event(row.attempt.user, Verb.TORN_DOWN, Obj.deployment(_lab(row), record.deployment_id),
                 {"target": "aws", "by": by, "status": record.status, "left": len(record.leftovers)})
    return record


def _resume(row: AwsDeployment, deployer: Deployer, rollback: bool) -> DeploymentRecord:
    record = deployer.resume(DeploymentRecord.from_dict(row.record), rollback=rollback)
    if record.status == "tearing_down" or record.current_run and record.current_run["kind"] == "teardown":
        record_event(row.attempt.user, Verb.TORN_DOWN, Obj.deployment(_lab(row), record.deployment_id),
                     {"target": "aws", "by": "resume", "status": record.status, "left": len(record.leftovers)})
    return record


def run(pk: int, job: str) -> str:
    """The task's body: claim the row, find credentials, run the job, let go. Returns the new status."""
    claimed = claim(pk, job)
    if claimed is None:
        return "skipped"
    row, token, sealed = claimed
    try:
        session, source = session_for(row, sealed)
        del sealed  # the sealed token goes; the session lives for this run only
        deployer = _deployer(row, session, token)
        if job == "apply":
            record = _apply(row, deployer, source)
        elif job == "teardown":
            record = _teardown(row, deployer)
        else:
            record = _resume(row, deployer, rollback=job == "rollback")
        return record.status
    except AwsProblem as problem:
        _say(pk, token, str(problem))
        return "refused"
    except ClaimLost:
        log.warning("deployment %s: another run took it; this one stopped", pk)
        return "claim-lost"
    except Exception as exc:  # noqa: BLE001 — the record says where it stopped; the learner can resume
        log.error("deployment %s: the %s run stopped: %s", pk, job, type(exc).__name__)
        _say(pk, token, "The run stopped unexpectedly, and the record says exactly where: resume it, or roll it back.")
        return "crashed"
    finally:
        release(pk, token)


# --------------------------------------------------------------------------------------------------
# The reaper: due rows, one at a time, each claimed under SELECT ... FOR UPDATE SKIP LOCKED
# --------------------------------------------------------------------------------------------------


def claim_next_due(now: datetime, skip: set[int] = frozenset()) -> tuple[AwsDeployment, str] | None:
    """The next due deployment no other reaper or run has, claimed; None when there is none. Rows
    another transaction has locked are skipped, not waited for (several reapers at once)."""
    with transaction.atomic():
        row = (AwsDeployment.objects.select_for_update(skip_locked=True).due(now).unclaimed(now)
               .exclude(credential=AwsDeployment.Credential.PASTED).exclude(pk__in=skip)
               .order_by("expires_at", "pk").first())
        if row is None:
            return None
        token = secrets.token_hex(16)
        row.job, row.sealed, row.claimed_by, row.claimed_until = "", "", token, now + CLAIM
        row.save(update_fields=["job", "sealed", "claimed_by", "claimed_until", "updated_at"])
    return row, token


def forget_stale_seals(now: datetime) -> int:
    """Sealed credentials no task took within their 15 minutes (a worker down): useless, so dropped
    (the task, should it still come, tells the learner to paste them again)."""
    return (AwsDeployment.objects.exclude(sealed="").filter(updated_at__lt=now - timedelta(seconds=SEAL_TTL_SECONDS))
            .update(sealed=""))


def reap_due(now: datetime | None = None, out: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Tear down every site deployment past its time; returns one result per deployment."""
    now = now or timezone.now()
    forget_stale_seals(now)
    results: list[dict[str, Any]] = []
    seen: set[int] = set()
    while (claimed := claim_next_due(now, seen)) is not None:
        row, token = claimed
        seen.add(row.pk)
        results.append(_reap_row(row, token))
    for row in AwsDeployment.objects.due(now).filter(credential=AwsDeployment.Credential.PASTED):
        results.append({"deployment": row.deployment_id, "status": row.status, "reaped": False,
                        "why": "made with pasted temporary credentials, which were not kept: the learner must tear "
                               "it down (its page asks them to)"})
    for r in results:
        out(f"{r['deployment']}: {'torn down' if r['reaped'] else 'not torn down'} — {r['why']}")
    return results


def _reap_row(row: AwsDeployment, token: str) -> dict[str, Any]:
    try:
        record = DeploymentRecord.from_dict(row.record)
        if not record.is_due(timezone.now()):
            return {"deployment": row.deployment_id, "status": row.status, "reaped": False, "why": "not due"}
        try:
            session, _ = session_for(row, "")
        except AwsProblem as problem:
            _say(row.pk, token, f"The reaper could not tear it down: {problem}")
            return {"deployment": row.deployment_id, "status": row.status, "reaped": False, "why": str(problem)}
        deployer = _deployer(row, session, token)
        result = reap_one(record, target_for=lambda _r: deployer.target, recorder=deployer.recorder)
        record_event(row.attempt.user, Verb.TORN_DOWN, Obj.deployment(_lab(row), row.deployment_id),
                     {"target": "aws", "by": "reaper", "status": result["status"]})
        return result
    except ClaimLost:
        return {"deployment": row.deployment_id, "status": row.status, "reaped": False, "why": "another run took it"}
    finally:
        release(row.pk, token)


# --------------------------------------------------------------------------------------------------
# What the pages show
# --------------------------------------------------------------------------------------------------

_ID_FIELDS = ("id", "ApiId", "IntegrationId", "RouteId", "AuthorizerId", "DeploymentId", "Account", "rootResourceId",
              "stageName", "StageName")


def _result(entry: dict[str, Any]) -> str:
    phase = entry.get("phase")
    if phase == "failed":
        return (entry.get("error") or {}).get("plain", "failed")
    response = entry.get("response") or {}
    ids = ", ".join(f"{k}={response[k]}" for k in _ID_FIELDS if k in response)
    tail = ids or entry.get("note") or "ok"
    if "seconds" in entry:
        tail += f" ({entry['seconds']} s" + (f", {entry['attempts']} attempts" if entry.get("attempts", 1) > 1 else "") + ")"
    return tail


@dataclass
class Line:
    run: int
    kind: str  # the run's kind: apply | rollback | teardown
    call: str
    summary: str
    phase: str  # started (running now) | done | failed | adopted | note
    result: str = ""


def _lines(record: dict[str, Any], runs: list[int]) -> list[Line]:
    kinds = {r["run"]: r["kind"] for r in record.get("runs") or ()}
    lines: list[Line] = []
    open_: dict[tuple, Line] = {}
    for e in record.get("log") or ():
        if e["run"] not in runs:
            continue
        key = (e["run"], e["step"], e.get("part"), e.get("call"), e.get("key"))
        if e["phase"] == "started":
            open_[key] = line = Line(e["run"], kinds.get(e["run"], ""), e.get("call", ""), e.get("summary", ""), "started")
            lines.append(line)
        elif key in open_ and e["phase"] in ("done", "failed"):
            line = open_.pop(key)
            line.phase, line.result = e["phase"], _result(e)
        elif e.get("call") and e["phase"] in ("done", "failed", "adopted"):
            lines.append(Line(e["run"], kinds.get(e["run"], ""), e["call"], e.get("summary", ""), e["phase"], _result(e)))
        elif e.get("note") or e["phase"] == "forgotten":
            lines.append(Line(e["run"], kinds.get(e["run"], ""), "", e.get("summary", ""), "note",
                              e.get("note") or "goes with its parent: no call"))
    return lines


def progress(row: AwsDeployment) -> dict[str, Any]:
    """The latest run (with the rollback of it, if any) as lines, and how far it got."""
    record = row.record or {}
    runs = record.get("runs") or []
    if not runs:
        total = len((row.plan or {}).get("steps", []))
        return {"lines": [], "done": 0, "total": total, "percent": 0, "kind": "apply", "finished": not row.running}
    current = runs[-1]
    main = runs[current["of"] - 1] if current["kind"] == "rollback" and current.get("of") else current
    group = [main["run"]] + ([current["run"]] if current is not main else [])
    steps = (main.get("plan") or {}).get("steps", [])
    done = len({e["step"] for e in record.get("log") or () if e["run"] == main["run"]
                and e["phase"] in ("done", "adopted", "forgotten", "skipped")})
    finished = not row.running  # done, or stopped half-way (``row.interrupted``): nothing will change on its own
    total = len(steps)
    percent = round(100 * done / total) if total else 100
    if finished and not row.interrupted and main.get("outcome") != "failed":
        percent = 100
    return {"lines": _lines(record, group), "done": done, "total": total, "percent": min(percent, 100),
            "notes": list((main.get("plan") or {}).get("notes") or ()),
            "kind": main["kind"], "rolled_back": current["kind"] == "rollback", "finished": finished,
            "outcome": current.get("outcome")}


def console_links(record: dict[str, Any]) -> list[tuple[str, str]]:
    api, region = (record.get("ids") or {}).get("api"), record.get("region", "")
    if not api or record.get("status") in ("torn_down", "rolled_back"):
        return []
    base = f"https://console.aws.amazon.com/apigateway/main/apis/{api}"
    if record.get("api_type") == "rest":
        return [("Resources and methods", f"{base}/resources?api={api}&region={region}"),
                ("Stages", f"{base}/stages?api={api}&region={region}")]
    return [("Routes", f"{base}/routes?api={api}&region={region}"),
            ("Stages", f"{base}/stages?api={api}&region={region}")]


def urls(record: dict[str, Any]) -> dict[str, str]:
    if not record or record.get("status") in ("torn_down", "rolled_back"):
        return {}
    return invoke_urls(DeploymentRecord.from_dict(record))


def checks(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**c, "expected_text": show(c["expected"]), "actual_text": show(c["actual"])}
            for c in record.get("verification") or ()]


# --- Lab objectives against what AWS reports -------------------------------------------------------------

_NOT_CHECKABLE = {
    "no_errors": "about the rules your design follows, not something AWS reports",
    "no_findings": "about the rules your design follows, not something AWS reports",
    "resource_policy": "the read-back does not read the API's resource policy",
}


def _patterns(check: str, p: dict[str, Any], api_type: str) -> list[str]:
    esc = re.escape
    if check == "api_type":
        return [r"api\.exists$", r"api\.protocol$"]
    if check == "endpoint_type":
        return [r"api\.endpoint$"]
    if check == "route":
        if p.get("key"):
            route = esc(p["key"])
        else:
            route = (esc(p["method"]) if p.get("method") else r"[A-Z]+") + " " + esc(p.get("path", ""))
        return [rf"(method|route|integration)\.{route}(\..+)?$"]
    if check == "stage":
        return [rf"stage\.{esc(p['name'])}(\..+)?$"]
    if check == "authorizer":
        return [rf"authorizer\.{esc(p['name'])}$" if p.get("name") else r"authorizer\..+$"]
    if check == "cors":
        return [r"method\.OPTIONS .+$", r"api\.cors$"]
    if check == "usage_plan":
        return [r"usage_plan\..+$"]
    if check == "route_selection_expression":
        return [r"api\.route_selection$"]
    if check == "integration_kinds":
        return [r"integration\..+\.type$"]
    return []


def objectives(row: AwsDeployment) -> list[dict[str, Any]]:
    """Each lab objective: met by the design as deployed, and confirmed (or not) by what AWS reported;
    the ones the read-back can't speak to are named, with why."""
    record = row.record or {}
    scenario = catalog.get(row.attempt.scenario) if row.attempt.scenario else None
    if scenario is None or not record.get("design") or not record.get("verification"):
        return []
    loaded = load_objectives(list(scenario.objectives))
    results = evaluate(record["design"], loaded)
    out = []
    for objective, result in zip(loaded, results, strict=True):
        item = {"text": objective.text, "met": result.met, "status": "", "why": "", "checks": []}
        if objective.check in _NOT_CHECKABLE:
            item["status"], item["why"] = "not checkable", _NOT_CHECKABLE[objective.check]
        else:
            pats = [re.compile(p) for p in _patterns(objective.check, dict(objective.params), record.get("api_type", ""))]
            related = [c for c in record["verification"] if any(p.match(c["id"]) for p in pats)]
            item["checks"] = [c["what"] for c in related]
            if not related:
                item["status"], item["why"] = "not checkable", "AWS reported nothing this objective is about"
            elif all(c["passed"] for c in related):
                item["status"] = "confirmed" if result.met else "as designed, not met"
            else:
                item["status"] = "differs"
                item["why"] = "; ".join(f"{c['what']}: AWS says {show(c['actual'])}" for c in related if not c["passed"])
        out.append(item)
    return out


def design_deploy_notes(row: AwsDeployment) -> list[str]:
    notes = []
    if row.credential == AwsDeployment.Credential.PASTED and row.is_up:
        notes.append("This deployment was made with pasted temporary credentials, which the site did not keep: it "
                     "cannot be torn down automatically. Tear it down yourself when you are done (you will be asked "
                     "for credentials again).")
    if (row.record or {}).get("endpoint_url") or settings.AWS_DEPLOY_ENDPOINT_URL:
        notes.append("This site deploys to a test endpoint (moto or LocalStack), not to AWS itself.")
    return notes
