"""A stored sandbox restored: deployments resolved once per process (by content), the state taken over
without copies when asked, token signatures checked once; every answer the same as before."""

from __future__ import annotations

import json

import pytest

from labs.apigw.gateway import Request, Sandbox
from labs.apigw.gateway import deployment as deployment_module
from labs.apigw.gateway import tokens
from labs.apigw.gateway.deployment import RESOLVED, design_digest

from .test_gateway import rest


@pytest.fixture
def counted_resolve(monkeypatch):
    RESOLVED.clear()
    calls = []
    real = deployment_module.resolve

    def counting(design):
        calls.append(design.name)
        return real(design)

    monkeypatch.setattr(deployment_module, "resolve", counting)
    yield calls
    RESOLVED.clear()


def roundtrip(sb: Sandbox) -> Sandbox:
    return Sandbox.from_dict(json.loads(json.dumps(sb.to_dict())))


def test_a_stored_deployment_is_resolved_once_per_process(counted_resolve):
    sb = Sandbox(seed=3)
    sb.deploy(rest("GET /orders"))
    assert counted_resolve == ["t"]
    for _ in range(3):
        sb = roundtrip(sb)
    assert counted_resolve == ["t"]
    assert sb.invoke(Request("GET", "/orders", stage="prod")).status == 200


def test_designs_are_remembered_by_content_not_by_deployment_id(counted_resolve):
    one, other = Sandbox(seed=3), Sandbox(seed=3)
    one.deploy(rest("GET /orders"))
    other.deploy(rest("GET /items"))  # the same sandbox seed and counter: maybe the same kind of id
    stored = json.loads(json.dumps(other.to_dict()))
    assert stored["deployments"][0]["digest"] == design_digest(stored["deployments"][0]["design"])
    restored = Sandbox.from_dict(stored)
    assert restored.invoke(Request("GET", "/items", stage="prod")).status == 200
    assert restored.invoke(Request("GET", "/orders", stage="prod")).status == 403


def test_a_sandbox_stored_before_digests_or_forgotten_by_the_process_still_loads(counted_resolve):
    sb = Sandbox(seed=3)
    sb.deploy(rest("GET /orders"))
    stored = json.loads(json.dumps(sb.to_dict()))
    for d in stored["deployments"]:
        del d["digest"]  # as stored before this change
    RESOLVED.clear()
    restored = Sandbox.from_dict(stored)
    assert restored.invoke(Request("GET", "/orders", stage="prod")).status == 200
    assert restored.to_dict()["deployments"][0]["digest"]


def test_the_memory_of_resolved_designs_is_bounded(monkeypatch):
    RESOLVED.clear()
    monkeypatch.setattr(RESOLVED, "limit", 2)
    for path in ("/a", "/b", "/c"):
        Sandbox(seed=1).deploy(rest(f"GET {path}"))
    assert len(RESOLVED._entries) == 2
    RESOLVED.clear()


def test_without_copies_the_state_is_taken_over_and_stores_the_same():
    sb = Sandbox(seed=5)
    sb.deploy(rest("GET /orders"))
    sb.invoke(Request("GET", "/orders", stage="prod"))
    text = json.dumps(sb.to_dict())
    fast, slow = Sandbox.from_dict(json.loads(text), copy_values=False), Sandbox.from_dict(json.loads(text))
    for restored in (fast, slow):
        restored.invoke(Request("GET", "/orders", stage="prod"))
    assert json.dumps(fast.to_dict(copy_values=False)) == json.dumps(slow.to_dict())
    data = json.loads(text)
    copied = Sandbox.from_dict(data)
    copied.invoke(Request("GET", "/orders", stage="prod"))
    assert data == json.loads(text)  # copy_values=True (the default) leaves the caller's dict alone


def test_a_remembered_token_signature_still_expires_on_the_virtual_clock():
    token = tokens.sample_token(issuer="https://issuer.example.com", audience="app", issued_at_s=1000,
                                expires_in_s=60)
    assert tokens.verify(token, 1010)["aud"] == "app"
    assert tokens.verify(token, 1020)["aud"] == "app"  # remembered
    with pytest.raises(tokens.TokenError, match="expired"):
        tokens.verify(token, 1100)
    head, body, signature = token.split(".")
    with pytest.raises(tokens.TokenError, match="signature"):
        tokens.verify(f"{head}.{body}.{signature[:-4]}AAAA", 1010)


def test_claims_handed_out_do_not_change_the_remembered_ones():
    token = tokens.sample_token(issuer="https://issuer.example.com", audience="app", issued_at_s=1000)
    tokens.verify(token, 1010)["aud"] = "changed"
    assert tokens.verify(token, 1010)["aud"] == "app"
