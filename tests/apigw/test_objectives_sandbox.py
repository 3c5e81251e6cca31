"""Objectives over the sandbox (issue 10): a request replayed on a copy of the stored sandbox, the snapshot a
stage serves, and the traffic the execution log saw since the stage's last deployment. Read only."""

from __future__ import annotations

import copy

import pytest

from labs.apigw.gateway import Request, Sandbox
from labs.apigw.objectives import ObjectiveError, ObservedCall, SandboxView, evaluate, load_objective, needs_sandbox
from labs.apigw.scenarios import ScenarioError, load_scenario, observed, parse_scenario

ALIAS = "arn:aws:lambda:us-east-1:123456789012:function:pricing:${stageVariables.lambdaAlias}"


def pricing(prod_alias: str = "live", canary: dict | None = None, extra_route: bool = False) -> dict:
    routes = [{"key": "GET /prices", "integration": {"kind": "lambda_proxy", "lambda_arn": ALIAS, "timeout_ms": 5000}}]
    if extra_route:
        routes.append({"key": "POST /quotes", "integration": {"kind": "lambda_proxy", "lambda_arn": ALIAS,
                                                              "timeout_ms": 5000}})
    stage = {"name": "prod", "variables": {"lambdaAlias": prod_alias}, "throttle_rate": 10, "throttle_burst": 5}
    if canary:
        stage["canary"] = canary
    return {"schema": 1, "name": "pricing-api", "api_type": "rest", "endpoint_types": ["REGIONAL"],
            "clients": "same-region", "routes": routes, "stages": [stage]}


def check(design: dict, objective: dict, view: SandboxView | None):
    (result,) = evaluate(design, [{"id": "o", "text": "the objective", **objective}], sandbox=view)
    return result


def deployed(design: dict, seed: int = 1) -> tuple[Sandbox, SandboxView]:
    sb = Sandbox(seed=seed)
    sb.deploy(design)
    return sb, SandboxView(sb.to_dict())


# --- replay ------------------------------------------------------------------------------------------------

PRICES_V1 = {"check": "replay", "stage": "prod", "method": "GET", "path": "/prices", "status": 200,
             "body_contains": ['"version": 1']}


def test_a_replay_is_met_by_what_the_stage_answers():
    _, view = deployed(pricing("live"))
    assert check(pricing("live"), PRICES_V1, view).met


def test_a_replay_that_answers_otherwise_names_the_deciding_step_and_what_came_back():
    _, view = deployed(pricing("next"))
    result = check(pricing("live"), PRICES_V1, view)  # the design is fixed, the sandbox is not
    assert not result.met and '"version": 2' in result.hint and "does not contain" in result.hint
    _, broken = deployed(pricing("test"))
    result = check(pricing("test"), PRICES_V1, broken)
    assert not result.met
    assert "answered 500, decided by the integration step" in result.hint and "ResourceNotFoundException" in result.hint


def test_a_replay_can_require_the_step_that_decides():
    _, view = deployed(pricing("live"))
    by_route = {"check": "replay", "stage": "prod", "method": "GET", "path": "/nope", "status": 403, "decided_by": "route"}
    assert check(pricing("live"), by_route, view).met
    result = check(pricing("live"), {**by_route, "decided_by": "policy"}, view)
    assert not result.met and "not by the policy step" in result.hint


def test_a_replay_reads_a_copy_and_stores_nothing_back():
    sb, view = deployed(pricing("live"))
    before = copy.deepcopy(view.state)
    for _ in range(3):
        assert check(pricing("live"), {**PRICES_V1, "count": 50, "rate": 5}, view).met
    assert view.state == before  # token buckets, the request counter and the clock are as stored
    assert sb.state.counter == 0


def test_without_a_sandbox_a_sandbox_objective_says_to_deploy():
    for objective in (PRICES_V1, {"check": "deployed", "stage": "prod", "current": True},
                      {"check": "traffic", "stage": "prod"}):
        result = check(pricing(), objective, None)
        assert not result.met and "deploy" in result.hint
    _, view = deployed(pricing())
    result = check(pricing(), {**PRICES_V1, "stage": "beta"}, view)
    assert not result.met and "no stage 'beta'" in result.hint


def test_replays_are_spread_in_virtual_time_so_throttling_shows():
    # prod allows 10 requests a second with a burst of 5: 20 at once are throttled, 20 at 5 a second are not
    _, view = deployed(pricing("live"))
    fast = check(pricing("live"), {**PRICES_V1, "count": 20, "rate": 1000}, view)
    assert not fast.met and "answered 429, decided by the throttling step" in fast.hint
    assert check(pricing("live"), {**PRICES_V1, "count": 20, "rate": 5}, view).met


CANARY = {"percent_traffic": 10, "stage_variable_overrides": {"lambdaAlias": "next"}}
SPLIT = {"check": "replay", "stage": "prod", "method": "GET", "path": "/prices", "count": 200, "rate": 5,
         "status": 200, "canary_share_between": [5, 15], "canary_body_contains": ['"version": 2']}


