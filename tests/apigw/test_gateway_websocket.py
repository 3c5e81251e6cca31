"""WebSocket APIs in the sandbox: connect (authorized once), messages routed by the selection expression,
@connections callbacks, disconnect — a conversation."""

from __future__ import annotations

import json

import pytest

from labs.apigw.gateway import Conversation, Sandbox, SandboxError

from .test_gateway import arn, deployed, scenario


def chat() -> Sandbox:
    return deployed(scenario("websocket-chat"))


def test_connect_is_authorized_once_and_refusals_have_their_status():
    sb = chat()
    ok = sb.ws_connect(query="token=allow")
    assert ok.accepted and ok.status == 101 and ok.connection_id in sb.state.connections
    assert [s.step for s in ok.trace][-1] == "connect"
    denied = sb.ws_connect(query="token=deny")
    assert (denied.accepted, denied.status, denied.error_type) == (False, 403, "ACCESS_DENIED")
    missing = sb.ws_connect()
    assert (missing.accepted, missing.status) == (False, 401)
    assert len(sb.state.connections) == 1
    sent = sb.ws_send(ok.connection_id, json.dumps({"action": "sendMessage", "text": "hi"}))
    assert any(s.decision == "on $connect only" for s in sent.trace)


def test_messages_are_routed_by_the_selection_expression_and_answered_through_connections():
    sb = chat()
    a, b = sb.ws_connect(query="token=allow"), sb.ws_connect(query="token=allow")
    sent = sb.ws_send(a.connection_id, json.dumps({"action": "sendMessage", "text": "hello"}))
    assert sent.route_key == "sendMessage" and sent.accepted and sent.body == ""
    assert {c for c, _ in sent.deliveries} == {a.connection_id, b.connection_id}
    assert json.loads(sb.ws_inbox(b.connection_id)[0]["data"])["text"] == "hello"
    unknown = sb.ws_send(a.connection_id, json.dumps({"action": "dance"}))
    assert unknown.route_key == "$default" and unknown.deliveries[0][0] == a.connection_id
    not_json = sb.ws_send(a.connection_id, "plain text")
    assert not_json.route_key == "$default" and "not JSON" in next(s.detail for s in not_json.trace if s.step == "route")
    assert any(s.decision == "not emulated" and s.step == "route-response" for s in sent.trace)


def test_no_route_and_no_default_is_an_error_frame():
    design = scenario("websocket-chat")
    design["routes"] = [r for r in design["routes"] if r["key"] != "$default"]
    sb = deployed(design)
    conn = sb.ws_connect(query="token=allow").connection_id
    r = sb.ws_send(conn, json.dumps({"action": "dance"}))
    frame = json.loads(r.body)
    assert frame == {"message": "Forbidden", "connectionId": conn, "requestId": r.request_id}


def test_disconnect_runs_the_route_and_then_the_connection_is_gone():
    sb = chat()
    a, b = sb.ws_connect(query="token=allow"), sb.ws_connect(query="token=allow")
    bye = sb.ws_disconnect(b.connection_id)
    assert bye.route_key == "$disconnect" and b.connection_id not in sb.state.connections
    assert sb.ws_send(b.connection_id, "{}").status == 410
    sent = sb.ws_send(a.connection_id, json.dumps({"action": "sendMessage", "text": "anyone?"}))
    assert [c for c, _ in sent.deliveries] == [a.connection_id]


def test_messages_over_128_kb_are_refused():
    sb = chat()
    conn = sb.ws_connect(query="token=allow").connection_id
    r = sb.ws_send(conn, json.dumps({"action": "sendMessage", "text": "x" * 140_000}))
    assert r.error_type == "REQUEST_TOO_LARGE" and "128 KB" in r.trace[-1].detail


def test_a_websocket_api_without_connect_route_accepts_everyone():
    design = {"schema": 1, "name": "w", "api_type": "websocket", "route_selection_expression": "$request.body.action",
              "routes": [{"key": "$default", "integration": {"kind": "lambda_proxy", "lambda_arn": arn("echo")}}],
              "stages": [{"name": "dev"}]}
    sb = deployed(design)
    conn = sb.ws_connect()
    assert conn.accepted
    echo = sb.ws_send(conn.connection_id, '{"action": "x"}')
    assert echo.deliveries == ((conn.connection_id, '{"action": "x"}'),)


def test_the_conversation_survives_storage_and_reads_as_lines():
    sb = chat()
    conversation = Conversation([sb.ws_connect(query="token=allow")])
    conn = conversation.results[0].connection_id
    restored = Sandbox.from_dict(json.loads(json.dumps(sb.to_dict())))
    conversation.results.append(restored.ws_send(conn, json.dumps({"action": "sendMessage", "text": "hi"})))
    conversation.results.append(restored.ws_disconnect(conn))
    lines = conversation.lines()
    assert lines[0] == f"client -> connect: accepted {conn}" and "route sendMessage" in lines[1]
    assert lines[-1] == f"client {conn} -> disconnect"


def test_connections_need_a_websocket_api():
    with pytest.raises(SandboxError):
        deployed({"schema": 1, "api_type": "rest", "routes": [], "stages": [{"name": "p"}]}).ws_connect()
