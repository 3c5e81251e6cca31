"""Authorization in the sandbox: IAM with sample identities, resource policies and private endpoints,
Lambda authorizers (sample functions, result cache on the virtual clock), Cognito and JWT tokens."""

from __future__ import annotations

import pytest

from labs.apigw.gateway import Request, Sandbox, jwks
from labs.apigw.gateway import tokens
from labs.apigw.gateway.core import EPOCH_MS

from .test_gateway import ACCT, arn, deployed, http, proxy, rest, scenario, steps

POOL = f"arn:aws:cognito-idp:us-east-1:{ACCT}:userpool/us-east-1_EXAMPLE"


# -- IAM ------------------------------------------------------------------------------------------------


def iam_api(**fields) -> dict:
    return rest({"key": "POST /quotes", "integration": proxy(), "authorization": "AWS_IAM"},
                {"key": "GET /quotes", "integration": proxy(), "authorization": "AWS_IAM"}, **fields)


def test_unsigned_request_to_an_iam_method_is_missing_authentication_token():
    r = deployed(iam_api()).invoke(Request("POST", "/quotes", stage="prod"))
    assert r.status == 403 and r.error_type == "MISSING_AUTHENTICATION_TOKEN" and "not signed" in r.trace[-1].detail


def test_sample_identities_follow_their_policies():
    sb = deployed(iam_api())
    assert sb.invoke(Request("POST", "/quotes", stage="prod", identity="backend")).status == 200
    assert sb.invoke(Request("GET", "/quotes", stage="prod", identity="reader")).status == 200
    denied = sb.invoke(Request("POST", "/quotes", stage="prod", identity="reader"))
    assert denied.status == 403 and denied.header("x-amzn-ErrorType") == "AccessDeniedException"
    assert "user/reader is not authorized to perform: execute-api:Invoke" in denied.body and "********9012" in denied.body
    assert sb.invoke(Request("POST", "/quotes", stage="prod", identity="intern")).status == 403
    assert sb.invoke(Request("POST", "/quotes", stage="prod", identity="expired")).error_type == "EXPIRED_TOKEN"


def test_a_sigv4_header_names_the_identity_by_its_access_key():
    sb = deployed(iam_api())
    header = ("AWS4-HMAC-SHA256 Credential=AKIASANDBOXBACKEND01/20250101/us-east-1/execute-api/aws4_request, "
              "SignedHeaders=host;x-amz-date, Signature=abc")
    r = sb.invoke(Request("POST", "/quotes", stage="prod", headers={"Authorization": header}))
    assert r.status == 200 and any("not emulated: the signature itself" in s.detail for s in r.trace)
    bad = header.replace("AKIASANDBOXBACKEND01", "AKIAUNKNOWN000000000")
    assert deployed(iam_api()).invoke(Request("POST", "/quotes", stage="prod", headers={"Authorization": bad})
                                      ).error_type == "INVALID_SIGNATURE"


def test_another_account_needs_the_resource_policy_too():
    assert deployed(iam_api()).invoke(Request("POST", "/quotes", stage="prod", identity="partner")).status == 403
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/partner-app"},
         "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/POST/quotes"}]}
    sb = deployed(iam_api(resource_policy=policy))
    assert sb.invoke(Request("POST", "/quotes", stage="prod", identity="partner")).status == 200
    assert sb.invoke(Request("GET", "/quotes", stage="prod", identity="partner")).status == 403


# -- resource policies and private endpoints -----------------------------------------------------------------


def test_private_api_only_through_its_vpc_endpoint():
    sb = deployed(scenario("private-api"))
    outside = sb.invoke(Request("GET", "/reports", stage="internal"))
    assert (outside.status, outside.body) == (403, '{"message":"Forbidden"}') and outside.trace[-1].step == "endpoint"
    inside = sb.invoke(Request("GET", "/reports", stage="internal", source_vpce="vpce-0123456789abcdef0"))
    assert inside.status == 200
    other = sb.invoke(Request("GET", "/reports", stage="internal", source_vpce="vpce-0aaaaaaaaaaaaaaaa"))
    assert other.status == 403 and other.body.startswith('{"Message":"User: anonymous is not authorized')
    assert other.body.endswith('with an explicit deny"}') and other.trace[-1].step == "policy"


def test_private_api_by_the_endpoint_dns_name_needs_the_api_id_header():
    sb = deployed(scenario("private-api"))
    host = {"Host": "vpce-0123456789abcdef0-abcd1234.execute-api.us-east-1.vpce.amazonaws.com"}
    r = sb.invoke(Request("GET", "/reports", stage="internal", source_vpce="vpce-0123456789abcdef0", headers=host))
    assert r.status == 403 and "x-apigw-api-id" in r.trace[-1].detail
    r = sb.invoke(Request("GET", "/reports", stage="internal", source_vpce="vpce-0123456789abcdef0",
                          headers={**host, "x-apigw-api-id": sb.api_id}))
    assert r.status == 200


