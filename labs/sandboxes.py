"""The web side of the sandbox gateway: a learner's sandbox row, the requests the console and the
invoke URL make of it, the calls it logs, and the picture of a load test.

The gateway itself (``labs.apigw.gateway``) knows nothing of Django; views call these functions.
"""

from __future__ import annotations

import json
import logging
import time
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from courseware.throttle import Limit

from .apigw.gateway import LoadTest, Request, Response, Sandbox, SandboxError, split_invoke_path
from .apigw.model import Design
from .models import LabAttempt, LabSandbox, SandboxCall

log = logging.getLogger(__name__)

#: Headers a proxy in front of the site would set or that WSGI owns: not sent back to the caller.
HOP_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"})


class TooManySandboxes(Exception):
    """The learner already has as many live sandboxes as the site allows."""


def locked(attempt: LabAttempt) -> LabSandbox:
    """The attempt's sandbox row, locked for this transaction (requests to one sandbox apply in turn)."""
    row = LabSandbox.objects.select_for_update().filter(attempt=attempt).first()
    if row is None:
        raise LookupError("no sandbox")
    return row


#: The longest real pause the virtual clock catches up with in one step: after a week every bucket is
#: full and every quota period has turned over, so waiting longer changes nothing.
CATCH_UP_MS = 7 * 24 * 3600 * 1000.0


def _aware(value: datetime | str | None) -> datetime | None:
    """A row's ``updated_at`` as an aware datetime: a raw SQLite row holds naive UTC text."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def catch_up(sb: Sandbox, last_write: datetime | str | None) -> None:
    """Requests from a browser or curl arrive in real time. Before one is answered, the sandbox's virtual
    clock moves on by the real time since the sandbox last changed, so token buckets refill and quota
    periods turn over as they would on AWS: a curl loop at 5 requests a second is throttled as one, not
    as 5,000 requests at a single instant. (Load tests, objectives' replays and the CLI set their own
    virtual times from there.)"""
    last_write = _aware(last_write)
    if last_write is None:
        return
    elapsed = (timezone.now() - last_write).total_seconds() * 1000.0
    if elapsed > 0:
        sb.advance(min(elapsed, CATCH_UP_MS))


def live(row: LabSandbox) -> Sandbox:
    """The row's sandbox, its clock caught up with real time, for a request a learner sends now."""
    sb = row.load()
    catch_up(sb, row.updated_at)
    return sb


def deploy(attempt: LabAttempt, design: Design, *, canary_stage: str = ""):
    """Snapshot the design in the attempt's sandbox (made on first use); REST: optionally as a canary."""
    with transaction.atomic():
        row = LabSandbox.objects.select_for_update().filter(attempt=attempt).first()
        if row is None:
            live = LabSandbox.objects.filter(attempt__user=attempt.user, expires_at__gt=timezone.now()).count()
            if live >= settings.SANDBOX_MAX_PER_LEARNER:
                raise TooManySandboxes(
                    f"You have {live} sandbox APIs running, the most the site keeps per learner; they expire "
                    f"after {settings.SANDBOX_TTL_HOURS} hours without use.")
            row = LabSandbox(attempt=attempt, expires_at=timezone.now())
        sb = row.load() if row.pk and not row.expired else Sandbox(seed=attempt.pk)
        if canary_stage:
            deployment = sb.deploy(design, stage=canary_stage, canary=True, description="canary")
        else:
            deployment = sb.deploy(design)
        row.state = sb.to_dict()
        row.extend()
        row.save()
    return deployment


