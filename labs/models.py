"""A learner's lab work. The design itself is the plain dict of labs.apigw.model.Design."""

from __future__ import annotations

import logging
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from courseware.events import Obj, Verb, record
from courseware.models import LearningEvent

from .apigw import documents
from .apigw.model import Design, DesignError
from .apigw.scenarios import STEP_IDS

log = logging.getLogger(__name__)


class LabAttempt(models.Model):
    """A learner's design for one lab scenario (or a free design, e.g. from an OpenAPI import).

    Saved on every change, so closing the tab loses nothing and the learner resumes where they were.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_attempts")
    scenario = models.SlugField(blank=True, help_text="The scenario's slug; empty for a free design.")
    title = models.CharField(max_length=200, blank=True)
    design = models.JSONField(default=dict)
    step = models.CharField(max_length=20, default="api")
    objectives_met = models.JSONField(default=list, help_text="Ids of the objectives the design meets.")
    error_count = models.PositiveIntegerField(default=0)
    rule_ids = models.JSONField(default=list, help_text="The rules the design broke when last logged.")
    # Until the learner saves a step, nothing in it is theirs: its choices are not preselected, its
    # findings are not shown as errors and objectives about it are not met ("no free points").
    steps_saved = models.JSONField(default=list, help_text="The builder steps the learner has saved at least once.")
    # Which page (a token per rendered builder page) and which edit on it saved last: an autosave
    # that arrives late (after the learner already submitted the same page) must not overwrite it.
    save_token = models.CharField(max_length=32, blank=True)
    save_seq = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scenario"], condition=~Q(scenario=""), name="one_attempt_per_scenario"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.scenario or self.title}"

    def get_absolute_url(self) -> str:
        return reverse("labs:builder", args=[self.pk, self.step])

    def read_design(self) -> tuple[Design, list[str]]:
        """The saved design, and what the learner should be told about it (usually nothing).

        A design saved before text was checked at the door may hold characters that cannot be
        exported (a lone surrogate from a JSON escape): those are replaced with U+FFFD and the
        learner is told where, so every page still works and nothing else is lost.
        """
        try:
            return Design.from_dict(self.design or {}), []
        except DesignError as first:
            repaired, where = documents.scrub(self.design or {})
            if where:
                try:
                    design = Design.from_dict(repaired)
                except DesignError:
                    pass
                else:
                    places = ", ".join(documents.printable(w, 60) for w in where[:5])
                    return design, [
                        f"Some text in this design could not be saved or exported as UTF-8 ({places}); "
                        "it now shows \ufffd in its place. Check those fields and save."
                    ]
            # A draft saved by an older version of the builder: start the learner from a clean design
            # rather than failing; the old dict stays in the database until the next save.
            log.warning("lab attempt %s has a design the model no longer reads: %s", self.pk, first)
            return Design(), [f"This design could not be read ({documents.printable(str(first))}); "
                              "the builder starts it afresh."]

    # --- The builder's rules for an attempt ---------------------------------------------------------

    def restart(self, api_type: str) -> None:
        """Start the lab afresh: an empty design of the scenario's API type, nothing met."""
        self.design = Design(api_type=api_type).to_dict()
        self.step, self.objectives_met, self.completed_at = "api", [], None
        self.rule_ids, self.error_count, self.steps_saved = [], 0, []
        self.save()

    @property
    def untouched_steps(self) -> frozenset[str]:
        """The builder steps the learner has not saved yet (none for an imported design)."""
        return frozenset(STEP_IDS) - set(self.steps_saved)

    def is_stale(self, token: str, seq: int, *, autosave: bool) -> bool:
        """True when this edit was overtaken: by a newer save from the same page (an autosave behind
        the learner's own submit, or a retried request), or — for an autosave — by a save from a page
        opened later (an autosave of the previous step arriving after the next step has saved). An
        autosave carrying the same edit number as the last save is a repeat; a submit is the learner's
        intent and always applies. Page tokens start with the time the page was made
        (``new_page_token``), so they sort in the order the pages were opened."""
        if not token or not self.save_token:
            return False
        if token != self.save_token:
            return autosave and token < self.save_token
        return seq <= self.save_seq if autosave else seq < self.save_seq

    def save_design(self, design: Design, step: str, edit: tuple[str, int], analysis, actor, *, chosen: bool = True) -> None:
        """Store the design as of this edit and log what the analysis shows (the caller holds the row lock).
        ``chosen``: the edit makes the step's choices, so the step is the learner's from now on."""
        self.design = design.to_dict()
        self.step = step
        self.save_token, self.save_seq = edit
        if chosen and step not in self.steps_saved:
            self.steps_saved = [*self.steps_saved, step]
        self.record_analysis(actor, analysis, step)
        self.save()

    def record_analysis(self, actor, analysis, step: str) -> None:
        """The learning events the dashboard reads: the rules this design breaks (when that set
        changes, not on every keystroke: a class of hundreds autosaving must not flood the log), each
        objective the first time it is met, and the lab completed."""
        lab = Obj.lab(self.scenario)
        if analysis.rule_ids != self.rule_ids or step == "import":
            record(actor, Verb.VALIDATED, lab, {"step": step, "rules": analysis.rule_ids, "errors": analysis.errors,
                                                "misconceptions": analysis.misconceptions,
                                                "lessons": analysis.rule_lessons})
            self.rule_ids = analysis.rule_ids
        for objective_id in sorted(set(analysis.met_ids) - set(self.objectives_met)):
            objective = Obj.objective(self.scenario, objective_id)
            if not LearningEvent.objects.filter(actor=actor, verb=Verb.MET, **objective.lookup()).exists():  # once each
                record(actor, Verb.MET, objective)
        self.objectives_met = analysis.met_ids
        self.error_count = analysis.errors
        if analysis.complete and self.completed_at is None:
            self.completed_at = timezone.now()
            self.just_completed = True  # for the page that answers this save
            record(actor, Verb.COMPLETED, lab, {"objectives": len(analysis.objective_results)})