def test_private_api_without_a_policy_denies_every_call():
    design = scenario("private-api")
    del design["resource_policy"]
    r = deployed(design).invoke(Request("GET", "/reports", stage="internal", source_vpce="vpce-0123456789abcdef0"))
    assert r.status == 403 and r.error_type == "ACCESS_DENIED" and "without a resource policy" in r.trace[-1].detail


def test_a_policy_that_allows_nothing_is_an_implicit_deny_for_open_methods():
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/a",
         "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    sb = deployed(rest("GET /a", resource_policy=policy))
    assert sb.invoke(Request("GET", "/a", stage="prod", source_ip="203.0.113.9")).status == 200
    r = sb.invoke(Request("GET", "/a", stage="prod"))
    assert r.status == 403 and "implicit deny" in r.trace[-1].detail and "explicit" not in r.body


# -- Lambda authorizers ------------------------------------------------------------------------------------------


def token_api(ttl: int | None = 300, fn: str = "authorizer", kind: str = "TOKEN") -> dict:
    return rest({"key": "GET /a", "integration": proxy(), "authorization": "CUSTOM", "authorizer": "gate"},
                {"key": "GET /b", "integration": proxy(), "authorization": "CUSTOM", "authorizer": "gate"},
                authorizers=[{"name": "gate", "type": kind, "lambda_arn": arn(fn), "ttl_seconds": ttl}])


@pytest.mark.parametrize("token,status,kind", [
    ("allow", 200, ""), ("deny", 403, "ACCESS_DENIED"), ("unauthorized", 401, "UNAUTHORIZED"),
    ("garbage", 500, "AUTHORIZER_FAILURE"), (None, 401, "UNAUTHORIZED"),
])
def test_token_authorizer_outcomes(token, status, kind):
    headers = {"Authorization": token} if token else {}
    r = deployed(token_api()).invoke(Request("GET", "/a", stage="prod", headers=headers))
    assert (r.status, r.error_type) == (status, kind)
    if token == "deny":
        assert r.body == '{"Message":"User is not authorized to access this resource with an explicit deny"}'
    if token == "garbage":
        assert r.body == '{"message":null}' and r.header("x-amzn-ErrorType") == "AuthorizerConfigurationException"
    if token is None:
        assert all(s.ms == 0 for s in r.trace)  # the function was never called


def test_authorizer_result_is_cached_for_its_ttl_on_the_virtual_clock():
    sb = deployed(token_api(ttl=60))
    allow = {"Authorization": "allow"}
    first = sb.invoke(Request("GET", "/a", stage="prod", headers=allow))
    second = sb.invoke(Request("GET", "/a", stage="prod", headers=allow, at_ms=59_000))
    auth = lambda r: next(s for s in r.trace if s.step == "authorization")  # noqa: E731
    assert auth(first).ms == 10 and auth(second).ms == 0 and "cached result" in auth(second).detail
    third = sb.invoke(Request("GET", "/a", stage="prod", headers=allow, at_ms=60_011))
    assert auth(third).ms == 10
    restored = Sandbox.from_dict(sb.to_dict())
    assert auth(restored.invoke(Request("GET", "/a", stage="prod", headers=allow, at_ms=61_000))).ms == 0


def test_a_cached_policy_written_for_one_method_denies_the_other():
    sb = deployed(token_api(ttl=300))
    allow = {"Authorization": "allow"}
    assert sb.invoke(Request("GET", "/a", stage="prod", headers=allow)).status == 200
    r = sb.invoke(Request("GET", "/b", stage="prod", headers=allow))
    assert r.status == 403 and r.body == '{"Message":"User is not authorized to access this resource"}'
    assert deployed(token_api(ttl=0)).invoke(Request("GET", "/b", stage="prod", headers=allow)).status == 200


def test_authorizer_context_reaches_the_function():
    r = deployed(token_api()).invoke(Request("GET", "/a", stage="prod", headers={"Authorization": "allow"}))
    assert r.json()["requestContext"]["authorizer"] == {"principalId": "user-allow", "plan": "sample"}


def test_missing_authorizer_function_is_a_configuration_error():
    r = deployed(token_api(fn="nope")).invoke(Request("GET", "/a", stage="prod", headers={"Authorization": "allow"}))
    assert (r.status, r.error_type) == (500, "AUTHORIZER_CONFIGURATION_ERROR")