def status(row: LabSandbox | None, sb: Sandbox | None, design: Design, request: HttpRequest) -> dict[str, Any]:
    """What the sandbox page says about the deployments, stages and invoke URLs."""
    if row is None or sb is None:
        return {"deployed": False, "expired": row is not None}
    current = design.to_dict()
    deployments = sorted(sb.deployments.values(), key=lambda d: d.created_ms, reverse=True)
    stages = []
    for stage in sb.stages.values():
        path = reverse("sandbox_invoke_root", args=[row.key]) + ("" if stage.name == "$default" else stage.name + "/")
        serves = sb.deployments.get(stage.deployment_id)
        stages.append({"name": stage.name, "deployment": stage.deployment_id, "url": request.build_absolute_uri(path),
                       "canary": stage.canary, "stale": serves is not None and dict(serves.design) != current})
    canary_stages = [s.name for s in design.stages if s.canary is not None] if design.api_type == "rest" else []
    return {"deployed": bool(sb.stages), "deployments": deployments, "stages": stages, "api_keys": sb.api_keys(),
            "canary_stages": canary_stages, "expires_at": row.expires_at,
            "stale": any(s["stale"] for s in stages)}


def console_request(sb: Sandbox, data: dict[str, Any]) -> Request:
    """The console form's fields as a gateway request (sample token and API key filled in)."""
    headers = dict(data.get("headers") or {})
    if data.get("sample_token"):
        headers["Authorization"] = sb.sample_token()
    if data.get("api_key"):
        headers["x-api-key"] = sb.api_keys().get(data["api_key"], "")
    if data.get("body") and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/json"
    path = "/" + (data.get("path") or "/").lstrip("/")
    return Request(data["method"], path, stage=data["stage"], headers=headers, query=data.get("query") or "",
                   body=data.get("body") or "", source_vpce=(data.get("source_vpce") or "").strip(),
                   identity=data.get("identity") or "")


def http_request(request: HttpRequest, stage: str, path: str, body: str) -> Request:
    """A real HTTP request to an invoke URL as a gateway request."""
    headers = {k: v for k, v in request.headers.items() if k.lower() not in ("cookie", "host")}
    headers["Host"] = request.get_host()
    return Request(request.method or "GET", path, stage=stage, headers=headers,
                   query=request.META.get("QUERY_STRING", ""), body=body,
                   source_vpce=request.headers.get("x-apigw-sandbox-vpce", ""),
                   source_ip=request.META.get("REMOTE_ADDR", "") or "203.0.113.10")


def request_record(r: Request) -> dict[str, Any]:
    return {"method": r.method, "path": r.path, "stage": r.stage, "headers": dict(r.headers), "query": r.query,
            "body": r.body, "source_vpce": r.source_vpce, "identity": r.identity}


def _cut(text: str) -> str:
    return text if len(text) <= SandboxCall.KEEP_BODY else text[: SandboxCall.KEEP_BODY] + "\n… (cut)"


def _prediction(data: dict[str, Any], response: Response, deciding: str) -> dict[str, Any]:
    status, step = data.get("predict_status"), data.get("predict_step") or ""
    if status is None and not step:
        return {}
    correct = (status is None or status == response.status) and (not step or step == deciding)
    return {"predicted_status": status, "actual_status": response.status, "predicted_step": step,
            "actual_step": deciding, "correct": correct}


def log_call(row: LabSandbox, source: str, data: dict[str, Any], response: Response) -> SandboxCall:
    """Keep the request and its trace (the learner's execution log); the oldest go past KEEP_CALLS."""
    return _log(row.pk, source, data, response)


def _log(sandbox_id: int, source: str, data: dict[str, Any], response: Response) -> SandboxCall:
    call = _call(sandbox_id, source, data, response)
    call.save(force_insert=True)
    if call.pk % 10 == 0 or SandboxCall.KEEP_CALLS < 10:  # trim now and then, not on every request
        _trim(sandbox_id)
    return call


def _call(sandbox_id: int, source: str, data: dict[str, Any], response: Response) -> SandboxCall:
    call = SandboxCall(**_call_values(sandbox_id, source, data, response))
    call.prediction = _prediction(data, response, call.deciding_step) if source == SandboxCall.Source.CONSOLE else {}
    return call


