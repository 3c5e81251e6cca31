"""Authorization: none, IAM (sample identities), Lambda authorizers (sample functions, with their result
cache), Cognito user pools and JWT authorizers (sample tokens signed by the lab's key)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..resolved import ResolvedAuthorizer, substitute_stage_variables
from .functions import FunctionNotFound, invoke as functions_invoke
from .policy import evaluate
from .tokens import TokenError, cognito_issuer, verify
from .context import Ctx
from .handlers import _denial

AUTHORIZER_TIMEOUT_MS = 10_000


def authorization(ctx: Ctx) -> None:
    route = ctx.route
    if route is None:
        return
    kind = route.authorization
    if ctx.api.api_type == "websocket" and ctx.event_type != "CONNECT":
        ctx.step("authorization", "on $connect only", "A WebSocket API authorizes once, when the client connects; "
                 "messages on an open connection are not authorized again.", lesson="ws-connect-auth")
        return
    if kind == "NONE":
        _none(ctx)
    elif kind == "AWS_IAM":
        _iam(ctx)
    elif kind in ("CUSTOM", "COGNITO_USER_POOLS", "JWT"):
        authorizer = route.authorizer
        if authorizer is None:
            raise ctx.fail("authorization", "AUTHORIZER_CONFIGURATION_ERROR",
                           f"{route.key} uses {kind} authorization with the authorizer {route.authorizer_name!r}, "
                           "which the design doesn't have.", lesson="security")
        if authorizer.type in ("TOKEN", "REQUEST", ""):
            _lambda_authorizer(ctx, authorizer)
        elif authorizer.type == "COGNITO_USER_POOLS":
            _cognito(ctx, authorizer)
        elif authorizer.type == "JWT":
            _jwt(ctx, authorizer)
        else:
            ctx.not_emulated("authorization", f"the authorizer type {authorizer.type!r}")
    else:
        ctx.not_emulated("authorization", f"the authorization type {kind!r} (the request goes through)")
    _implicit_deny(ctx, kind)


def _none(ctx: Ctx) -> None:
    ctx.step("authorization", "none", f"{ctx.route.key} has no authorization (NONE): whoever reaches it may call it.",
             lesson="security")


def _implicit_deny(ctx: Ctx, kind: str) -> None:
    """A resource policy that allows nothing denies, unless IAM or an authorizer allowed the caller."""
    if ctx.policy is None or ctx.policy.allowed or ctx.policy.explicit_deny or kind != "NONE":
        return
    raise ctx.fail("authorization", "ACCESS_DENIED", "The resource policy allows nothing for this caller and the "
                   "method has no authorization that could: an implicit deny.", lesson="resource-policy",
                   message=_denial("anonymous", ctx.method_arn, explicit=False))


# -- IAM ---------------------------------------------------------------------------------------------


def _iam(ctx: Ctx) -> None:
    ident = ctx.signer
    if ident is None and not ctx.signer_note:
        if ctx.api.api_type == "http":
            raise ctx.fail("authorization", "FORBIDDEN", "The route uses IAM authorization and the request is not "
                           "signed with Signature Version 4.", lesson="sigv4")
        raise ctx.fail("authorization", "MISSING_AUTHENTICATION_TOKEN",
                       "The method uses IAM authorization and the request is not signed with Signature Version 4 "
                       "(no sample identity, no AWS4-HMAC-SHA256 Authorization header).", lesson="sigv4")
    if ident is None:
        raise ctx.fail("authorization", "INVALID_SIGNATURE", f"The request is {ctx.signer_note}, which is none of the "
                       "sample identities.", lesson="iam")
    if ident.expired:
        raise ctx.fail("authorization", "EXPIRED_TOKEN", f"The request is {ctx.signer_note}: its temporary credentials "
                       "have expired.", lesson="iam")
    own = evaluate(ident.policy, resource=ctx.method_arn, arn_prefix=ctx.arn_prefix, identity_policy=True)
    resource = ctx.policy
    same_account = ident.account == ctx.arn_prefix.split(":")[4]
    granted_by_resource = resource is not None and resource.allowed
    if own.explicit_deny or (same_account and not (own.allowed or granted_by_resource)) or (
            not same_account and not (own.allowed and granted_by_resource)):
        why = ("its own policy denies it" if own.explicit_deny else
               "neither its IAM policy nor the resource policy allows it" if same_account else
               "it is in another account, so both its own policy and the API's resource policy must allow it")
        raise ctx.fail("authorization", "ACCESS_DENIED", f"The request is {ctx.signer_note} ({ident.arn}), but {why} "
                       f"to invoke {ctx.method_arn}.", lesson="iam", key="Message",
                       message=_denial(ident.arn, ctx.method_arn, explicit=own.explicit_deny))
    ctx.step("authorization", f"IAM: {ident.name}", f"The request is {ctx.signer_note} ({ident.arn}); "
             + ("its IAM policy allows execute-api:Invoke on this method" if own.allowed else
                "the resource policy allows it") + ".", lesson="iam")
    ctx.not_emulated("authorization", "the signature itself (the sandbox trusts the access key id to name a sample "
                     "identity; nothing secret exists here)", "sigv4")


# -- identity sources --------------------------------------------------------------------------------


def _identity_value(ctx: Ctx, source: str) -> str | None:
    source = source.strip()
    for prefix in ("method.request.", "route.request.", "$request."):
        if source.startswith(prefix):
            where, _, name = source[len(prefix):].partition(".")
            if where == "header":
                return ctx.request.header(name)
            if where == "querystring":
                values = ctx.request.query_params.get(name)
                return values[-1] if values else None
            return None
    for prefix in ("stageVariables.", "$stageVariables."):
        if source.startswith(prefix):
            return ctx.variables.get(source[len(prefix):])
    for prefix in ("context.", "$context."):
        if source.startswith(prefix):
            value = ctx.context_variables().get(source[len(prefix):])
            return None if value is None else str(value)
    return None


# -- Lambda authorizers ---------------------------------------------------------------------------------


def _authorizer_event(ctx: Ctx, authorizer: ResolvedAuthorizer, values: list[str]) -> tuple[dict[str, Any], str]:
    req = ctx.request
    if ctx.api.api_type == "http" and authorizer.payload_format_version != "1.0":
        from .integration import proxy_event_v2

        event = proxy_event_v2(ctx)
        event.pop("body", None)
        event.pop("isBase64Encoded", None)
        return {"version": "2.0", "type": "REQUEST", "routeArn": ctx.route_arn, "identitySource": values,
                **{k: v for k, v in event.items() if k != "version"}}, ctx.route_arn
    if authorizer.type == "TOKEN":
        return {"type": "TOKEN", "authorizationToken": values[0] if values else "", "methodArn": ctx.method_arn}, \
            ctx.method_arn
    from .integration import proxy_event_v1

    event = proxy_event_v1(ctx)
    event.pop("body", None)
    event.pop("isBase64Encoded", None)
    if ctx.api.api_type == "websocket":
        return {"type": "REQUEST", "methodArn": ctx.method_arn, "headers": dict(req.headers),
                "queryStringParameters": event.get("queryStringParameters"),
                "stageVariables": dict(ctx.variables), "requestContext": event["requestContext"]}, ctx.method_arn
    return {"type": "REQUEST", "methodArn": ctx.method_arn, **event}, ctx.method_arn


def _lambda_authorizer(ctx: Ctx, authorizer: ResolvedAuthorizer) -> None:
    api = ctx.api
    sources = list(authorizer.identity_sources)
    values = [_identity_value(ctx, s) for s in sources]
    ttl = authorizer.effective_ttl_seconds
    missing = [s for s, v in zip(sources, values) if not v]
    required = authorizer.type == "TOKEN" or api.api_type == "http" or ttl > 0
    if missing and required:
        raise ctx.fail("authorization", "UNAUTHORIZED", f"The {authorizer.type or 'Lambda'} authorizer "
                       f"{authorizer.name} needs {', '.join(missing)}, and the request doesn't have it: API Gateway "
                       "answers 401 without calling the function.", lesson="lambda-authorizers")
    present = [v or "" for v in values]
    cache_key = f"{ctx.deployment.id}:{ctx.stage.name}:{authorizer.name}:" + json.dumps(present)
    cached = ctx.state.authorizer_cache.get(cache_key) if ttl > 0 else None
    if cached and cached["expires_ms"] > ctx.now_ms:
        result, duration = cached["result"], 0.0
        how = (f"the cached result for this identity (cached at t={cached['at_ms']:g} ms, TTL {ttl} s): the function "
               "is not called. The cached policy is checked against this request's ARN")
    else:
        event, _ = _authorizer_event(ctx, authorizer, present)
        arn = substitute_stage_variables(authorizer.lambda_arn, ctx.variables)
        simple = api.api_type == "http" and authorizer.simple_responses
        try:
            inv = functions_invoke(arn, event, services=ctx.services(), request_id=ctx.request_id, kind="authorizer",
                                   simple_responses=simple)
        except FunctionNotFound as exc:
            raise ctx.fail("authorization", "AUTHORIZER_CONFIGURATION_ERROR", f"The authorizer function can't be "
                           f"invoked: {exc}.", lesson="lambda-authorizers") from None
        duration = min(inv.duration_ms, AUTHORIZER_TIMEOUT_MS)
        if inv.duration_ms > AUTHORIZER_TIMEOUT_MS:
            raise ctx.fail("authorization", "AUTHORIZER_FAILURE", f"The authorizer function ran past "
                           f"{AUTHORIZER_TIMEOUT_MS / 1000:g} s.", ms=duration, lesson="lambda-authorizers")
        if inv.function_error:
            message = inv.payload.get("errorMessage", "")
            if message == "Unauthorized":
                raise ctx.fail("authorization", "UNAUTHORIZED", f"The authorizer function {inv.function} raised "
                               "\"Unauthorized\": API Gateway answers 401.", ms=duration, lesson="lambda-authorizers")
            raise ctx.fail("authorization", "AUTHORIZER_FAILURE", f"The authorizer function {inv.function} failed "
                           f"({message!r}); any error other than \"Unauthorized\" is a 500.", ms=duration,
                           lesson="lambda-authorizers")
        result = inv.payload
        if ttl > 0:
            ctx.state.authorizer_cache[cache_key] = {"expires_ms": ctx.now_ms + duration + ttl * 1000.0,
                                                     "at_ms": ctx.now_ms + duration, "result": result}
        how = f"the function {inv.function} (version {inv.version}), which answered in {duration:g} ms" + (
            f"; its result is cached for {ttl} s per identity" if ttl > 0 else "; results are not cached (TTL 0)")
    _apply_authorizer_result(ctx, authorizer, result, how, duration)


def _apply_authorizer_result(ctx: Ctx, authorizer: ResolvedAuthorizer, result: Any, how: str, duration: float) -> None:
    if ctx.api.api_type == "http" and authorizer.simple_responses:
        if not isinstance(result, Mapping) or not isinstance(result.get("isAuthorized"), bool):
            raise ctx.fail("authorization", "AUTHORIZER_FAILURE", "A simple response must be "
                           "{\"isAuthorized\": true|false, \"context\": {...}}.", ms=duration, lesson="lambda-authorizers")
        if not result["isAuthorized"]:
            raise ctx.fail("authorization", "FORBIDDEN", f"The authorizer {authorizer.name} ({how}) answered "
                           "isAuthorized: false.", ms=duration, lesson="lambda-authorizers")
        ctx.authorizer = {"lambda": dict(result.get("context") or {})}
        ctx.step("authorization", f"allowed by {authorizer.name}", f"{how}; it answered isAuthorized: true.",
                 duration, "lambda-authorizers")
        return
    if not isinstance(result, Mapping) or "principalId" not in result or not isinstance(result.get("policyDocument"), Mapping):
        raise ctx.fail("authorization", "AUTHORIZER_CONFIGURATION_ERROR", f"The authorizer {authorizer.name} ({how}) "
                       "returned no principalId and policyDocument.", ms=duration, lesson="lambda-authorizers")
    resource = ctx.route_arn if ctx.api.api_type == "http" else ctx.method_arn
    decision = evaluate(result["policyDocument"], resource=resource, arn_prefix=ctx.arn_prefix,
                               identity_policy=True)
    if decision.explicit_deny:
        raise ctx.fail("authorization", "ACCESS_DENIED", f"The authorizer {authorizer.name} ({how}) returned a policy "
                       f"that denies {resource}.", ms=duration, lesson="lambda-authorizers", key="Message",
                       message="User is not authorized to access this resource with an explicit deny")
    if not decision.allowed:
        raise ctx.fail("authorization", "ACCESS_DENIED", f"The authorizer {authorizer.name} ({how}) returned a policy "
                       f"that doesn't allow {resource} — a cached policy written for one method denies the others.",
                       ms=duration, lesson="lambda-authorizers", key="Message",
                       message="User is not authorized to access this resource")
    context = {k: v for k, v in (result.get("context") or {}).items() if isinstance(v, (str, int, float, bool))}
    ctx.principal_id = str(result["principalId"])
    ctx.usage_identifier_key = str(result.get("usageIdentifierKey") or "")
    ctx.authorizer = {"principalId": ctx.principal_id, **context}
    if ctx.api.api_type == "http":
        ctx.authorizer = {"lambda": {"principalId": ctx.principal_id, **context}}
    ctx.step("authorization", f"allowed by {authorizer.name}", f"{how}. Its policy allows {resource} for principal "
             f"{ctx.principal_id}.", duration, "lambda-authorizers")


# -- Cognito user pools (REST) and JWT (HTTP) -------------------------------------------------------------


def _bearer(ctx: Ctx, authorizer: ResolvedAuthorizer) -> str | None:
    value = _identity_value(ctx, authorizer.identity_sources[0]) if authorizer.identity_sources else None
    return value


def _cognito(ctx: Ctx, authorizer: ResolvedAuthorizer) -> None:
    token = _bearer(ctx, authorizer)
    if not token:
        raise ctx.fail("authorization", "UNAUTHORIZED", f"The Cognito authorizer {authorizer.name} reads "
                       f"{authorizer.identity_source}, and the request has none.", lesson="cognito")
    try:
        claims = verify(token, ctx.now_ms / 1000 + tokens_epoch_s())
    except TokenError as exc:
        raise ctx.fail("authorization", "UNAUTHORIZED", f"The token was refused: {exc}.", lesson="cognito") from None
    issuers = {cognito_issuer(arn): arn for arn in authorizer.user_pool_arns}
    if claims.get("iss") not in issuers:
        raise ctx.fail("authorization", "UNAUTHORIZED", f"The token was issued by {claims.get('iss')!r}, not by the "
                       f"authorizer's user pool(s) ({', '.join(issuers) or 'none'}).", lesson="cognito")
    use = claims.get("token_use")
    scopes = ctx.route.scopes
    granted = str(claims.get("scope", "")).split()
    if scopes:
        if use != "access" or not set(scopes) & set(granted):
            raise ctx.fail("authorization", "UNAUTHORIZED", f"{ctx.route.key} requires one of the scopes "
                           f"{', '.join(scopes)}; that needs an access token carrying one, and this is "
                           f"{'an ID token' if use == 'id' else 'a token with scopes ' + (', '.join(granted) or 'none')}.",
                           lesson="cognito")
    elif use not in ("id", "access"):
        raise ctx.fail("authorization", "UNAUTHORIZED", "The token is not a Cognito ID or access token (token_use).",
                       lesson="cognito")
    ctx.authorizer = {"claims": {k: v if isinstance(v, str) else json.dumps(v) for k, v in claims.items()}}
    ctx.step("authorization", f"allowed by {authorizer.name}", f"A valid {use} token for {claims.get('sub')} from the "
             f"user pool {issuers[claims['iss']].rsplit('/', 1)[-1]}, signed by the lab's key, not expired (virtual "
             "clock)" + (f", with the scope {', '.join(set(scopes) & set(granted))}" if scopes else "") + ".",
             lesson="cognito")


def tokens_epoch_s() -> float:
    from .core import EPOCH_MS

    return EPOCH_MS / 1000


def _jwt(ctx: Ctx, authorizer: ResolvedAuthorizer) -> None:
    token = _bearer(ctx, authorizer)
    challenge = {"www-authenticate": "Bearer"}
    if not token:
        raise ctx.fail("authorization", "UNAUTHORIZED", f"The JWT authorizer {authorizer.name} reads "
                       f"{authorizer.identity_source}, and the request has none.", lesson="jwt", headers=challenge)
    try:
        claims = verify(token, ctx.now_ms / 1000 + tokens_epoch_s())
    except TokenError as exc:
        raise ctx.fail("authorization", "UNAUTHORIZED", f"The token was refused: {exc}.", lesson="jwt",
                       headers={"www-authenticate": f'Bearer error="invalid_token" error_description="{exc}"'}) from None
    if claims.get("iss") != authorizer.issuer:
        raise ctx.fail("authorization", "UNAUTHORIZED", f"The token's issuer {claims.get('iss')!r} is not the "
                       f"authorizer's issuer {authorizer.issuer!r}.", lesson="jwt",
                       headers={"www-authenticate": 'Bearer error="invalid_token" error_description="the token has an '
                                'invalid issuer"'})
    aud = claims.get("aud")
    audiences = set(aud if isinstance(aud, list) else [aud] if aud else []) | (
        {claims["client_id"]} if claims.get("client_id") else set())
    if not audiences & set(authorizer.audience):
        got = ", ".join(sorted(map(str, audiences))) or "no audience"
        raise ctx.fail("authorization", "UNAUTHORIZED", f"The token is for {got}; the authorizer accepts "
                       f"{', '.join(authorizer.audience) or 'none'} (aud or client_id).",
                       lesson="jwt", headers={"www-authenticate": 'Bearer error="invalid_token" '
                                              'error_description="the token does not have a valid audience"'})
    granted = str(claims.get("scope", "") or claims.get("scp", "")).split()
    scopes = ctx.route.scopes
    if scopes and not set(scopes) & set(granted):
        raise ctx.fail("authorization", "FORBIDDEN", f"{ctx.route.key} requires one of the scopes {', '.join(scopes)}; "
                       f"the token has {', '.join(granted) or 'none'}.", lesson="jwt",
                       headers={"www-authenticate": f'Bearer scope="{" ".join(scopes)}" error="insufficient_scope" '
                                'error_description="expected scopes: ' + " ".join(scopes) + '"'})
    flat = {k: v if isinstance(v, str) else json.dumps(v) for k, v in claims.items()}
    ctx.authorizer = {"jwt": {"claims": flat, "scopes": granted or None}}
    ctx.step("authorization", f"allowed by {authorizer.name}", f"A valid JWT for {claims.get('sub')} from "
             f"{authorizer.issuer}, audience {', '.join(sorted(map(str, audiences & set(authorizer.audience))))}, "
             "signed by the lab's key, not expired (virtual clock)."
             + (f" Scope {', '.join(set(scopes) & set(granted))} granted." if scopes else ""), lesson="jwt")