def test_http_request_authorizer_with_simple_responses():
    design = http({"key": "GET /a", "integration": proxy(payload_format_version="2.0"), "authorization": "CUSTOM",
                   "authorizer": "gate"},
                  authorizers=[{"name": "gate", "type": "REQUEST", "lambda_arn": arn("authorizer"),
                                "identity_sources": ["$request.header.Authorization"], "payload_format_version": "2.0",
                                "simple_responses": True, "ttl_seconds": 0}])
    sb = deployed(design)
    ok = sb.invoke(Request("GET", "/a", headers={"Authorization": "allow"}))
    assert ok.status == 200 and ok.json()["requestContext"]["authorizer"] == {"lambda": {"user": "user-allow"}}
    no = sb.invoke(Request("GET", "/a", headers={"Authorization": "deny"}))
    assert (no.status, no.body) == (403, '{"message":"Forbidden"}')
    assert sb.invoke(Request("GET", "/a")).status == 401


# -- Cognito user pools and JWT authorizers ----------------------------------------------------------------------------


def test_cognito_id_token_then_expiry_on_the_virtual_clock():
    sb = deployed(scenario("rest-order-service"))
    token = sb.sample_token(expires_in_s=3600)
    ok = sb.invoke(Request("GET", "/orders", stage="prod", headers={"Authorization": token}))
    assert ok.status == 200 and ok.json()["user"] == "sample-user"
    sb.advance(3600 * 1000)
    late = sb.invoke(Request("GET", "/orders", stage="prod", headers={"Authorization": token}))
    assert late.status == 401 and "expired" in late.trace[-1].detail


def test_cognito_refuses_other_issuers_and_other_keys():
    sb = deployed(scenario("rest-order-service"))
    now = EPOCH_MS / 1000
    wrong_pool = tokens.sample_token(issuer="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OTHER",
                                     audience="c", token_use="id", issued_at_s=now)
    assert sb.invoke(Request("GET", "/orders", stage="prod", headers={"Authorization": wrong_pool})).status == 401
    other_key = tokens.sample_token(issuer=tokens.cognito_issuer(POOL), audience="c", token_use="id", issued_at_s=now,
                                    key_id="someone-else")
    r = sb.invoke(Request("GET", "/orders", stage="prod", headers={"Authorization": other_key}))
    assert r.status == 401 and "key id" in r.trace[-1].detail


def test_cognito_scopes_need_an_access_token_with_the_scope():
    design = rest({"key": "GET /items", "integration": proxy(), "authorization": "COGNITO_USER_POOLS",
                   "authorizer": "users", "scopes": ["items/read"]},
                  authorizers=[{"name": "users", "type": "COGNITO_USER_POOLS", "user_pool_arns": [POOL]}])
    sb = deployed(design)
    id_token = sb.sample_token(token_use="id")
    assert sb.invoke(Request("GET", "/items", stage="prod", headers={"Authorization": id_token})).status == 401
    access = sb.sample_token(scopes=["items/read"])
    r = sb.invoke(Request("GET", "/items", stage="prod", headers={"Authorization": access}))
    assert r.status == 200 and r.json()["requestContext"]["authorizer"]["claims"]["scope"] == "items/read"


def test_jwt_audience_and_scopes():
    sb = deployed(scenario("http-jwt-cors"))
    good = sb.sample_token()
    assert sb.invoke(Request("GET", "/notes", headers={"Authorization": f"Bearer {good}"})).status == 200
    now = EPOCH_MS / 1000
    wrong_aud = tokens.sample_token(issuer="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE",
                                    audience="someone-else", issued_at_s=now)
    r = sb.invoke(Request("GET", "/notes", headers={"Authorization": wrong_aud}))
    assert r.status == 401 and "invalid_token" in r.header("www-authenticate")
    design = scenario("http-jwt-cors")
    design["routes"][0]["scopes"] = ["notes/read"]
    sb = deployed(design)
    r = sb.invoke(Request("GET", "/notes", headers={"Authorization": sb.sample_token(scopes=["notes/write"])}))
    assert r.status == 403 and 'error="insufficient_scope"' in r.header("www-authenticate")
    assert sb.invoke(Request("GET", "/notes", headers={"Authorization": sb.sample_token(scopes=["notes/read"])})
                     ).status == 200


def test_the_lab_publishes_its_public_key():
    key = jwks()["keys"][0]
    assert key["kid"] == tokens.LAB_KEY_ID and key["kty"] == "RSA" and "d" not in key


def test_authorizer_missing_from_the_design_is_a_configuration_error():
    design = rest({"key": "GET /a", "integration": proxy(), "authorization": "CUSTOM", "authorizer": "ghost"})
    r = deployed(design).invoke(Request("GET", "/a", stage="prod"))
    assert (r.status, r.error_type) == (500, "AUTHORIZER_CONFIGURATION_ERROR") and "integration" not in steps(r)