def _call_values(sandbox_id: int, source: str, data: dict[str, Any], response: Response) -> dict[str, Any]:
    """A ``SandboxCall``'s fields (by attname): the request (its token hidden, bodies cut) and the answer."""
    request = {k: v for k, v in data.items() if k in ("headers", "query", "body", "identity", "source_vpce")}
    request["headers"] = {k: ("(sample token)" if k.lower() == "authorization" else v)
                          for k, v in dict(request.get("headers") or {}).items()}
    request["body"] = _cut(str(request.get("body") or ""))
    return {"sandbox_id": sandbox_id, "source": source, "stage": str(data.get("stage") or "")[:128],
            "method": str(data.get("method", ""))[:10], "path": str(data.get("path", ""))[:500],
            "status": response.status, "arm": response.arm, "error_type": response.error_type[:60],
            "deployment_id": response.deployment_id[:20], "request": request,
            "response": {"headers": dict(response.headers), "body": _cut(response.body),
                         "latency_ms": response.latency_ms, "seed": response.seed, "request_id": response.request_id},
            "trace": [s.to_dict() for s in response.trace]}


#: PostgreSQL: the invoke URL's writes (a sandbox's state and its execution log) are committed without
#: waiting for the WAL to reach the disk, which was about a quarter of the write's time here. If the
#: database server itself crashes, the last fraction of a second of sandbox calls can be lost; the
#: database stays consistent and nothing else (answers, progress, designs) is written this way.
#: Sent with the statement, in the same query: several statements in one query are one transaction.
UNSYNCED = "SET LOCAL synchronous_commit = off; "


def _unsynced(db) -> str:
    """``UNSYNCED`` on PostgreSQL with client-side parameters (Django's default: a query may then hold
    several statements), else nothing."""
    if db.vendor != "postgresql" or db.settings_dict.get("OPTIONS", {}).get("server_side_binding"):
        return ""
    return UNSYNCED


def _trim(sandbox_id: int, db=connection) -> None:
    """One DELETE: every call older than the sandbox's KEEP_CALLS-th newest."""
    qn, meta = db.ops.quote_name, SandboxCall._meta
    table, pk, column = qn(meta.db_table), qn(meta.pk.column), qn(meta.get_field("sandbox").column)
    with db.cursor() as cursor:
        cursor.execute(f"{_unsynced(db)}DELETE FROM {table} WHERE {column} = %s AND {pk} < "
                       f"(SELECT {pk} FROM {table} WHERE {column} = %s ORDER BY {pk} DESC LIMIT 1 OFFSET %s)",
                       [sandbox_id, sandbox_id, SandboxCall.KEEP_CALLS - 1])


def invoke_url(key: str, request: HttpRequest, path: str, body: str, limit: Limit | None) -> Response | str:
    """One request to a sandbox's invoke URL: the gateway's response, or "missing" (no such sandbox, or
    expired) or "limited" (the learner's real-time limit).

    The invoke URL is the hot path (a class of learners' curl loops, a load test), and every answer
    changes the sandbox's state (token buckets, quotas, the clock, the counter), so requests to one
    sandbox must apply in turn. They do, without holding the database's write lock while the gateway
    runs: the row is read without a lock, the gateway answers from that state, and the new state is
    written only if the row is still the one read (``updated_at``, which every write moves strictly
    forward, compared and set in the same UPDATE). On SQLite, where all writers take turns on one file,
    the write transaction is then two short statements, not the gateway's whole run; on PostgreSQL it is
    one statement in autocommit, with no transaction around it. If another request
    to the same sandbox wrote first, this one is answered again inside the write transaction with the row
    locked (as every request was before), and that sandbox's next requests in this process go that way
    straight away for a moment, so a sandbox under one learner's load does not compute answers twice.

    The SQL is written once per process (``_invoke_sql``), not compiled by the ORM on every request;
    deployments are not resolved again (``Deployment.restore``); every tenth request of a sandbox also
    trims its log."""
    db = connections[DEFAULT_DB_ALIAS]  # once: every use of the ``connection`` proxy looks the connection up
    sql = _invoke_sql(db.vendor)
    if not _contended(key):
        with db.cursor() as cursor:  # autocommit: a reader neither waits for writers nor makes them wait
            outcome = _read_and_answer(cursor, db, sql.select, key, request, path, body, limit)
        if isinstance(outcome, str):
            return outcome
        with _write_transaction(db), db.cursor() as cursor:
            if _store_and_log(cursor, db, sql, *outcome):
                return outcome[-1]
        _contend(key)
        limit = None  # this request is counted already
    with transaction.atomic(), db.cursor() as cursor:
        outcome = _read_and_answer(cursor, db, sql.select_for_update, key, request, path, body, limit)
        if isinstance(outcome, str):
            return outcome
        _store_and_log(cursor, db, sql, *outcome)
        return outcome[-1]


