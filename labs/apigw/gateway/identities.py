"""Sample IAM identities that "sign" sandbox requests with Signature Version 4.

A request names one with ``Request(identity="backend")``, or with an ``Authorization:
AWS4-HMAC-SHA256 Credential=<access key id>/...`` header whose access key id is one of these. The
signature itself is not checked (nothing secret exists in the sandbox): the access key id stands for
the caller, and each identity's own IAM policy decides what it may invoke.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .core import ACCOUNT_ID

OTHER_ACCOUNT_ID = "444455556666"


@dataclass(frozen=True)
class SampleIdentity:
    name: str
    arn: str  # what $context.identity.userArn / caller show
    account: str
    access_key: str
    summary: str
    policy: dict[str, Any] = field(default_factory=dict)
    expired: bool = False


def _allow(resource: str) -> dict[str, Any]:
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resource}]}


SAMPLE_IDENTITIES: dict[str, SampleIdentity] = {
    i.name: i
    for i in (
        SampleIdentity("backend", f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/shop-backend/i-0abc",
                       ACCOUNT_ID, "AKIASANDBOXBACKEND01", "the team's backend role: may invoke every API",
                       _allow("arn:aws:execute-api:*:*:*")),
        SampleIdentity("reader", f"arn:aws:iam::{ACCOUNT_ID}:user/reader", ACCOUNT_ID, "AKIASANDBOXREADER001",
                       "a user who may invoke GET methods only", _allow("arn:aws:execute-api:*:*:*/*/GET/*")),
        SampleIdentity("intern", f"arn:aws:iam::{ACCOUNT_ID}:user/intern", ACCOUNT_ID, "AKIASANDBOXINTERN001",
                       "a user of the account with no API Gateway permission"),
        SampleIdentity("partner", f"arn:aws:iam::{OTHER_ACCOUNT_ID}:role/partner-app", OTHER_ACCOUNT_ID,
                       "AKIASANDBOXPARTNER01", "a role in another account: allowed only if the resource policy says so",
                       _allow("arn:aws:execute-api:*:*:*")),
        SampleIdentity("expired", f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/shop-backend/old-session", ACCOUNT_ID,
                       "ASIASANDBOXEXPIRED01", "temporary credentials that have expired", expired=True),
    )
}

_BY_KEY = {i.access_key: i for i in SAMPLE_IDENTITIES.values()}
_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/")


def signer(identity_name: str, authorization: str | None) -> tuple[SampleIdentity | None, str]:
    """Who signed the request: (identity or None, how we know). ``("", "")`` means unsigned."""
    if identity_name:
        ident = SAMPLE_IDENTITIES.get(identity_name)
        return ident, f"signed by the sample identity {identity_name!r}" if ident else f"unknown identity {identity_name!r}"
    if authorization and authorization.startswith("AWS4-HMAC-SHA256"):
        m = _CREDENTIAL.search(authorization)
        key = m.group(1) if m else ""
        ident = _BY_KEY.get(key)
        return ident, f"signed with the access key {key or '(none)'}"
    return None, ""
