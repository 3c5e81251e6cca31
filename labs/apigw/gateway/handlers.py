"""The small handlers of the request pipeline that are not authorization or integration.

Each takes the ``Ctx``, appends its own trace step(s), and raises a ``GatewayError`` to stop.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone

from .identities import signer
from .policy import evaluate, like
from .context import ACCOUNT_BURST, ACCOUNT_RATE, PAYLOAD_LIMIT, Ctx, api_key_value, mask_account
from .core import ACCOUNT_ID, EPOCH_MS, header
from .deployment import Match


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB" if n >= 1024 * 1024 else f"{n / 1024:g} KB"


# -- stage: which deployment answers (canary or base) ------------------------------------------------


def stage(ctx: Ctx) -> None:
    st = ctx.stage
    canary = st.canary if ctx.api.api_type == "rest" else None
    if canary is None:
        ctx.step("stage", f"deployment {st.deployment_id}",
                 f"Stage {st.name} serves deployment {st.deployment_id}, made at t={ctx.deployment.created_ms:g} ms. "
                 "Changes to the design reach it only when they are deployed.", lesson="deployments")
    else:
        draw = ctx.rng.random() * 100
        took_canary = draw < canary.percent
        ctx.arm = "canary" if took_canary else "base"
        if took_canary:
            ctx.deployment = ctx.deployments[canary.deployment_id]
            ctx.api = ctx.deployment.api
            ctx.variables = st.canary_variables()
        overrides = ", ".join(f"{k}={v}" for k, v in canary.overrides.items()) or "none"
        ctx.step("stage", f"{ctx.arm}: deployment {ctx.deployment.id}",
                 f"Stage {st.name} has a canary taking {canary.percent:g}% of requests (deployment "
                 f"{canary.deployment_id}, stage variable overrides: {overrides}). Seed {ctx.seed} drew "
                 f"{draw:.2f}, {'below' if took_canary else 'not below'} {canary.percent:g}, so this request goes "
                 f"to the {ctx.arm} (deployment {ctx.deployment.id}). Send the same seed to replay it.",
                 lesson="canary")
    if st.waf_web_acl_arn:
        ctx.not_emulated("stage", f"AWS WAF web ACL {st.waf_web_acl_arn}: requests are not filtered", "waf")
    if st.logging_level and st.logging_level != "OFF":
        ctx.not_emulated("stage", f"CloudWatch execution logs ({st.logging_level}); this trace shows the same steps",
                         "logging")


# -- request: size limits ---------------------------------------------------------------------------


def request_limits(ctx: Ctx) -> None:
    size = len(ctx.request.body.encode("utf-8", "surrogatepass"))
    limit = PAYLOAD_LIMIT[ctx.api.api_type]
    label = f"{ctx.request.method} {ctx.request.path}" if ctx.api.api_type != "websocket" else "the message"
    if size > limit:
        raise ctx.fail("request", "REQUEST_TOO_LARGE",
                       f"{label} carries {size:,} bytes; {ctx.api.label} APIs accept at most {_mb(limit)}"
                       + (" per message (a real client's connection closes with code 1009)."
                          if ctx.api.api_type == "websocket" else "."),
                       lesson="quotas")
    ctx.step("request", "accepted", f"{label}, {size:,} bytes of body (the limit is {_mb(limit)}).",
             lesson="request-flow")


# -- endpoint and resource policy ---------------------------------------------------------------------


def endpoint_and_policy(ctx: Ctx) -> None:
    api, req = ctx.api, ctx.request
    ctx.signer, ctx.signer_note = signer(req.identity, req.header("Authorization"))
    if api.api_type == "rest" and api.endpoint_type == "PRIVATE":
        _private_endpoint(ctx)
    elif api.api_type == "rest":
        where = "through CloudFront (edge-optimized)" if api.endpoint_type == "EDGE" else "in its Region (regional)"
        ctx.step("endpoint", api.endpoint_type, f"The API is reached {where}. "
                 + ("The CloudFront hop adds no time in the sandbox." if api.endpoint_type == "EDGE" else ""),
                 lesson="edge" if api.endpoint_type == "EDGE" else "regional")
    else:
        ctx.step("endpoint", "REGIONAL", f"{api.label} APIs have regional endpoints only.", lesson="api-types")
    if api.api_type != "rest":
        if api.resource_policy:
            ctx.step("policy", "ignored", f"{api.label} APIs have no resource policies; the one in the design is not "
                     "used (a rule reports it).", lesson="resource-policy")
        return
    if not api.resource_policy:
        if api.endpoint_type == "PRIVATE":
            raise ctx.fail("policy", "ACCESS_DENIED",
                           "A private API without a resource policy denies every call: nothing allows "
                           "execute-api:Invoke.", lesson="private-policy",
                           message=_denial("anonymous", ctx.method_arn, explicit=False))
        ctx.step("policy", "none", "The API has no resource policy: the endpoint alone decides who can reach it.",
                 lesson="resource-policy")
        return
    conditions = {"aws:SourceIp": req.source_ip, "aws:SecureTransport": "true",
                  "aws:CurrentTime": datetime.fromtimestamp((EPOCH_MS + ctx.at_ms) / 1000, tz=timezone.utc).isoformat()}
    if req.source_vpce:
        conditions["aws:SourceVpce"] = req.source_vpce
    if ctx.signer:
        conditions.update({"aws:PrincipalArn": ctx.signer.arn, "aws:PrincipalAccount": ctx.signer.account})
    decision = evaluate(api.resource_policy, resource=ctx.method_arn, arn_prefix=ctx.arn_prefix,
                               caller=ctx.signer.arn if ctx.signer else "*",
                               caller_account=ctx.signer.account if ctx.signer else "", context=conditions)
    ctx.policy = decision
    for note in decision.notes:
        ctx.step("policy", "not emulated" if note.startswith("not emulated") else "note", note, lesson="resource-policy")
    keys = ", ".join(f"{k}={v}" for k, v in conditions.items() if k in ("aws:SourceVpce", "aws:SourceIp"))
    who = ctx.signer.arn if ctx.signer else "anonymous"
    if decision.explicit_deny:
        raise ctx.fail("policy", "ACCESS_DENIED",
                       f"The resource policy's {decision.statement} denies execute-api:Invoke on {ctx.method_arn} "
                       f"for {who} ({keys}). An explicit Deny wins over every Allow.", lesson="resource-policy",
                       message=_denial(who, ctx.method_arn, explicit=True))
    if decision.allowed:
        ctx.step("policy", "allowed", f"The resource policy's {decision.statement} allows execute-api:Invoke on "
                 f"{ctx.method_arn} ({keys}) and no statement denies it.", lesson="resource-policy")
    else:
        ctx.step("policy", "no allow", f"No statement of the resource policy allows {who} to invoke {ctx.method_arn} "
                 f"({keys}): an implicit deny, unless the method's authorization allows the caller.",
                 lesson="resource-policy")


def _denial(who: str, arn: str, explicit: bool) -> str:
    return (f"User: {who} is not authorized to perform: execute-api:Invoke on resource: {mask_account(arn)}"
            + (" with an explicit deny" if explicit else ""))


def _private_endpoint(ctx: Ctx) -> None:
    req = ctx.request
    if not req.source_vpce:
        raise ctx.fail("endpoint", "FORBIDDEN",
                       "The API is PRIVATE: it is reachable only through an interface VPC endpoint for execute-api, "
                       "and this request came from the internet (give it a source VPC endpoint).", lesson="private")
    host = (req.header("Host") or "").lower()
    api_header = req.header("x-apigw-api-id")
    if host.endswith(".vpce.amazonaws.com"):
        if api_header != ctx.api_id:
            raise ctx.fail("endpoint", "FORBIDDEN",
                           f"The request used the VPC endpoint's own DNS name ({host}); API Gateway then needs the "
                           f"x-apigw-api-id header to know the API, and it is {api_header!r}, not {ctx.api_id!r}.",
                           lesson="private")
        how = f"the endpoint's DNS name {host} with x-apigw-api-id: {api_header}"
    elif host.startswith(f"{ctx.api_id}-") and ".execute-api." in host:
        named = host.split(".", 1)[0][len(ctx.api_id) + 1:]
        if named != req.source_vpce.lower():
            raise ctx.fail("endpoint", "FORBIDDEN", f"The host {host} names the VPC endpoint {named}, but the request "
                           f"came through {req.source_vpce}.", lesson="private")
        how = f"the Route 53 alias {host}"
    else:
        how = "private DNS on the VPC endpoint"
    ctx.step("endpoint", "PRIVATE", f"Reached through the interface VPC endpoint {req.source_vpce}, by {how}.",
             lesson="private")


# -- route ------------------------------------------------------------------------------------------


def route(ctx: Ctx) -> None:
    api, req = ctx.api, ctx.request
    match: Match = ctx.deployment.router.match(req.method, req.path)
    ctx.resource_path, ctx.path_params = match.resource_path, dict(match.params)
    params = ", ".join(f"{k} = {v}" for k, v in match.params.items())
    if api.api_type == "http" and api.cors is not None and req.method == "OPTIONS" and req.header("Origin") \
            and req.header("Access-Control-Request-Method"):
        ctx.cors_preflight = True
        ctx.step("route", "CORS preflight", "An OPTIONS request with Origin and Access-Control-Request-Method is a "
                 "CORS preflight: with CORS configured, the HTTP API answers it itself, whatever the routes.",
                 lesson="cors")
        return
    target = match.target
    if target is None:
        if api.api_type == "rest":
            why = (f"the resource {match.resource_path} has no {req.method} method (and no ANY)" if match.resource_found
                   else f"no resource matches {req.path}")
            raise ctx.fail("route", "MISSING_AUTHENTICATION_TOKEN",
                           f"{req.method} {req.path}: {why}. A REST API answers a missing route with 403 "
                           "\"Missing Authentication Token\", not 404 — check the path, the method and that the "
                           "change was deployed.", lesson="gateway-responses")
        raise ctx.fail("route", "RESOURCE_NOT_FOUND", f"No route matches {req.method} {req.path} and the API has no "
                       "$default route.", lesson="api-types")
    if hasattr(target, "integration"):
        ctx.route = target  # type: ignore[assignment]
        kind = "resource" if api.api_type == "rest" else "route"
        how = f"{ctx.route.key}" + (f" ({params})" if params else "")
        ctx.step("route", f"matched {ctx.route.key}", f"{req.method} {req.path} matched the {kind} {how}"
                 + (" through ANY" if ctx.route.method == "ANY" and req.method != "ANY" else "")
                 + (": the catch-all $default route" if ctx.route.is_default else "") + ".", lesson="api-types")
    else:
        ctx.preflight = target  # type: ignore[assignment]
        ctx.step("route", f"matched OPTIONS {target.path}", f"OPTIONS {req.path} matched the CORS preflight method "
                 f"the design's CORS settings add to {target.path} (a MOCK integration).", lesson="cors")


# -- CORS preflight ------------------------------------------------------------------------------------


def cors_preflight(ctx: Ctx) -> None:
    if ctx.preflight is not None:
        headers = {f"Access-Control-{k}": v for k, v in ctx.preflight.headers.items()}
        ctx.response = {"status": 200, "headers": {"Content-Type": "application/json", **headers}, "body": ""}
        ctx.step("cors-preflight", "200 from the OPTIONS mock", "The REST API's OPTIONS method is a MOCK integration "
                 "that answers with the configured CORS headers: " + ", ".join(f"{k}: {v}" for k, v in headers.items())
                 + ". It answers every origin the same way; the browser compares.", lesson="cors")
        return
    if not ctx.cors_preflight:
        return
    cors = ctx.api.cors
    origin = ctx.request.header("Origin") or ""
    allowed = _origin_allowed(cors.allow_origins, origin)
    headers = {"Content-Type": "application/json"}
    if allowed:
        headers["Access-Control-Allow-Origin"] = "*" if "*" in cors.allow_origins and not cors.allow_credentials else origin
        if cors.allow_methods:
            headers["Access-Control-Allow-Methods"] = ",".join(cors.allow_methods)
        if cors.allow_headers:
            headers["Access-Control-Allow-Headers"] = ",".join(cors.allow_headers)
        if cors.max_age is not None:
            headers["Access-Control-Max-Age"] = str(cors.max_age)
        if cors.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
        detail = (f"The origin {origin} is allowed; methods {','.join(cors.allow_methods) or '(none listed)'}, headers "
                  f"{','.join(cors.allow_headers) or '(none listed)'}.")
    else:
        detail = (f"The origin {origin} is not in allow_origins ({', '.join(cors.allow_origins) or 'none'}): the answer "
                  "carries no CORS headers and the browser blocks the real request.")
    ctx.response = {"status": 204, "headers": headers, "body": ""}
    ctx.step("cors-preflight", "204 " + ("allowed" if allowed else "origin not allowed"), detail, lesson="cors")


def _origin_allowed(origins: tuple[str, ...], origin: str) -> bool:
    if not origin:
        return False
    for allowed in origins:
        if allowed == "*" or allowed.lower() == origin.lower():
            return True
        if "*" in allowed and like(allowed.lower(), origin.lower()):
            return True
    return False


# -- API key and usage plan -------------------------------------------------------------------------


def _period_window(period: str, epoch_ms: float) -> str:
    day = int(epoch_ms // 86_400_000)
    if period == "WEEK":
        return f"W{(day + 3) // 7}"  # ISO weeks start on Monday; 1 Jan 1970 was a Thursday
    if period == "MONTH":
        d = datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc)
        return f"M{d.year}-{d.month:02d}"
    return f"D{day}"


def _key_values(api) -> str:
    return ", ".join(f"{k.name} = {api_key_value(k.name)}" for k in api.api_keys) or "none"


def api_key(ctx: Ctx) -> None:
    api, route = ctx.api, ctx.route
    if route is None or api.api_type == "http":
        return
    sent = ctx.request.header("x-api-key")
    if not route.api_key_required:
        if sent or api.api_keys:
            ctx.step("api-key", "not required", f"{route.key} doesn't require an API key"
                     + (": the key sent is ignored and counts against no usage plan." if sent else "."),
                     lesson="api-keys")
        return
    source = "AUTHORIZER" if api.api_key_source == "AUTHORIZER" else "HEADER"
    value = ctx.usage_identifier_key if source == "AUTHORIZER" else (sent or "")
    where = "the authorizer's usageIdentifierKey" if source == "AUTHORIZER" else "the x-api-key header"
    if not value:
        raise ctx.fail("api-key", "INVALID_API_KEY", f"{route.key} requires an API key and {where} is empty.",
                       lesson="api-keys")
    key = next((k for k in api.api_keys if api_key_value(k.name) == value), None)
    if key is None:
        raise ctx.fail("api-key", "INVALID_API_KEY", f"No API key of this API has the value sent in {where}. "
                       f"(The sandbox's key values: {_key_values(api)}.)",
                       lesson="api-keys")
    if not key.enabled:
        raise ctx.fail("api-key", "INVALID_API_KEY", f"The API key {key.name} is disabled.", lesson="api-keys")
    plan = next((p for p in api.usage_plans if key.name in p.api_keys and ctx.stage.name in p.stages), None)
    if plan is None:
        raise ctx.fail("api-key", "INVALID_API_KEY", f"The API key {key.name} is valid but in no usage plan for the "
                       f"stage {ctx.stage.name}: API Gateway accepts a key only through a usage plan.", lesson="api-keys")
    ctx.api_key, ctx.usage_plan = key, plan
    if plan.quota_limit is not None:
        period = plan.quota_period or "DAY"
        window = _period_window(period, EPOCH_MS + ctx.at_ms)
        entry = ctx.state.quotas.setdefault(f"{plan.name}:{key.name}", [window, 0])
        if entry[0] != window:
            entry[:] = [window, 0]
        if entry[1] >= plan.quota_limit:
            raise ctx.fail("api-key", "QUOTA_EXCEEDED", f"The key {key.name} has used all {plan.quota_limit:,} requests "
                           f"of usage plan {plan.name} this {period.lower()} (window {window}).", lesson="api-keys")
        entry[1] += 1
        quota = f"; {entry[1]:,} of {plan.quota_limit:,} requests used this {period.lower()}"
    else:
        quota = "; the plan sets no quota"
    ctx.step("api-key", f"key {key.name}", f"The API key {key.name} (from {where}) is enabled and in usage plan "
             f"{plan.name} for stage {ctx.stage.name}{quota}. The key identifies a client; it is not authentication.",
             lesson="api-keys")


# -- throttling ------------------------------------------------------------------------------------


def take_token(ctx: Ctx, key: str, rate: float, burst: float) -> tuple[bool, float]:
    tokens, at = ctx.state.buckets.get(key, [float(burst), ctx.at_ms])
    tokens = min(float(burst), tokens + max(0.0, ctx.at_ms - at) * rate / 1000.0)
    allowed = tokens >= 1.0
    if allowed:
        tokens -= 1.0
    ctx.state.buckets[key] = [tokens, max(at, ctx.at_ms)]
    return allowed, tokens


def throttling(ctx: Ctx) -> None:
    buckets: list[tuple[str, str, float, float]] = []
    plan, key = ctx.usage_plan, ctx.api_key
    if plan is not None and key is not None and (plan.throttle_rate is not None or plan.throttle_burst is not None):
        rate = plan.throttle_rate if plan.throttle_rate is not None else ACCOUNT_RATE
        burst = plan.throttle_burst if plan.throttle_burst is not None else math.ceil(rate)
        buckets.append((f"usage plan {plan.name}, key {key.name}", f"plan:{plan.name}:{key.name}", rate, burst))
    st = ctx.stage
    route_key = ctx.route.key if ctx.route else (ctx.route_key or "$connect")
    level = "method" if ctx.api.api_type == "rest" else "route"
    if st.throttle_rate is not None or st.throttle_burst is not None:
        rate = st.throttle_rate if st.throttle_rate is not None else ACCOUNT_RATE
        burst = st.throttle_burst if st.throttle_burst is not None else ACCOUNT_BURST
        buckets.append((f"stage {st.name}, {level} {route_key}", f"stage:{st.name}:{route_key}", rate, burst))
    buckets.append(("the account in this Region", "account", ACCOUNT_RATE, ACCOUNT_BURST))
    passed = []
    for label, bucket, rate, burst in buckets:
        allowed, left = take_token(ctx, bucket, rate, burst)
        if not allowed:
            raise ctx.fail("throttling", "THROTTLED",
                           f"The token bucket of {label} (rate {rate:g}/s, burst {burst:g}) is empty at t={ctx.at_ms:g} ms"
                           + (f"; it passed {', '.join(passed)} first" if passed else "")
                           + ". API Gateway applies the most specific limit first: usage plan, then the stage's "
                           f"{level} limit, then the account.", lesson="throttling-levels")
        passed.append(f"{label} ({left:.1f} tokens left)")
    ctx.step("throttling", "passed", "Token buckets, most specific first: " + "; ".join(passed)
             + (". The stage sets no throttling: its methods share the account's limit." if len(buckets) == 1 else ".")
             + " Each stage limit applies to each method separately.", lesson="throttling-levels")
    ctx.not_emulated("throttling", "AWS Regional throttling across all accounts")


# -- request validation (REST) ----------------------------------------------------------------------


def validation(ctx: Ctx) -> None:
    route = ctx.route
    if route is None or ctx.api.api_type != "rest" or not route.request_validator_name:
        return
    validator = route.request_validator
    if validator is None:
        ctx.step("validation", "no validator", f"{route.key} names the request validator "
                 f"{route.request_validator_name!r}, which the design doesn't have: nothing is validated.",
                 lesson="request-validation")
        return
    if validator.validate_parameters:
        ctx.not_emulated("validation", "required request parameters (the design declares none, so there is nothing "
                         "to require)", "request-validation")
    if validator.validate_body:
        ctype = (ctx.request.header("Content-Type") or "application/json").split(";")[0].strip().lower()
        body = ctx.request.body
        problem = ""
        if ctype != "application/json":
            problem = ""
        elif not body.strip():
            problem = "the body is empty"
        else:
            try:
                data = json.loads(body)
                if not isinstance(data, dict):
                    problem = "the body is JSON but not an object"
            except ValueError as exc:
                problem = f"the body is not JSON ({exc})"
        if problem:
            raise ctx.fail("validation", "BAD_REQUEST_BODY",
                           f"The validator {validator.name} checks the body: {problem}. The design has no request "
                           "models, so the sandbox checks against API Gateway's built-in Empty model (a JSON "
                           "object). The integration is never called.", lesson="request-validation")
        ctx.step("validation", "body valid", f"The validator {validator.name} checked the body ({ctype}) against the "
                 "Empty model (a JSON object): valid.", lesson="request-validation")


# -- stage cache (REST) ---------------------------------------------------------------------------------


def cache(ctx: Ctx) -> None:
    st, route = ctx.stage, ctx.route
    if ctx.api.api_type != "rest" or not st.cache_enabled or route is None:
        return
    if ctx.request.method != "GET":
        ctx.step("cache", "not cached", f"The stage cache is on, but only GET methods are cached by default; this is "
                 f"{ctx.request.method}.", lesson="caching")
        return
    if st.cache_ttl <= 0:
        ctx.step("cache", "not cached", "The stage cache is on with a TTL of 0 s: nothing is kept.", lesson="caching")
        return
    arm = "" if ctx.arm == "base" or (st.canary and st.canary.use_stage_cache) else "canary:"
    ctx.cache_key = f"{ctx.deployment.id}:{st.name}:{arm}GET {ctx.request.path}"
    entry = ctx.state.cache.get(ctx.cache_key)
    if entry and entry["expires_ms"] > ctx.at_ms:
        ctx.response = dict(entry["response"], headers=dict(entry["response"]["headers"]))
        ctx.cache_key = ""
        ctx.step("cache", "hit", f"A cached response for GET {ctx.request.path} (kept {st.cache_ttl} s, expires at "
                 f"t={entry['expires_ms']:g} ms) answers; the integration is not called.", lesson="caching")
    else:
        ctx.step("cache", "miss", f"No cached response for GET {ctx.request.path}: the integration is called and a "
                 f"successful answer is kept for {st.cache_ttl} s.", lesson="caching")
    ctx.not_emulated("cache", "cache key parameters (the key is the method and path only; query strings and headers "
                     f"are not part of it), Cache-Control: max-age=0 invalidation and the capacity ({st.cache_size or '0.5'} "
                     "GB)", "caching")


def cache_store(ctx: Ctx) -> None:
    if ctx.cache_key and ctx.response and 200 <= ctx.response["status"] < 300:
        ctx.state.cache[ctx.cache_key] = {"expires_ms": ctx.at_ms + ctx.stage.cache_ttl * 1000.0,
                                          "response": dict(ctx.response)}


# -- responses: CORS headers and API Gateway's own headers ---------------------------------------------------


def cors_headers(ctx: Ctx) -> None:
    response = ctx.response
    if response is None or ctx.cors_preflight or ctx.preflight is not None:
        return
    origin = ctx.request.header("Origin")
    cors = ctx.api.cors
    if ctx.api.api_type == "http" and cors is not None:
        headers = {k: v for k, v in response["headers"].items() if not k.lower().startswith("access-control-")}
        if origin and _origin_allowed(cors.allow_origins, origin):
            headers["Access-Control-Allow-Origin"] = "*" if "*" in cors.allow_origins and not cors.allow_credentials \
                else origin
            if cors.allow_credentials:
                headers["Access-Control-Allow-Credentials"] = "true"
            if cors.expose_headers:
                headers["Access-Control-Expose-Headers"] = ",".join(cors.expose_headers)
            ctx.step("cors", "headers added", f"The HTTP API's CORS configuration adds Access-Control-Allow-Origin: "
                     f"{headers['Access-Control-Allow-Origin']} to the response (errors included), replacing any the "
                     "backend sent.", lesson="cors")
        elif origin:
            ctx.step("cors", "origin not allowed", f"The origin {origin} is not allowed: the response carries no CORS "
                     "headers, so the browser hides it from the page.", lesson="cors")
        response["headers"] = headers
        return
    if ctx.api.api_type == "rest" and origin:
        has = any(k.lower() == "access-control-allow-origin" for k in response["headers"])
        if ctx.error_type:
            ctx.step("cors", "none on the error" if not has else "present",
                     "This is a gateway response; it carries no Access-Control-Allow-Origin unless the gateway "
                     "response is customised, so a browser page can't read it." if not has else
                     "The response carries Access-Control-Allow-Origin.", lesson="cors-on-errors")
        elif not has:
            proxy = ctx.route is not None and ctx.route.integration.proxy
            ctx.step("cors", "missing", "The response has no Access-Control-Allow-Origin: "
                     + ("with a proxy integration the backend must send it itself." if proxy else
                        "a custom integration adds it through its method response (the design's CORS settings)."),
                     lesson="cors")


def finish(ctx: Ctx) -> None:
    response = ctx.response
    if response is None:
        return
    headers = dict(response["headers"])
    if header(headers, "Content-Type") is None and response.get("body"):
        headers["Content-Type"] = "application/json"
    if ctx.api.api_type == "http":
        headers["apigw-requestid"] = ctx.extended_request_id[:14]
    else:
        headers["x-amzn-RequestId"] = ctx.request_id
        headers["x-amz-apigw-id"] = ctx.extended_request_id
    response["headers"] = headers


__all__ = ["ACCOUNT_ID"]
