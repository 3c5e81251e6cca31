"""A deployment's record: its plans, every call and response, what exists now, and its status.

The record is plain JSON (``to_dict``/``from_dict``), kept by a ``Recorder`` the executor calls before
and after every step: the web side stores it in its database (one row per deployment, the log as rows
or JSON), the CLI in a JSON file per deployment (``JsonFileStore``). Because each step is recorded as
started before its call and done after it, a process that dies mid-run leaves a record that says
exactly where it stopped; ``Deployer.resume`` continues or rolls back from it.

It never holds credentials: the executor only ever has a ``boto3.Session``, and every request,
response and error message passes through ``redact`` before it is recorded.

Statuses: ``applying`` -> ``deployed`` | ``rolling_back`` -> ``rolled_back`` | ``rollback_incomplete``;
``tearing_down`` -> ``torn_down`` | ``teardown_incomplete``. An interrupted record stays in an ``-ing``
status until resumed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

FORMAT = 1
ACTIVE = ("applying", "rolling_back", "tearing_down")
FINISHED_UP = ("deployed", "rollback_incomplete", "teardown_incomplete")
DEFAULT_TTL = timedelta(hours=2)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def parse_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass
class DeploymentRecord:
    deployment_id: str
    region: str
    api_type: str = ""
    api_name: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    status: str = "planned"
    message: str = ""  # the last outcome, in plain words
    created_at: str | None = None
    updated_at: str | None = None
    deployed_at: str | None = None
    expires_at: str | None = None  # when the reaper tears it down
    endpoint_url: str | None = None  # moto or LocalStack (the CLI); None for AWS
    credential_source: dict[str, str] = field(default_factory=dict)  # {"kind": "role", "role_arn": ...} — never a secret
    design: dict[str, Any] | None = None  # the design as last deployed
    ids: dict[str, str] = field(default_factory=dict)  # reference name -> AWS id
    api_ids: list[str] = field(default_factory=list)  # every API id this deployment ever made (for leftovers)
    state: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> what exists now and how to delete it
    functions: list[str] = field(default_factory=list)  # Lambda functions given permissions
    runs: list[dict[str, Any]] = field(default_factory=list)  # each apply/rollback/teardown with its plan
    log: list[dict[str, Any]] = field(default_factory=list)  # every step, started and finished
    verification: list[dict[str, Any]] = field(default_factory=list)
    leftovers: list[dict[str, Any]] = field(default_factory=list)
    seq: int = 0  # creation order of state entries

    # -- runs ------------------------------------------------------------------------------------

    @property
    def next_run(self) -> int:
        return len(self.runs) + 1

    @property
    def current_run(self) -> dict[str, Any] | None:
        return self.runs[-1] if self.runs else None

    def last_apply(self) -> dict[str, Any] | None:
        return next((r for r in reversed(self.runs) if r["kind"] == "apply"), None)

    def run_named(self, n: int) -> dict[str, Any]:
        return self.runs[n - 1]

    def start_run(self, kind: str, plan: Mapping[str, Any] | None = None, of: int | None = None) -> dict[str, Any]:
        run: dict[str, Any] = {"run": self.next_run, "kind": kind, "started_at": iso(utcnow()), "finished_at": None,
                               "outcome": None, "message": ""}
        if plan is not None:
            run["plan"] = dict(plan)
        if of is not None:
            run["of"] = of
        self.runs.append(run)
        return run

    def finish_run(self, run: dict[str, Any], outcome: str, message: str = "") -> None:
        run["finished_at"] = iso(utcnow())
        run["outcome"] = outcome
        run["message"] = message
        self.message = message

    def entries(self, run: int) -> Iterator[dict[str, Any]]:
        return (e for e in self.log if e["run"] == run)

    def steps_done(self, run: int) -> dict[int, dict[str, Any]]:
        """Step index -> its finishing entry, for the steps of ``run`` that finished."""
        return {e["step"]: e for e in self.entries(run) if e["phase"] in ("done", "adopted", "forgotten", "skipped")}

    def steps_started(self, run: int) -> set[int]:
        return {e["step"] for e in self.entries(run) if e["phase"] == "started"}

    def next_order(self) -> int:
        self.seq += 1
        return self.seq

    def touch(self) -> None:
        self.updated_at = iso(utcnow())

    # -- expiry -----------------------------------------------------------------------------------

    def is_due(self, now: datetime | None = None) -> bool:
        """Left up past its time: the reaper should tear it down."""
        now = now or utcnow()
        expires = parse_iso(self.expires_at)
        if expires is None or self.status == "torn_down" or (self.status == "rolled_back" and not self.state):
            return False
        return expires <= now

    # -- JSON ------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, **{k: getattr(self, k) for k in self.__dataclass_fields__}}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"), default=str)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeploymentRecord:
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in fields})


def due_for_reaping(records: list[DeploymentRecord], now: datetime | None = None) -> list[DeploymentRecord]:
    """The records the reaper should tear down (the web side selects and locks these rows itself)."""
    return [r for r in records if r.is_due(now)]


class Recorder(Protocol):
    """Where the executor keeps a record; called before and after every step (``entry`` is the log
    entry just added, or None for a change of status)."""

    def save(self, record: DeploymentRecord, entry: dict[str, Any] | None) -> None: ...


class MemoryRecorder:
    """Keeps the record's JSON after every save (tests, and callers who store it themselves)."""

    def __init__(self) -> None:
        self.saves: list[str] = []
        self.entries: list[dict[str, Any]] = []

    def save(self, record: DeploymentRecord, entry: dict[str, Any] | None) -> None:
        self.saves.append(record.to_json())
        if entry is not None:
            self.entries.append(dict(entry))

    @property
    def last(self) -> DeploymentRecord:
        return DeploymentRecord.from_dict(json.loads(self.saves[-1]))


class JsonFileStore:
    """The CLI's records: one JSON file per deployment in a directory (written whole, atomically)."""

    def __init__(self, directory: str | os.PathLike[str], echo: Any = None) -> None:
        self.directory = Path(directory).expanduser()
        self.echo = echo  # called with each new log entry (the CLI prints the calls as they run)

    def path(self, deployment_id: str) -> Path:
        if not deployment_id or "/" in deployment_id or deployment_id.startswith("."):
            raise ValueError(f"not a deployment id: {deployment_id!r}")
        return self.directory / f"{deployment_id}.json"

    def save(self, record: DeploymentRecord, entry: dict[str, Any] | None) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{record.deployment_id}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(record.to_json())
            os.replace(tmp, self.path(record.deployment_id))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        if entry is not None and self.echo is not None:
            self.echo(entry)

    def load(self, deployment_id: str) -> DeploymentRecord:
        try:
            data = json.loads(self.path(deployment_id).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeyError(deployment_id) from None
        return DeploymentRecord.from_dict(data)

    def all(self) -> list[DeploymentRecord]:
        if not self.directory.is_dir():
            return []
        out = []
        for path in sorted(self.directory.glob("*.json")):
            with contextlib.suppress(ValueError, OSError):
                out.append(DeploymentRecord.from_dict(json.loads(path.read_text(encoding="utf-8"))))
        return out

    @contextlib.contextmanager
    def lock(self, deployment_id: str) -> Iterator[bool]:
        """An exclusive, non-blocking lock on one deployment (yields False if another process has it),
        so reapers on several machines sharing the directory never tear one down twice at once."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / f".{deployment_id}.lock", "w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
