"""The deployer against moto running as a server on 127.0.0.1 (moto_server.py): deploy, verify, tear down
to zero; a fault at every step leaves nothing; lost responses, throttling, crashes and resumes;
credentials never persisted; the assume-role call carries the external ID; the CLI and the reaper.

What moto 5.2.5 cannot report is named in MOTO_GAPS and checked in test_deploy_plan.py instead.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from labs.apigw import cli
from labs.apigw.deploy import (
    Credentials,
    Deployer,
    DeploymentRecord,
    JsonFileStore,
    MemoryRecorder,
    Target,
    assume_role,
    list_leftovers,
    make_plan,
    reap_store,
    role_template,
)
from labs.apigw.deploy.record import utcnow

from .factories import factory
from .moto_server import REGION, Moto, aws, moto  # noqa: F401 — fixtures

#: Checks moto can't pass, and why (each is covered by test_deploy_plan.py's compare tests or the plan tests).
MOTO_GAPS = {
    "stage.production.deployment": "apigatewayv2 stages drop DeploymentId (and moto has no v2 deployments at all: "
                                   "the proxy answers CreateDeployment)",
    "stage.prod.canary": "REST stages drop canarySettings",
    "stage.prod.canary_overrides": "REST stages drop canarySettings",
    "stage.prod.canary_deployment": "REST stages drop canarySettings",
}


def deployer(aws: Moto, recorder: Any = None, **kw: Any) -> Deployer:
    return Deployer(Target(kw.pop("session", None) or aws.session(), REGION, aws.endpoint, **kw), recorder or MemoryRecorder())


def account_is_empty(aws: Moto, record: DeploymentRecord) -> None:
    """Listed directly (not through the deployer): nothing tagged, no permission, no log group left."""
    ag, v2, lam = aws.client("apigateway"), aws.client("apigatewayv2"), aws.client("lambda")
    tag = "gateway-academy:deployment"
    assert [a for a in ag.get_rest_apis()["items"] if (a.get("tags") or {}).get(tag) == record.deployment_id] == []
    assert [a for a in v2.get_apis()["Items"] if (a.get("Tags") or {}).get(tag) == record.deployment_id] == []
    assert [k for k in ag.get_api_keys()["items"] if (k.get("tags") or {}).get(tag) == record.deployment_id] == []
    assert [u for u in ag.get_usage_plans()["items"] if (u.get("tags") or {}).get(tag) == record.deployment_id] == []
    for function in lam.list_functions()["Functions"]:
        try:
            policy = json.loads(lam.get_policy(FunctionName=function["FunctionName"])["Policy"])
        except lam.exceptions.ResourceNotFoundException:
            continue
        assert [s["Sid"] for s in policy["Statement"] if s["Sid"].startswith(record.deployment_id)] == []


def rich_rest() -> dict[str, Any]:
    d = factory.valid_dict("rest")
    d["routes"] += [factory.route("PUT /items/{id}", kind="lambda", authorization="CUSTOM", authorizer="token",
                                  api_key_required=True),
                    factory.route("GET /health", kind="mock", integ={"responses": [
                        {"selection_pattern": "4\\d{2}", "status_code": "400",
                         "templates": {"application/json": '{"message": "bad request"}'}}]})]
    d["authorizers"].append({"name": "token", "type": "TOKEN", "lambda_arn": factory.route("x")["integration"]["lambda_arn"]
                             .replace("items", "auth")})
    d["api_keys"] = [{"name": "partner"}]
    d["usage_plans"] = [{"name": "basic", "stages": ["prod"], "api_keys": ["partner"], "throttle_rate": 5,
                         "throttle_burst": 10, "quota_limit": 1000, "quota_period": "DAY"}]
    d["stages"][0] |= {"variables": {"alias": "live"}, "cache_enabled": True, "cache_size": "0.5",
                       "canary": {"percent_traffic": 10, "stage_variable_overrides": {"alias": "next"}}}
    d["cors"] = {"allow_origins": ["https://shop.example.com"]}
    return d


DESIGNS = {"rest": rich_rest, "http": lambda: factory.valid_dict("http"), "websocket": lambda: factory.valid_dict("websocket")}


@pytest.mark.parametrize("api_type", ["rest", "http", "websocket"])
def test_each_api_type_deploys_verifies_and_tears_down_to_nothing(aws, api_type):
    aws.create_functions("items", "auth")
    d = deployer(aws)
    record = d.apply(make_plan(DESIGNS[api_type](), region=REGION))
    assert record.status == "deployed", record.message
    assert "torn down automatically after" in record.message
    checks = d.verify(record)
    failed = {c["id"] for c in checks if not c["passed"]}
    assert failed == {k for k in MOTO_GAPS if k in {c["id"] for c in checks}}, [c for c in checks if not c["passed"]]
    assert len(checks) > 10
    if api_type == "rest":  # both integration responses of GET /health are read back from AWS
        assert next(c for c in checks if c["id"] == "integration.GET /health.responses")["actual"] == {
            "200": "", "400": "4\\d{2}"}
    assert list_leftovers(d.target, record)  # it is up
    record = d.teardown(record)
    assert record.status == "torn_down" and record.leftovers == [] and "nothing tagged" in record.message
    account_is_empty(aws, record)
    if api_type == "rest":
        text = record.to_json()
        assert "API key partner" in text
        key_id = next(e for e in record.log if e.get("call") == "apigateway.create_api_key" and e["phase"] == "done")
        assert key_id["response"]["value"] == "***redacted***"


def test_a_change_is_a_small_plan_and_a_new_deployment(aws):
    aws.create_functions("items", "auth")
    d = deployer(aws)
    design = factory.valid_dict("rest")
    record = d.apply(make_plan(design, region=REGION))
    first_deployment = record.ids["deployment:1"]
    design["routes"].append(factory.route("DELETE /items/{id}", authorization="AWS_IAM"))
    design["stages"][0]["throttle_rate"] = 60
    plan = make_plan(design, record=record)
    assert [c.action for c in plan.changes].count("create") == 3  # method, integration, permission
    record = d.apply(plan, record)
    assert record.status == "deployed"
    stage = aws.client("apigateway").get_stage(restApiId=record.ids["api"], stageName="prod")
    assert stage["deploymentId"] == record.ids["deployment:2"] != first_deployment
    assert [c for c in d.verify(record) if not c["passed"]] == []
    assert make_plan(design, record=record).empty
    design["routes"].pop()  # and back
    record = d.apply(make_plan(design, record=record), record)
    assert record.status == "deployed" and "method:DELETE /items/{id}" not in record.state
    assert d.teardown(record).status == "torn_down"
    account_is_empty(aws, record)


def test_a_failed_change_is_undone_and_the_previous_deployment_keeps_serving(aws):
    aws.create_functions("items", "auth")
    d = deployer(aws)
    design = factory.valid_dict("rest")
    record = d.apply(make_plan(design, region=REGION))
    design["routes"].append(factory.route("DELETE /items/{id}", authorization="AWS_IAM"))
    design["stages"][0]["throttle_rate"] = 60
    plan = make_plan(design, record=record)
    changes = [s for s in plan.steps if s.call is not None and s.call.service != "sts"]
    assert [s.call.operation for s in changes][-2:] == ["update_stage", "update_stage"]
    aws.proxy.fail_nth(len(changes), code="AccessDeniedException", status=403)  # the last: after the stage moved
    record = d.apply(plan, record)
    assert record.status == "deployed" and "previous deployment is still in place" in record.message
    ag = aws.client("apigateway")
    stage = ag.get_stage(restApiId=record.ids["api"], stageName="prod")
    assert stage["deploymentId"] == record.ids["deployment:1"]
    assert stage["methodSettings"]["*/*"]["throttlingRateLimit"] == 100.0
    assert "method:DELETE /items/{id}" not in record.state and "deployment:2" not in record.state
    assert [c for c in d.verify(record) if not c["passed"]] == []  # the record still describes what is there
    assert d.teardown(record).status == "torn_down"
    account_is_empty(aws, record)


def change_steps(design: dict[str, Any]) -> list[str]:
    """The kind of each call that changes something, in order (what the proxy's fault counter counts)."""
    plan = make_plan(design, region=REGION)
    return [s.kind for s in plan.steps if s.call is not None and s.call.service != "sts"]


# AccessDenied, a Region not enabled (AWS answers UnrecognizedClient), a request AWS rejects. A quota
# (LimitExceededException) is a throttling code to botocore and is retried first: see the throttling tests.
FAULTS = [("AccessDeniedException", 403), ("UnrecognizedClientException", 403), ("BadRequestException", 400)]


def fault_run(aws: Moto, target: Target, design: dict[str, Any], nth: int, after: bool = False) -> DeploymentRecord:
    code, status = ("InternalFailure", 500) if after else FAULTS[nth % len(FAULTS)]
    aws.proxy.fail_nth(nth, code=code, status=status, after=after)
    record = Deployer(target, MemoryRecorder()).apply(make_plan(design, region=REGION))
    assert record.status == "rolled_back", (nth, record.message)
    assert record.leftovers == [] and record.state == {}, (nth, record.leftovers)
    assert "removed, in reverse order" in record.message and "Nothing is left" in record.message
    assert [e["error"]["code"] for e in record.log if e["phase"] == "failed"] == [code]
    account_is_empty(aws, record)
    return record


def compact(api_type: str) -> dict[str, Any]:
    """The factory's design with the routes that only repeat a kind of step taken out (every kind stays)."""
    d = factory.valid_dict(api_type)
    drop = {"rest": {"POST /items"}, "http": set(), "websocket": {"$disconnect", "sendMessage"}}[api_type]
    d["routes"] = [r for r in d["routes"] if r["key"] not in drop]
    return d


@pytest.mark.parametrize("api_type", ["rest", "http", "websocket"])
def test_a_fault_at_every_step_rolls_back_to_nothing(aws, api_type):
    aws.create_functions("items", "auth")
    target = Target(aws.session(), REGION, aws.endpoint)
    design = compact(api_type)
    for nth in range(1, len(change_steps(design)) + 1):
        fault_run(aws, target, design, nth)


def test_a_fault_at_each_other_kind_of_step_rolls_back_to_nothing(aws):
    """The rich REST design adds API keys, a usage plan and its key, a Lambda authorizer's permission,
    non-proxy responses, CORS preflights, a cache and a canary: a fault at the first call of each kind
    the compact designs do not have, and at the last call (every step of it takes 20 s: too long here)."""
    aws.create_functions("items", "auth")
    target = Target(aws.session(), REGION, aws.endpoint)
    steps = change_steps(rich_rest())
    seen = set(change_steps(compact("rest"))) - {"stage_settings"}
    chosen = [n for n, kind in enumerate(steps, start=1) if kind not in seen and not seen.add(kind)] + [len(steps)]
    assert {"api_key", "usage_plan", "usage_plan_key", "method_response", "integration_response"} <= {
        steps[n - 1] for n in chosen}
    for nth in chosen:
        fault_run(aws, target, rich_rest(), nth)


def test_a_lost_response_at_every_step_is_found_and_removed(aws):
    """The call took effect, the caller heard a 500 (no retry here, or the retry would succeed): the
    rollback finds what it made (by tag, name, path or id) and removes it."""
    aws.create_functions("items", "auth")
    target = Target(aws.session(), REGION, aws.endpoint, max_attempts=0, retry_mode="standard")
    design = compact("rest")
    for nth in range(1, len(change_steps(design)) + 1):
        record = fault_run(aws, target, design, nth, after=True)
        assert any(e["phase"] == "adopted" for e in record.log) or change_steps(design)[nth - 1] in (
            "stage_settings", "integration"), nth  # puts and updates are safe to repeat; creates are found


def test_throttling_is_retried_with_backoff(aws):
    aws.create_functions("items")
    aws.proxy.throttle(r"POST /restapis/[^/]+/deployments", 2)
    d = deployer(aws)
    assert d.target.config.retries["mode"] == "adaptive"  # backoff with jitter, then a client-side rate limit
    record = d.apply(make_plan(factory.valid_dict("rest"), region=REGION))
    assert record.status == "deployed"
    create = next(e for e in record.log if e.get("call") == "apigateway.create_deployment" and e["phase"] == "done")
    assert create["attempts"] == 3
    assert deployer(aws).teardown(record).status == "torn_down"  # a fresh client: no rate limit learnt


def test_throttling_that_outlasts_the_retries_rolls_back(aws):
    aws.create_functions("items")
    aws.proxy.throttle(r"POST /restapis/[^/]+/deployments", 5)
    record = deployer(aws, max_attempts=2, retry_mode="standard").apply(make_plan(factory.valid_dict("rest"), region=REGION))
    assert record.status == "rolled_back"
    assert "kept throttling" in record.message and "3 attempts" in record.message  # 1 + 2 retries
    account_is_empty(aws, record)


class Crash(BaseException):
    """The process dies (not an error the deployer handles)."""


class CrashingStore(JsonFileStore):
    def __init__(self, directory: Path, when: tuple[str, str]) -> None:
        super().__init__(directory)
        self.when = when  # (call, phase): die right after recording this ("started": before the call is made)
        self.armed = True

    def save(self, record: DeploymentRecord, entry: dict[str, Any] | None) -> None:
        if self.armed and entry is not None and (entry.get("call"), entry["phase"]) == self.when:
            self.armed = False
            if entry["phase"] == "done":  # the call happened; the record never heard
                raise Crash()
            super().save(record, entry)
            raise Crash()
        super().save(record, entry)


@pytest.mark.parametrize(("call", "phase"), [("apigateway.create_resource", "started"),
                                             ("apigateway.create_resource", "done"),
                                             ("lambda.add_permission", "done"),
                                             ("apigateway.create_deployment", "done")])
def test_a_crash_mid_apply_resumes_from_the_record(aws, tmp_path, call, phase):
    aws.create_functions("items")
    store = CrashingStore(tmp_path, (call, phase))
    plan = make_plan(factory.valid_dict("rest"), region=REGION)
    with pytest.raises(Crash):
        deployer(aws, store).apply(plan)
    record = store.load(plan.deployment_id)  # what a restarted process finds
    assert record.status == "applying"
    record = deployer(aws, store).resume(record)
    assert record.status == "deployed", record.message
    if phase == "done":
        assert any(e["phase"] == "adopted" and e.get("call") == call for e in record.log)
    d = deployer(aws, store)
    assert [c for c in d.verify(record) if not c["passed"]] == []
    assert len(aws.client("apigateway").get_rest_apis()["items"]) == 1  # nothing made twice
    assert d.teardown(record).status == "torn_down"
    account_is_empty(aws, record)


def test_a_crash_mid_apply_can_be_rolled_back_instead(aws, tmp_path):
    aws.create_functions("items")
    store = CrashingStore(tmp_path, ("apigateway.put_integration", "done"))
    plan = make_plan(factory.valid_dict("rest"), region=REGION)
    with pytest.raises(Crash):
        deployer(aws, store).apply(plan)
    record = deployer(aws, store).resume(store.load(plan.deployment_id), rollback=True)
    assert record.status == "rolled_back" and record.leftovers == []
    account_is_empty(aws, record)


def test_pasted_credentials_are_used_and_never_persisted(aws, tmp_path):
    aws.create_functions("items")
    secret, token = "Zq8+SeCrEtKeYfOrThIsTeSt/0123456789abcdEF", "FwoGZXIvYXdzEPASTEDSESSIONTOKEN" * 6
    creds = Credentials("ASIAPASTEDEXAMPLE123", secret, token)
    store = JsonFileStore(tmp_path)
    out = io.StringIO()
    d = Deployer(Target(creds.session(REGION), REGION, aws.endpoint), store)
    record = d.apply(make_plan(factory.valid_dict("rest"), region=REGION), credential_source={"kind": "pasted"})
    print(record, record.message, file=out)
    # the keys were forgotten, so the reaper can't use them: it says so instead of trying
    late = utcnow() + timedelta(days=1)
    assert [r["why"] for r in reap_store(store, late, target_for=lambda r: None)] == [
        "made with pasted temporary credentials, which were not kept: the learner must tear it down"]
    aws.proxy.fail_nth(1, code="AccessDeniedException", status=403,
                       message=f"key {creds.access_key_id} secret {secret} token {token} denied")
    d.teardown(record)
    d.teardown(record)
    files = "".join(p.read_text() for p in tmp_path.glob("*.json"))
    assert record.deployment_id in files and "denied" in files
    for text in (files, out.getvalue(), repr(d.target.__dict__.get("redactor"))):
        assert secret not in text and token not in text
    assert record.credential_source == {"kind": "pasted"}


def test_assume_role_sends_the_learners_external_id(aws):
    """The role from role_template, made in moto with CloudFormation, assumed with the external ID."""
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName="gateway-academy", TemplateBody=json.dumps(role_template("123456789012", "ga-ext-42")),
                     Capabilities=["CAPABILITY_NAMED_IAM"])
    outputs = cfn.describe_stacks(StackName="gateway-academy")["Stacks"][0]["Outputs"]
    role_arn = next(o["OutputValue"] for o in outputs if o["OutputKey"] == "RoleArn")
    session = assume_role(role_arn, "ga-ext-42", session_name="learner-7", duration_seconds=900, region=REGION,
                          base_session=aws.session(), endpoint_url=aws.endpoint)
    sent = [r["body"] for r in aws.proxy.state.requests if "Action=AssumeRole" in r["body"]]
    assert len(sent) == 1 and "ExternalId=ga-ext-42" in sent[0] and "RoleSessionName=learner-7" in sent[0]
    assert "DurationSeconds=900" in sent[0]
    creds = session.get_credentials().get_frozen_credentials()
    assert creds.token and creds.access_key != "testing"
    ident = session.client("sts", endpoint_url=aws.endpoint).get_caller_identity()
    assert ident["Account"] == "123456789012"