# --- The sandbox gateway: a design deployed on the site, callable like a real API -----------------------


def new_page_token() -> str:
    """A token for one rendered builder page: 16 hex digits of the time it was made, then 8 random
    ones, so tokens of later pages sort after earlier ones (``LabAttempt.is_stale``)."""
    return f"{time.time_ns():016x}{secrets.token_hex(4)}"


def _sandbox_key() -> str:
    return secrets.token_urlsafe(12)


class LabSandbox(models.Model):
    """One lab attempt's sandbox (``labs.apigw.gateway.Sandbox``, stored as its dict): its deployments,
    stages and state (token buckets, quotas, caches, clock). The invoke URL carries ``key``, which is
    hard to guess, so curl can call it without a session; every page about it is its learner's only."""

    attempt = models.OneToOneField(LabAttempt, on_delete=models.CASCADE, related_name="sandbox")
    key = models.CharField(max_length=24, unique=True, default=_sandbox_key)
    state = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"sandbox {self.key} of {self.attempt_id}"

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()

    def load(self):
        from .apigw.gateway import Sandbox, SandboxError

        try:
            return Sandbox.from_dict(self.state) if self.state else Sandbox(seed=self.attempt_id or 0)
        except (SandboxError, KeyError, TypeError, ValueError):
            log.warning("sandbox %s could not be read; starting it afresh", self.pk)
            return Sandbox(seed=self.attempt_id or 0)

    def store(self, sandbox) -> None:
        self.state = sandbox.to_dict()
        self.save(update_fields=["state", "updated_at", "expires_at"])

    def extend(self) -> None:
        self.expires_at = timezone.now() + timedelta(hours=settings.SANDBOX_TTL_HOURS)


class SandboxCall(models.Model):
    """One request a sandbox answered, with its trace: the learner's execution log."""

    class Source(models.TextChoices):
        CONSOLE = "console", "the try-it console"
        URL = "url", "the invoke URL"

    sandbox = models.ForeignKey(LabSandbox, on_delete=models.CASCADE, related_name="calls")
    at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.CONSOLE)
    stage = models.CharField(max_length=128)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField()
    arm = models.CharField(max_length=10, default="base")
    error_type = models.CharField(max_length=60, blank=True)
    deployment_id = models.CharField(max_length=20, blank=True)
    request = models.JSONField(default=dict)  # headers, query, body (cut to KEEP_BODY)
    response = models.JSONField(default=dict)  # headers, body (cut to KEEP_BODY), latency, seed, request id
    trace = models.JSONField(default=list)
    prediction = models.JSONField(default=dict, blank=True)  # {"status", "step", "correct"} when the learner predicted

    KEEP_BODY = 20_000
    KEEP_CALLS = 50  # per sandbox: the oldest go when more arrive

    class Meta:
        ordering = ["-id"]

    @property
    def deciding_step(self) -> str:
        """The step that decided the answer: the last one that refused, else the integration."""
        for step in reversed(self.trace):
            if step.get("decision", "")[:3].isdigit() and int(step["decision"][:3]) >= 400:
                return step["step"]
        return "integration"


# --- Deployments to the learner's own AWS account (labs/awsdeploy.py, docs/deployer.md) -------------------