def test_a_ten_percent_canary_is_checked_by_the_split_it_serves():
    _, view = deployed(pricing("live", CANARY))
    assert check(pricing("live", CANARY), SPLIT, view).met


def test_a_canary_that_is_only_designed_or_serves_the_old_version_is_not_met():
    _, no_canary = deployed(pricing("live"))
    result = check(pricing("live", CANARY), SPLIT, no_canary)  # designed, not deployed
    assert not result.met and "0 (0 %) went to the canary, not 5-15 %" in result.hint
    same = {"percent_traffic": 10, "stage_variable_overrides": {"lambdaAlias": "live"}}
    _, old = deployed(pricing("live", same))
    result = check(pricing("live", same), SPLIT, old)
    assert not result.met and "serves the old version" in result.hint
    half = {"percent_traffic": 50, "stage_variable_overrides": {"lambdaAlias": "next"}}
    _, too_much = deployed(pricing("live", half))
    result = check(pricing("live", half), SPLIT, too_much)
    assert not result.met and "went to the canary, not 5-15 %" in result.hint


# --- deployed ----------------------------------------------------------------------------------------------


def test_deployed_current_compares_the_stage_snapshot_with_the_saved_design():
    _, view = deployed(pricing())
    assert check(pricing(), {"check": "deployed", "stage": "prod", "current": True}, view).met
    result = check(pricing(extra_route=True), {"check": "deployed", "stage": "prod", "current": True}, view)
    assert not result.met and "still serves deployment" in result.hint
    assert "A change to a REST API is live as soon as it is saved" in result.hint


def test_deployed_expect_runs_a_design_check_on_the_snapshot():
    quotes = {"check": "deployed", "stage": "prod", "expect": {"check": "route", "key": "POST /quotes"}}
    _, old = deployed(pricing())
    result = check(pricing(extra_route=True), quotes, old)
    assert not result.met and "There is no route POST /quotes" in result.hint
    _, new = deployed(pricing(extra_route=True))
    assert check(pricing(extra_route=True), quotes, new).met


# --- traffic -----------------------------------------------------------------------------------------------


def calls_on(sb: Sandbox, *requests: Request) -> SandboxView:
    exchanges = [(r, sb.invoke(r)) for r in requests]
    return SandboxView(sb.to_dict(), tuple(observed(exchanges)))


def test_traffic_counts_calls_since_the_stage_was_last_deployed():
    sb = Sandbox(seed=2)
    sb.deploy(pricing("next"))
    before = observed([(r, sb.invoke(r)) for r in [Request("GET", "/prices", stage="prod")] * 3])
    seen = {"check": "traffic", "stage": "prod", "path": "/prices", "status": 200, "min_calls": 2}
    assert check(pricing(), seen, SandboxView(sb.to_dict(), tuple(before))).met
    sb.deploy(pricing("live"))  # a new deployment: what came before no longer counts
    view = SandboxView(sb.to_dict(), tuple(before))
    result = check(pricing(), seen, view)
    assert not result.met and "shows 0 /prices answering 200" in result.hint
    after = observed([(r, sb.invoke(r)) for r in [Request("GET", "/prices", stage="prod")] * 2])
    assert check(pricing(), seen, SandboxView(sb.to_dict(), tuple(after + before))).met
    version = {**seen, "min_calls": 1, "body_contains": ['"version": 2']}
    assert not check(pricing(), version, SandboxView(sb.to_dict(), tuple(after + before))).met


def test_traffic_canary_share_reads_the_arms_seen():
    sb = Sandbox(seed=4)
    sb.deploy(pricing("live", CANARY))
    view = calls_on(sb, *[Request("GET", "/prices", stage="prod", seed=i) for i in range(1, 41)])
    arms = sum(c.arm == "canary" for c in view.calls)
    assert 0 < arms < 10
    share = {"check": "traffic", "stage": "prod", "min_calls": 40, "canary_share_between": [1, 30]}
    assert check(pricing("live", CANARY), share, view).met
    result = check(pricing("live", CANARY), {**share, "canary_share_between": [40, 60]}, view)
    assert not result.met and "went to the canary, not 40-60 %" in result.hint
    result = check(pricing("live", CANARY), {**share, "min_calls": 50}, view)
    assert not result.met and "needs at least 50" in result.hint


def test_traffic_reads_only_the_stage_it_names():
    calls = (ObservedCall("test", "GET", "/prices", 200, deployment_id="x"),)
    _, view = deployed(pricing())
    result = check(pricing(), {"check": "traffic", "stage": "prod"}, SandboxView(view.state, calls))
    assert not result.met


