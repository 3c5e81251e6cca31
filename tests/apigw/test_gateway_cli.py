"""`apigw invoke`: the domain function behind it (labs.apigw.cli.invoke_file)."""

from __future__ import annotations

import json

import yaml

from labs.apigw.cli import EXIT_UNREADABLE, invoke_file

from .test_gateway import SCENARIOS


def scenario_file(tmp_path, slug: str):
    path = tmp_path / f"{slug}.json"
    path.write_text(json.dumps(yaml.safe_load((SCENARIOS / f"{slug}.yaml").read_text())["reference_solution"]))
    return path


def test_json_output_is_one_object_or_a_list(tmp_path):
    path = scenario_file(tmp_path, "rest-order-service")
    code, out = invoke_file(path, request_path="/orders", fmt="json", sample_token=True)
    one = json.loads(out)
    assert code == 0 and one["status"] == 200 and one["arm"] == "base"
    assert {"step", "decision", "detail", "ms"} <= set(one["trace"][0])
    code, out = invoke_file(path, request_path="/orders", fmt="json", repeat=3)
    many = json.loads(out)
    assert code == 1 and isinstance(many, list) and [r["status"] for r in many] == [401] * 3


def test_repeat_at_a_rate_and_the_seed_replays(tmp_path):
    path = scenario_file(tmp_path, "canary-release")
    first = json.loads(invoke_file(path, request_path="/prices", repeat=50, rate=50, seed=4, fmt="json")[1])
    again = json.loads(invoke_file(path, request_path="/prices", repeat=50, rate=50, seed=4, fmt="json")[1])
    assert [r["arm"] for r in first] == [r["arm"] for r in again] and {"base", "canary"} == {r["arm"] for r in first}
    assert [r["at_ms"] for r in first[:3]] == [0, 20, 40]


def test_text_output_private_api_and_headers(tmp_path):
    path = scenario_file(tmp_path, "private-api")
    code, out = invoke_file(path, request_path="/reports", source_vpce="vpce-0123456789abcdef0",
                            headers=["Accept: application/json"])
    assert code == 0 and "[endpoint] PRIVATE" in out and "Quarterly revenue" in out
    code, out = invoke_file(path, request_path="/reports")
    assert code == 1 and "403" in out


def test_websocket_conversation(tmp_path):
    path = scenario_file(tmp_path, "websocket-chat")
    code, out = invoke_file(path, query="token=allow", body='{"action": "sendMessage", "text": "hi"}')
    assert code == 0 and "route sendMessage" in out and "@connections" in out
    code, out = invoke_file(path, fmt="json", query="token=allow", body='{"action": "x"}')
    kinds = [r["kind"] for r in json.loads(out)]
    assert kinds == ["connect", "message", "disconnect"]


def test_bad_input(tmp_path):
    missing = tmp_path / "nope.json"
    assert invoke_file(missing)[0] == EXIT_UNREADABLE
    path = scenario_file(tmp_path, "rest-order-service")
    code, out = invoke_file(path, headers=["no colon"])
    assert code == EXIT_UNREADABLE and "Name: value" in out
    assert invoke_file(path, repeat=0)[0] == EXIT_UNREADABLE