def _external_id() -> str:
    from .apigw.deploy import new_external_id

    return new_external_id()


class AwsAccountLink(models.Model):
    """A learner's AWS account as the site knows it: the role they made from the site's template, and
    the external ID only they and the site know (the role trusts the site only when a call carries it)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="aws_link")
    external_id = models.CharField(max_length=64, unique=True, default=_external_id)
    role_arn = models.CharField(max_length=2048, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"AWS link of {self.user_id}"


class AwsDeploymentQuerySet(models.QuerySet):
    def of_user(self, user) -> AwsDeploymentQuerySet:
        return self.filter(attempt__user=user)

    def up(self) -> AwsDeploymentQuerySet:
        """Deployments that may have something in AWS (the reaper's and the per-learner limit's)."""
        return self.filter(status__in=AwsDeployment.UP)

    def due(self, now) -> AwsDeploymentQuerySet:
        return self.up().filter(expires_at__lte=now)

    def unclaimed(self, now) -> AwsDeploymentQuerySet:
        return self.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))


class AwsDeployment(models.Model):
    """One deployment of a learner's design to their AWS account: its ``DeploymentRecord`` (every plan,
    call and response, what exists, the verification) kept in ``record``, saved before and after every
    call so the progress page and a resume read it from here.

    A run *claims* the row (``claimed_by``/``claimed_until``, taken under ``select_for_update``) instead of
    holding a row lock for minutes: the record's saves must commit as they happen for the progress page
    to see them. The claim is renewed on every save; a worker that dies leaves a claim that runs out."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        APPLYING = "applying", "Deploying"
        DEPLOYED = "deployed", "Deployed"
        ROLLING_BACK = "rolling_back", "Rolling back"
        ROLLED_BACK = "rolled_back", "Failed, rolled back"
        ROLLBACK_INCOMPLETE = "rollback_incomplete", "Rollback incomplete"
        TEARING_DOWN = "tearing_down", "Tearing down"
        TORN_DOWN = "torn_down", "Torn down"
        TEARDOWN_INCOMPLETE = "teardown_incomplete", "Teardown incomplete"

    class Credential(models.TextChoices):
        ROLE = "role", "the role in my account"
        PASTED = "pasted", "temporary credentials I paste"
        SERVER = "server", "the server's own credentials"

    #: statuses in which something may exist in AWS
    UP = ("applying", "deployed", "rolling_back", "rollback_incomplete", "tearing_down", "teardown_incomplete")

    # PROTECT: the row is the only record of what is in the learner's account (and the reaper's way to it);
    # deleting the design or the learner first needs the deployments torn down and their rows removed.
    attempt = models.ForeignKey(LabAttempt, on_delete=models.PROTECT, related_name="aws_deployments")
    deployment_id = models.CharField(max_length=20, unique=True)
    region = models.CharField(max_length=32)
    stage = models.CharField(max_length=128, blank=True)
    hours = models.FloatField(default=2.0, help_text="How long it stays up before the reaper tears it down.")
    credential = models.CharField(max_length=10, choices=Credential.choices, default=Credential.ROLE)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.PLANNED)
    message = models.TextField(blank=True, help_text="The last outcome, in plain words.")
    problem = models.TextField(blank=True, help_text="Why the last run asked for did not start, in plain words.")
    record = models.JSONField(default=dict, help_text="The DeploymentRecord (labs.apigw.deploy.record).")
    plan = models.JSONField(null=True, blank=True, help_text="The plan the learner was shown, until applied.")
    job = models.CharField(max_length=12, blank=True, help_text="What the queued task is to do.")
    # Pasted credentials, sealed with Fernet (a key derived from SECRET_KEY) between the click and the
    # task, which reads and clears this column in one transaction. Never a task argument.
    sealed = models.TextField(blank=True)
    claimed_by = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AwsDeploymentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "expires_at"], name="aws_deployment_due")]

    def __str__(self) -> str:
        return f"{self.deployment_id} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("labs:aws_progress", args=[self.attempt_id, self.pk])

    @property
    def is_up(self) -> bool:
        return self.status in self.UP

    @property
    def claimed(self) -> bool:
        return bool(self.claimed_by) and self.claimed_until is not None and self.claimed_until > timezone.now()

    @property
    def running(self) -> bool:
        """A task has it, or will soon (``job`` is queued)."""
        return bool(self.job) or self.claimed

    @property
    def interrupted(self) -> bool:
        """Stopped in the middle of a run, and nobody is running it now: it can be resumed."""
        return self.status in ("applying", "rolling_back", "tearing_down") and not self.claimed

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