# --- the language ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, message", [
    ({"check": "replay", "stage": "prod", "method": "GET"}, "needs path"),
    ({"check": "replay", "stage": "prod", "method": "GET", "path": "/", "count": 0}, "whole number from 1 to 1000"),
    ({"check": "replay", "stage": "prod", "method": "GET", "path": "/", "rate": 0}, "above 0"),
    ({"check": "replay", "stage": "prod", "method": "GET", "path": "/", "decided_by": "lambda"}, "must be one of"),
    ({"check": "replay", "stage": "prod", "method": "GET", "path": "/", "headers": ["x"]}, "mapping of names"),
    ({"check": "replay", "stage": "prod", "method": "GET", "path": "/", "status": 99}, "100 to 599"),
    ({"check": "deployed", "stage": "prod", "expect": {"check": "traffic", "stage": "prod"}}, "a check on the design"),
    ({"check": "deployed", "stage": "prod", "expect": {"check": "route", "colour": "red"}}, "no parameter 'colour'"),
    ({"check": "traffic", "stage": "prod", "min_calls": 51}, "1 to 50"),
    ({"check": "traffic"}, "needs stage"),
])
def test_sandbox_objectives_are_validated_when_loaded(raw, message):
    with pytest.raises(ObjectiveError, match=message):
        load_objective({"id": "x", "text": "x", **raw})


def test_needs_sandbox_tells_design_only_objectives_apart():
    design_only = [load_objective({"id": "a", "text": "a", "check": "no_errors"})]
    assert not needs_sandbox(design_only)
    assert needs_sandbox(design_only + [load_objective({"id": "b", "text": "b", **PRICES_V1})])


# --- scenario files ----------------------------------------------------------------------------------------


def test_a_troubleshooting_lab_that_starts_solved_fails_to_load(tmp_path):
    import yaml

    from labs.apigw.scenarios import SCENARIO_DIR

    data = yaml.safe_load((SCENARIO_DIR / "troubleshoot-stage-variable.yaml").read_text(encoding="utf-8"))
    data["starting_design"] = data["reference_solution"]
    with pytest.raises(ScenarioError, match="starts with every objective met"):
        parse_scenario(data, "broken.yaml")
    data = yaml.safe_load((SCENARIO_DIR / "troubleshoot-stage-variable.yaml").read_text(encoding="utf-8"))
    data["reference_solution"] = data["starting_design"]
    with pytest.raises(ScenarioError, match="deployed to a sandbox, misses objective"):
        parse_scenario(data, "unsolved.yaml")
    data["sandbox"]["calls"] = [{"stage": "prod", "method": "FETCH", "path": "/"}]
    with pytest.raises(ScenarioError, match=r"sandbox.calls\[0\].method"):
        parse_scenario(data, "badcall.yaml")
    data["sandbox"] = {"deployments": [{"design": "starting_design", "colour": "red"}],
                       "calls": [{"stage": "prod", "method": "GET", "path": "/prices"}]}
    with pytest.raises(ScenarioError, match="unknown key"):
        parse_scenario(data, "badkey.yaml")


def test_every_troubleshooting_lab_starts_broken_and_is_solved_by_its_reference():
    from labs.apigw.scenarios import SCENARIO_DIR

    labs = [load_scenario(p) for p in sorted(SCENARIO_DIR.glob("troubleshoot-*.yaml"))]
    assert len(labs) >= 3
    for lab in labs:
        assert lab.troubleshooting and lab.needs_sandbox and lab.starting_design is not None
        sb = Sandbox(seed=11)
        exchanges = lab.sandbox.build(sb)
        at_start = evaluate(lab.starting_design, lab.objectives, sandbox=SandboxView(sb.to_dict(), observed(exchanges)))
        assert not all(r.met for r in at_start), lab.slug
        assert all(r.hint for r in at_start if not r.met)


def test_a_replay_can_carry_a_sample_token_or_an_api_key():
    from labs.apigw.scenarios import SCENARIO_DIR

    orders = load_scenario(SCENARIO_DIR / "rest-order-service.yaml").reference_solution.to_dict()
    _, view = deployed(orders)
    listing = {"check": "replay", "stage": "prod", "method": "GET", "path": "/orders", "status": 200}
    assert not check(orders, listing, view).met  # the Cognito authorizer refuses a call without a token
    assert check(orders, {**listing, "sample_token": True}, view).met
    _, plain = deployed(pricing())
    result = check(pricing(), {**PRICES_V1, "sample_token": True}, plain)
    assert not result.met and "could not be made" in result.hint


@pytest.mark.parametrize("state", [
    {"version": 99, "stages": [{"name": "prod"}]},
    {"version": 1, "stages": [{"name": "prod", "deployment_id": "gone"}], "deployments": "nonsense"},
    {"version": 1, "stages": "prod"},
    {"stages": [None, 3, {"name": "prod", "canary": "x"}]},
])
def test_a_stored_sandbox_that_cannot_be_read_asks_for_a_new_deployment(state):
    view = SandboxView(state, (ObservedCall("prod", "GET", "/prices", 200),))
    for objective in (PRICES_V1, {"check": "deployed", "stage": "prod", "current": True},
                      {"check": "traffic", "stage": "prod"}):
        result = check(pricing(), objective, view)
        assert not result.met and "deploy" in result.hint.lower()
