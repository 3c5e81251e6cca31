"""Sample JWTs for Cognito user pool and JWT authorizers, signed by a key the lab publishes.

The sandbox has no Cognito: it trusts one RSA key, published here (``LAB_PRIVATE_KEY_PEM``, ``jwks()``)
so that anyone can make or check a token. ``sample_token`` signs one with RS256 and the key id
``LAB_KEY_ID``; ``verify`` checks the signature, the key id and the times against the *virtual* clock,
and returns the claims. Issuer, audience/client id and scopes are checked by the authorizer handler,
which knows what the API expects. The key is for the sandbox only: it is public on purpose.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import jwt
from jwt.algorithms import RSAAlgorithm

LAB_KEY_ID = "gateway-academy-lab-1"
LAB_PRIVATE_KEY_PEM = """-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDaA7NiZJOd4Yr7
eYlaGjPQ3WTA/pJU6PGtdX72XSqgMHefr/5m1zV5by8PLFnJ8uQJE00B4KnR+loI
zHUd3SFgyWnRRIN3JzTF6kDO0d0FGXO/F9wpRhYRRM0y2x1yhokECxvHmScP6cXy
a4uAl4n6njsLieaCn/W8Mts3M1BC4MedoOtG0ebO+IXzx0o98+vj6YH6RtQsmEur
A7kJZyJHZghBy0Mu3JElC6pZ9iDMUJDl74Aa4347KVKTL/DUKRxvz5h07kTbTUzz
OFl3DrLsOFwpES52N3Q2FMSdUpo7LTdJY7KsAVMdTvDfJXlE1Y71NO2Wcd12fCWO
KfYJFOmzAgMBAAECggEAEPQ1uIKayi3WeYzvhf7Apc75vVputcSxuqwG9hCztmZe
fyAYGBZHVcy0K6lmyCIn4p7KH8nBWw9tff6sYuil5llzba82zAbT/0oixRKj7fgX
PLaVy+3j3G7tyDUq+pOExzg37lM2KvIijyIW5KakN8WjUNfmAaV/3iVUT9whMzoT
+81bD5C8pHr2yzXRkNi4TP1zgSXe0+1pkdUPKj6+8uOasZGgE0F6FlzzXtHFAe/z
00yq1kWFTM1g6UcExrvLiZ+yn0Rl4JJlRAATzVDA6m9m4UWH+vYtAdVtPkJ4bEfB
V+y+n6aPaetf1oxEOHBIhZMQwNNeXHdl9ZuRbTmI0QKBgQDwwc26ugSoA0yiowGt
K+Gj7/I+CZK8rgD6mgUt4W8wj2S4R0yeZtxKRZC3XmRZPD/zvGJgb/89xi9jgDta
ZGBE/2abxtgNqN++NAvOkEBqXFNzVZ13wMQTXBTY+c2d9l/8RYuRFsG6J9tSV6+d
x8tLSYDqJ8DbJPqkRx0H4Y+l0QKBgQDn0UjckYiYRTlZORUjx9dnSUuAlrJVvYSU
sIUi8AQj97hMU/1RYSBU8hBMR2+H73RoqKKKSPL9qMFJyFdp3pbsg8/48IpxHURm
3nNNX+I9DMBZ1gSqmoTvexE4lSSPB6MUtIaaxPu7mAIisIsxHwiO+TRcckbczfBk
hS8vkKFEQwKBgQDKoAG61tYWZXh5JMHDcjwcklSJe9sgqz2trDURsTq4XubA5VkJ
s75RUA0FFw9Tvw5/3xvY2Em0PvkhQAo0AGi5iU5datPpYyiz1u/c8LEWExA08Ghw
Ii+jr4roNg2klXehRRK6kLGJMAQ5YA0wuLdTbNBvwfdhONUtr6AyQtd4EQKBgDvB
AZQBW4FMjqzF/wH7GDYCeZjKv2tEb7FYEulfjuGqj/H00F4yt//NaZAP9drHSW1U
0pjslt31quUW5BlhC+wpSel0L2tazO/rNTNjnNB5wfcmKIvFSrDkOxsnroXDxTCo
G+43CmBfnWVNtoNR6YXZDLsrpcJyvx1aC0Cqejc7AoGAToorMoUmDz5y6kCbPKJ5
pSG7SglKxTDcsfDeQqI7uThzkYeTjzDzROMhKNZ9lG3Bc/jR3jgthRrV6y7e2upT
9ZF6tCd1ug2cbLXXMzrfTOneo7g4UBz2pHo5iHgPvvSVzu5uio6hQUF2As0owBIG
hAezgj5pAbUoNAAUoH3vTF8=
-----END PRIVATE KEY-----
"""


class TokenError(ValueError):
    """Why a token was refused, in words for the trace."""


@lru_cache(maxsize=1)
def _load_private() -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(LAB_PRIVATE_KEY_PEM.encode(), password=None)


@lru_cache(maxsize=1)
def _public_key() -> Any:
    return _load_private().public_key()


def jwks() -> dict[str, Any]:
    """The JSON Web Key Set the lab publishes (what a JWT authorizer would fetch from the issuer)."""
    key = RSAAlgorithm.to_jwk(_public_key(), as_dict=True)
    return {"keys": [{**key, "kid": LAB_KEY_ID, "alg": "RS256", "use": "sig"}]}


def cognito_issuer(user_pool_arn: str) -> str:
    """``arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_EXAMPLE`` ->
    ``https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE``."""
    parts = user_pool_arn.split(":")
    region = parts[3] if len(parts) > 3 else "us-east-1"
    pool = user_pool_arn.rsplit("/", 1)[-1]
    return f"https://cognito-idp.{region}.amazonaws.com/{pool}"


def sample_token(*, issuer: str, audience: str = "", client_id: str = "", subject: str = "sample-user",
                 scopes: Iterable[str] = (), token_use: str = "", issued_at_s: float, expires_in_s: int = 3600,
                 claims: Mapping[str, Any] | None = None, key_id: str = LAB_KEY_ID) -> str:
    """A signed JWT. ``token_use`` "id" gives an ID token (``aud``); "access" an access token
    (``client_id`` and ``scope``), as Cognito issues them; "" a plain OIDC token with ``aud``."""
    iat = int(issued_at_s)
    body: dict[str, Any] = {"iss": issuer, "sub": subject, "iat": iat, "exp": iat + int(expires_in_s),
                            "jti": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{issuer}|{subject}|{iat}|{token_use}"))}
    if token_use:
        body["token_use"] = token_use
    if token_use == "access":
        body["client_id"] = client_id or audience
    elif audience:
        body["aud"] = audience
    scopes = list(scopes)
    if scopes:
        body["scope"] = " ".join(scopes)
    if token_use == "id":
        body.setdefault("cognito:username", subject)
        body.setdefault("email", f"{subject}@example.com")
    body.update(claims or {})
    return jwt.encode(body, _load_private(), algorithm="RS256", headers={"kid": key_id})


def verify(token: str, now_s: float) -> dict[str, Any]:
    """The token's claims if the lab key signed it and it is valid at ``now_s``; else ``TokenError``."""
    token = token.strip()
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    claims = dict(_signed_claims(token))
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)):
        raise TokenError("the token has no expiry (exp)")
    if now_s >= exp:
        raise TokenError(f"the token expired {int(now_s - exp)} s ago (virtual clock)")
    nbf = claims.get("nbf")
    if isinstance(nbf, (int, float)) and now_s < nbf:
        raise TokenError("the token is not valid yet (nbf)")
    return claims


@lru_cache(maxsize=1024)
def _signed_claims(token: str) -> Mapping[str, Any]:
    """The claims of a token the lab key signed (the signature and key checked, not the times).

    A pure function of the token, so a process remembers it: a client sends the same token again and
    again, and an RSA check per request is most of what a Cognito authorizer costs. Refusals (raised)
    are not remembered. The times are checked by ``verify`` on every request, on the virtual clock."""
    try:
        head = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise TokenError("the token is not a JWT") from None
    if head.get("alg") != "RS256":
        raise TokenError(f"the token is signed with {head.get('alg')!r}; the authorizer accepts RS256 only")
    if head.get("kid") != LAB_KEY_ID:
        raise TokenError(f"the token's key id {head.get('kid')!r} is not in the issuer's key set")
    try:
        return jwt.decode(token, _public_key(), algorithms=["RS256"],
                          options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                                   "verify_aud": False, "verify_iss": False})
    except jwt.InvalidSignatureError:
        raise TokenError("the token's signature doesn't match the issuer's key") from None
    except jwt.PyJWTError as exc:
        raise TokenError(f"the token can't be read: {exc}") from None