def test_cli_deploy_and_teardown(aws, tmp_path):
    aws.create_functions("items", "auth")
    path = tmp_path / "chat.json"
    path.write_text(cli.dump_design(factory.valid("websocket")), encoding="utf-8")
    lines: list[str] = []
    code = cli.deploy_file(path, region=REGION, endpoint_url=aws.endpoint, records=str(tmp_path / "rec"), out=lines.append)
    assert code == 0, "\n".join(lines)
    assert lines[-1].startswith("deployment ga-") and any(line.startswith("[  2] apigatewayv2.create_api(") for line in lines)
    assert any("verify:" in line for line in lines)
    deployment_id = lines[-1].split()[1]
    planned: list[str] = []
    assert cli.deploy_file(path, region=REGION, endpoint_url=aws.endpoint, records=str(tmp_path / "rec"),
                           deployment=deployment_id, out=planned.append) == 0
    assert any("Nothing to change" in line for line in planned)
    torn: list[str] = []
    assert cli.teardown_deployment(deployment_id, records=str(tmp_path / "rec"), out=torn.append) == 0
    assert "Listed by its tags: nothing left." in torn
    assert cli.teardown_deployment("ga-nope", records=str(tmp_path / "rec"), out=torn.append) == 2
    only: list[str] = []
    assert cli.deploy_file(path, region=REGION, plan_only=True, endpoint_url=aws.endpoint, records=str(tmp_path / "rec2"),
                           out=only.append) == 0
    assert "plan only" in only[-1] and not (tmp_path / "rec2").exists()