def _write_transaction(db):
    """Around the optimistic write: on PostgreSQL that write is one statement, atomic by itself in
    autocommit, so no BEGIN and COMMIT round trips; on SQLite the UPDATE and the INSERT are two, so a
    transaction (which also takes the site's writer lock, config/db/sqlite3)."""
    return nullcontext() if db.vendor == "postgresql" else transaction.atomic(using=db.alias)


def _read_and_answer(cursor, db, statement: str, key: str, request: HttpRequest, path: str, body: str,
                     limit: Limit | None) -> tuple[tuple, Sandbox, bool, Request, Response] | str:
    """The sandbox row read with ``statement`` and the gateway's answer from its state, or "missing" /
    "limited"."""
    cursor.execute(statement, [key, db.ops.adapt_datetimefield_value(timezone.now())])
    found = cursor.fetchone()
    if found is None:
        return "missing"
    pk, attempt_id, user_id, stored, last_write = found
    if limit is not None and limit.hit(str(user_id)):
        return "limited"
    data = json.loads(stored) if isinstance(stored, (str, bytes)) else stored
    sb, restored = _restore(pk, attempt_id, data)
    catch_up(sb, last_write)
    stage, rest = split_invoke_path("/" + path, sb.stages)
    gateway_request = http_request(request, stage, rest, body)
    return found, sb, restored, gateway_request, sb.invoke(gateway_request)


#: How long (seconds of monotonic time) a sandbox whose state another request changed under this one
#: takes the locked way in this process: one learner's load test or curl loop, not a whole class.
CONTENDED_S = 1.0
_CONTENDED: dict[str, float] = {}


def _contended(key: str) -> bool:
    until = _CONTENDED.get(key)
    if until is None:
        return False
    if until < time.monotonic():
        del _CONTENDED[key]
        return False
    return True


def _contend(key: str) -> None:
    if len(_CONTENDED) > 1000:  # a bounded memory: the oldest marks are stale by now
        _CONTENDED.clear()
    _CONTENDED[key] = time.monotonic() + CONTENDED_S


def _next_write(last_write: datetime | str | None) -> datetime:
    """Now, or a microsecond after the write read if the clock has not moved past it: a row's
    ``updated_at`` only ever goes forward, so an unchanged value means an unchanged row."""
    now, last_write = timezone.now(), _aware(last_write)
    return now if last_write is None else max(now, last_write + timedelta(microseconds=1))


def _store_and_log(cursor, db, sql: _InvokeSql, found: tuple, sb: Sandbox, restored: bool, gateway_request: Request,
                   response: Response) -> bool:
    """The state written back (only its ``state`` part when the stored sandbox was restored, else whole),
    if the row is still as it was read, and then the call logged: one statement on PostgreSQL (a
    data-modifying WITH), so one round trip. False, with nothing written, if the row changed meanwhile."""
    pk, last_write = found[0], found[4]
    now = _next_write(last_write)
    written = sb.state.to_dict(copy_values=False) if restored else sb.to_dict()
    update = [db.ops.adapt_json_value(written, None), db.ops.adapt_datetimefield_value(now), pk, last_write]
    values = _call_values(pk, SandboxCall.Source.URL, request_record(gateway_request), response)
    values.update(at=now, prediction={})
    insert = [_prep_value(field, kind, values[field.attname] if field.attname in values else field.get_default(), db)
              for field, kind in sql.call_fields]
    statement = sql.update_state if restored else sql.update_all
    if db.vendor == "postgresql":
        unsynced = _unsynced(db)
        cursor.execute(f"{unsynced}WITH written AS ({statement} RETURNING 1) {sql.insert_call} SELECT "
                       f"{sql.placeholders} FROM written", update + insert)
        if unsynced:
            cursor.nextset()  # from the SET's result to the write's
        if cursor.rowcount != 1:
            return False
    else:
        cursor.execute(statement, update)
        if cursor.rowcount != 1:
            return False
        cursor.execute(sql.insert_call + f" VALUES ({sql.placeholders})", insert)
    if sb.state.counter % 10 == 0 or SandboxCall.KEEP_CALLS < 10:  # trim now and then
        _trim(pk, db)
    return True


@dataclass(frozen=True)
class _InvokeSql:
    select: str
    select_for_update: str
    update_state: str
    update_all: str
    insert_call: str  # INSERT INTO table (columns), without its VALUES
    placeholders: str
    call_fields: tuple[tuple[Any, str], ...]  # (field, "json" | "datetime" | "plain")


def _prep_value(field, kind: str, value: Any, db) -> Any:
    """What ``field.get_db_prep_save`` gives for the values the invoke URL writes (plain strings and
    numbers, JSON, an aware datetime), without its general path's checks and lookups on every request."""
    if kind == "json":
        return db.ops.adapt_json_value(value, field.encoder)
    if kind == "datetime":
        return db.ops.adapt_datetimefield_value(value)
    return value


@lru_cache(maxsize=4)
def _invoke_sql(vendor: str) -> _InvokeSql:
    """The invoke URL's statements for this database, from the models' own table and column names."""
    qn = connection.ops.quote_name
    sandbox, attempt = LabSandbox._meta, LabAttempt._meta
    col = {f.name: qn(f.column) for f in sandbox.concrete_fields}
    table = qn(sandbox.db_table)
    lock = " FOR UPDATE OF s" if connection.features.has_select_for_update_of else ""
    select = (f"SELECT s.{col['id']}, s.{col['attempt']}, a.{qn(attempt.get_field('user').column)}, s.{col['state']}, "
              f"s.{col['updated_at']} "
              f"FROM {table} s JOIN {qn(attempt.db_table)} a ON a.{qn(attempt.pk.column)} = s.{col['attempt']} "
              f"WHERE s.{col['key']} = %s AND s.{col['expires_at']} > %s")
    set_state = ("jsonb_set({0}, '{{state}}', %s)" if vendor == "postgresql" else "json_set({0}, '$.state', json(%s))")
    where = f"{col['updated_at']} = %s WHERE {col['id']} = %s AND {col['updated_at']} = %s"
    fields = tuple(f for f in SandboxCall._meta.concrete_fields if not f.primary_key)
    kinds = {"JSONField": "json", "DateTimeField": "datetime"}
    insert = f"INSERT INTO {qn(SandboxCall._meta.db_table)} ({', '.join(qn(f.column) for f in fields)})"
    return _InvokeSql(select, select + lock,
                      f"UPDATE {table} SET {col['state']} = {set_state.format(col['state'])}, {where}",
                      f"UPDATE {table} SET {col['state']} = %s, {where}", insert, ", ".join(["%s"] * len(fields)),
                      tuple((f, kinds.get(f.get_internal_type(), "plain")) for f in fields))


def _restore(pk: int, attempt_id: int, data: Any) -> tuple[Sandbox, bool]:
    """``LabSandbox.load`` for a row read by hand (the state was just decoded, so it is taken over), and
    whether it was the stored sandbox (else a fresh one, which must be stored whole)."""
    try:
        if data:
            return Sandbox.from_dict(data, copy_values=False), True
    except (SandboxError, KeyError, TypeError, ValueError):
        log.warning("sandbox %s could not be read; starting it afresh", pk)
    return Sandbox(seed=attempt_id or 0), False


# --- The load test as a picture ------------------------------------------------------------------------

_STATUS_CLASS = (("2xx", "ok", 200, 299), ("4xx", "client", 400, 499), ("5xx", "server", 500, 599))