def test_reap_tears_down_what_is_past_its_time_once(aws, tmp_path):
    aws.create_functions("items")
    store = JsonFileStore(tmp_path)
    d = Deployer(Target(aws.session(), REGION, aws.endpoint), store)
    old = d.apply(make_plan(factory.valid_dict("http"), region=REGION))
    young = d.apply(make_plan(factory.valid_dict("http"), region=REGION))
    old.expires_at = (utcnow() - timedelta(minutes=5)).isoformat()
    store.save(old, None)

    def target_for(record):
        return Target(aws.session(), record.region, aws.endpoint)

    with store.lock(old.deployment_id) as mine:  # another server is on it
        assert mine
        results = reap_store(store, None, target_for=target_for)
    assert results == [{"deployment": old.deployment_id, "status": "deployed", "reaped": False, "why": "another reaper has it"}]
    results = []
    threads = [threading.Thread(target=lambda: results.extend(reap_store(store, None, target_for=target_for)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reaped = [r for r in results if r["reaped"]]
    assert len(reaped) == 1 and reaped[0]["deployment"] == old.deployment_id
    assert store.load(old.deployment_id).status == "torn_down"
    assert store.load(young.deployment_id).status == "deployed"
    Deployer(Target(aws.session(), REGION, aws.endpoint), store).teardown(young)


def test_manage_py_apigw_deploy(aws, tmp_path):
    aws.create_functions("items")
    path = tmp_path / "notes.json"
    path.write_text(cli.dump_design(factory.valid("http")), encoding="utf-8")
    env = {**os.environ, "DJANGO_DEBUG": "1"}
    root = Path(__file__).resolve().parents[2]
    args = [sys.executable, "manage.py", "apigw"]
    done = subprocess.run([*args, "deploy", str(path), "--region", REGION, "--endpoint-url", aws.endpoint,
                           "--records", str(tmp_path / "rec")], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("deployment ga-")
    lines: list[str] = []  # teardown's command is the same wrapper (one Django start-up is enough here)
    assert cli.teardown_deployment(last.split()[1], records=str(tmp_path / "rec"), out=lines.append) == 0, lines


def test_a_run_that_cannot_reach_aws_says_nothing_was_changed(aws):
    """No network to AWS (or a Region that isn't enabled): the first call, a read, fails. Nothing was
    sent that changes the account, so there is nothing to undo or look for — and no listing of the
    account (which could not be reached either) stands in the way of a plain answer."""
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    d = Deployer(Target(aws.session(), REGION, closed, max_attempts=1, connect_timeout=1), MemoryRecorder())
    record = d.apply(make_plan(factory.valid_dict("rest"), region=REGION))
    assert record.status == "rolled_back"
    assert "nothing was changed in your account" in record.message
    assert record.message.count("Could not reach AWS") == 1
    assert record.leftovers == [] and record.state == {}
    calls = [e["call"] for e in record.log if e["phase"] == "started"]
    assert calls == ["sts.get_caller_identity"]