def load_picture(test: LoadTest, buckets: int = 20) -> dict[str, Any]:
    """Status classes over virtual time as a stacked bar chart (SVG) with the same numbers as a table."""
    responses = test.responses
    start = responses[0].at_ms if responses else 0.0
    end = responses[-1].at_ms if responses else 0.0
    width = max(end - start, 1.0)
    rows = [{"from_ms": start + i * width / buckets, "2xx": 0, "4xx": 0, "429": 0, "5xx": 0, "canary": 0}
            for i in range(buckets)]
    for r in responses:
        index = min(int((r.at_ms - start) / width * buckets), buckets - 1) if end > start else 0
        row = rows[index]
        label = "429" if r.status == 429 else next((k for k, _, lo, hi in _STATUS_CLASS if lo <= r.status <= hi), "5xx")
        row[label] += 1
        row["canary"] += r.arm == "canary"
    rows = [r for r in rows if any(r[k] for k in ("2xx", "4xx", "429", "5xx"))] if end <= start else rows
    tallest = max((r["2xx"] + r["4xx"] + r["429"] + r["5xx"] for r in rows), default=1) or 1
    bar_w, chart_h, left = 28, 180, 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="load-title load-desc" '
             f'viewBox="0 0 {left + bar_w * len(rows) + 20} {chart_h + 50}" class="load-chart">',
             '<title id="load-title">Responses over virtual time</title>',
             f'<desc id="load-desc">{escape(_describe(test))}</desc>']
    for i, row in enumerate(rows):
        y = chart_h + 10
        for key in ("2xx", "4xx", "429", "5xx"):
            h = row[key] / tallest * chart_h
            if h:
                y -= h
                parts.append(f'<rect class="bar bar-{key}" x="{left + i * bar_w + 2}" y="{y:.1f}" width="{bar_w - 4}" '
                             f'height="{h:.1f}"><title>{row[key]} × {key}</title></rect>')
    parts.append(f'<text class="axis" x="{left}" y="{chart_h + 40}">{start / 1000:.1f} s</text>')
    parts.append(f'<text class="axis" x="{left + bar_w * len(rows)}" y="{chart_h + 40}" text-anchor="end">'
                 f'{end / 1000:.1f} s</text>')
    parts.append(f'<text class="axis" x="2" y="16">{tallest}</text></svg>')
    return {"svg": "".join(parts), "rows": rows, "description": _describe(test)}


def _describe(test: LoadTest) -> str:
    s = test.summary()
    by = ", ".join(f"{n} × {status}" for status, n in sorted(s["by_status"].items()))
    rate = f" at {s['rate']:g} per second" if s["rate"] else " all at one instant"
    canary = f"; {s['canary']} went to the canary" if s["canary"] else ""
    first = f"; the first 429 came at request {s['first_throttled'] + 1}" if s["first_throttled"] is not None else ""
    return f"{s['requests']} requests{rate}: {by}{canary}{first}."


def trace_json(call: SandboxCall) -> str:
    return json.dumps(call.trace, indent=2)


def websocket_step(sb: Sandbox, data: dict[str, Any]):
    if data["action"] == "connect":
        return sb.ws_connect(query=data.get("query") or "")
    if data["action"] == "send":
        return sb.ws_send(data["connection"], data.get("body") or "")
    return sb.ws_disconnect(data["connection"])


def log_ws(row: LabSandbox, result, data: dict[str, Any]) -> SandboxCall:
    """A WebSocket move in the execution log: the route it took, what @connections pushed, the trace."""
    deliveries = [{"connection_id": c, "data": d} for c, d in result.deliveries]
    call = SandboxCall.objects.create(
        sandbox=row, source=SandboxCall.Source.CONSOLE, stage="", method="WS",
        path=f"{result.kind} {result.route_key}".strip()[:500], status=result.status,
        error_type=result.error_type[:60], request={"body": _cut(data.get("body") or ""), "query": data.get("query") or "",
                                                   "connection": result.connection_id},
        response={"body": _cut(result.body), "deliveries": deliveries[:50], "latency_ms": result.latency_ms,
                  "seed": result.seed, "connection": result.connection_id, "accepted": result.accepted},
        trace=[s.to_dict() for s in result.trace],
    )
    return call
