"""Credentials for a learner's account: a role the site assumes, or temporary keys pasted for one run.

Preferred: the learner creates a role in their account from ``role_template(...)`` (a CloudFormation
template, opened with ``quick_create_url(...)``) that trusts the site's AWS principal only when the call
carries the learner's own external ID, with a least-privilege policy: API Gateway on resources tagged by
this site, the Lambda permissions the labs add, the log groups API Gateway makes. The site then calls
``assume_role(role_arn, external_id, ...)`` for each run and gets a ``boto3.Session`` that expires.

Otherwise: temporary credentials pasted for one deployment, parsed by ``Credentials.from_text``. A
``Credentials`` value never shows its secret: not in ``repr``/``str``, not pickled (so it can't become a
task argument), not JSON-serialisable (so it can't go into a record). Hold it in memory for the run, then
drop it.
"""

from __future__ import annotations

import json
import re
import secrets as _secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import boto3

from .plan import TAG_DEPLOYMENT, TAG_SITE

ROLE_SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")


class CredentialsError(ValueError):
    """Pasted text that is not credentials; the message never repeats what was pasted."""


class Credentials:
    """Temporary AWS credentials whose secret parts never show."""

    __slots__ = ("access_key_id", "_secret_access_key", "_session_token", "expiration")

    def __init__(self, access_key_id: str, secret_access_key: str, session_token: str = "",
                 expiration: datetime | str | None = None) -> None:
        if not access_key_id or not secret_access_key:
            raise CredentialsError("an access key id and a secret access key are both needed")
        object.__setattr__(self, "access_key_id", access_key_id.strip())
        object.__setattr__(self, "_secret_access_key", secret_access_key.strip())
        object.__setattr__(self, "_session_token", (session_token or "").strip())
        object.__setattr__(self, "expiration", expiration)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Credentials are read-only")

    @property
    def masked_key_id(self) -> str:
        key = self.access_key_id
        return f"{key[:4]}…{key[-4:]}" if len(key) > 8 else "…"

    @property
    def temporary(self) -> bool:
        return bool(self._session_token)

    def __repr__(self) -> str:
        return (f"Credentials(access_key_id={self.masked_key_id!r}, secret_access_key='***', "
                f"session_token={'***' if self._session_token else ''!r}, expiration={self.expiration!r})")

    __str__ = __repr__

    def __reduce__(self) -> Any:  # pickling would write the secret into a task queue or a cache
        raise TypeError("Credentials can't be pickled: hold them in memory for one run")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Credentials) and (self.access_key_id, self._secret_access_key, self._session_token) == (
            other.access_key_id, other._secret_access_key, other._session_token)

    __hash__ = None  # type: ignore[assignment]

    def secrets(self) -> tuple[str, ...]:
        """The secret strings, for a ``Redactor`` (so a recorder never sees them)."""
        return tuple(s for s in (self._secret_access_key, self._session_token) if s)

    def session(self, region: str | None = None) -> boto3.Session:
        return boto3.Session(aws_access_key_id=self.access_key_id, aws_secret_access_key=self._secret_access_key,
                             aws_session_token=self._session_token or None, region_name=region)

    @classmethod
    def from_text(cls, text: str) -> Credentials:
        """Credentials from what people paste: ``export AWS_...=`` lines (or ``set``/``$Env:`` forms,
        or an ``~/.aws/credentials`` block), or the JSON of ``aws sts get-session-token``/``assume-role``."""
        text = (text or "").strip()
        if not text:
            raise CredentialsError("nothing was pasted")
        if len(text) > 10_000:
            raise CredentialsError("the pasted text is too long to be credentials")
        values: dict[str, str] = {}
        if text.startswith("{"):
            try:
                data = json.loads(text)
            except ValueError:
                raise CredentialsError("the pasted text looks like JSON but is not valid JSON") from None
            data = data.get("Credentials", data) if isinstance(data, Mapping) else {}
            if not isinstance(data, Mapping):
                raise CredentialsError("the JSON has no credentials in it")
            values = {"aws_access_key_id": str(data.get("AccessKeyId", "")),
                      "aws_secret_access_key": str(data.get("SecretAccessKey", "")),
                      "aws_session_token": str(data.get("SessionToken", "")),
                      "expiration": str(data.get("Expiration", ""))}
        else:
            for line in text.splitlines():
                m = re.match(r"""^\s*(?:export\s+|set\s+|\$env:)?([A-Za-z_]+)\s*=\s*["']?([^"'\s]*)["']?\s*$""", line,
                             re.IGNORECASE)
                if m:
                    values[m.group(1).lower()] = m.group(2)
        key = values.get("aws_access_key_id", "")
        secret = values.get("aws_secret_access_key", "")
        token = values.get("aws_session_token", "") or values.get("aws_security_token", "")
        if not key or not secret:
            raise CredentialsError("no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY found in the pasted text")
        if not re.fullmatch(r"(AKIA|ASIA)[A-Z0-9]{12,124}", key):
            raise CredentialsError("the access key id does not look like one (it starts with AKIA or ASIA)")
        return cls(key, secret, token, values.get("expiration") or None)


# --------------------------------------------------------------------------------------------------
# Assuming the learner's role
# --------------------------------------------------------------------------------------------------


def new_external_id() -> str:
    """A learner's external ID: random, unguessable, stored by the site with the learner."""
    return "ga-" + _secrets.token_urlsafe(24)


def assume_role(
    role_arn: str,
    external_id: str,
    *,
    session_name: str = "gateway-academy",
    duration_seconds: int = 3600,
    region: str | None = None,
    base_session: boto3.Session | None = None,
    endpoint_url: str | None = None,
) -> boto3.Session:
    """``sts.assume_role`` with the learner's external ID; a ``boto3.Session`` on the role's temporary
    credentials (they expire after ``duration_seconds``, 900 to the role's maximum)."""
    if not ROLE_SESSION_NAME.match(session_name):
        raise CredentialsError("a role session name is 2-64 letters, digits and +=,.@_-")
    if not EXTERNAL_ID.match(external_id or ""):
        raise CredentialsError("the external ID is missing or has characters STS does not accept")
    if not 900 <= duration_seconds <= 43_200:
        raise CredentialsError("duration_seconds must be between 900 and 43200")
    base = base_session or boto3.Session(region_name=region)
    sts = base.client("sts", region_name=region or base.region_name or "us-east-1", endpoint_url=endpoint_url)
    response = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name, ExternalId=external_id,
                               DurationSeconds=duration_seconds)
    c = response["Credentials"]
    return Credentials(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"], c.get("Expiration")).session(region)


# --------------------------------------------------------------------------------------------------
# The role template
# --------------------------------------------------------------------------------------------------

ROLE_NAME = "GatewayAcademyDeployer"


def role_template(site_principal: str, external_id: str, *, site: str = "gateway-academy",
                  role_name: str = ROLE_NAME, max_session_seconds: int = 3600) -> dict[str, Any]:
    """A CloudFormation template making the role the site assumes in a learner's account.

    ``site_principal``: the site's AWS account id (``"111122223333"``) or the ARN of the role/user the
    site runs as. ``external_id``: the learner's own (``new_external_id()``). ``site``: the value of the
    ``gateway-academy:site`` tag the deployer puts on everything it makes; the policy allows changes only
    to resources carrying it.
    """
    principal = f"arn:aws:iam::{site_principal}:root" if re.fullmatch(r"\d{12}", site_principal) else site_principal
    api = "arn:${AWS::Partition}:apigateway:*::"
    site_tag = {f"aws:ResourceTag/{TAG_SITE}": "${SiteTag}"}
    request_tag = {f"aws:RequestTag/{TAG_SITE}": "${SiteTag}"}
    statements: list[dict[str, Any]] = [
        {"Sid": "ListAndRead", "Effect": "Allow", "Action": "apigateway:GET",
         "Resource": [f"{api}/restapis", f"{api}/apis", f"{api}/apikeys", f"{api}/usageplans", f"{api}/account",
                      f"{api}/tags/*"]},
        {"Sid": "CreateOnlyTagged", "Effect": "Allow", "Action": ["apigateway:POST", "apigateway:PUT"],
         "Resource": [f"{api}/restapis", f"{api}/apis", f"{api}/apikeys", f"{api}/usageplans", f"{api}/tags/*"],
         "Condition": {"StringEquals": request_tag}},
        # REST API children (resources, methods, stages...) inherit the REST API's tags for access control
        {"Sid": "ManageTaggedRestApisKeysPlans", "Effect": "Allow",
         "Action": ["apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"],
         "Resource": [f"{api}/restapis/*", f"{api}/apikeys/*", f"{api}/usageplans/*"],
         "Condition": {"StringEquals": site_tag}},
        {"Sid": "ManageTaggedHttpAndWebSocketApis", "Effect": "Allow",
         "Action": ["apigateway:GET", "apigateway:PATCH", "apigateway:DELETE"], "Resource": [f"{api}/apis/*"],
         "Condition": {"StringEquals": site_tag}},
        # HTTP and WebSocket routes, integrations, authorizers and deployments carry no tags and inherit
        # none: they can only be limited to children of an API (the API itself is tag-guarded above)
        {"Sid": "ManageHttpAndWebSocketApiChildren", "Effect": "Allow",
         "Action": ["apigateway:GET", "apigateway:POST", "apigateway:PATCH", "apigateway:DELETE"],
         "Resource": [f"{api}/apis/*/*"]},
        {"Sid": "LambdaPermissionsForApiGatewayOnly", "Effect": "Allow", "Action": "lambda:AddPermission",
         "Resource": "arn:${AWS::Partition}:lambda:*:${AWS::AccountId}:function:*",
         "Condition": {"StringEquals": {"lambda:Principal": "apigateway.amazonaws.com"}}},
        {"Sid": "LambdaPermissionsCleanup", "Effect": "Allow",
         "Action": ["lambda:RemovePermission", "lambda:GetPolicy", "lambda:GetFunction"],
         "Resource": "arn:${AWS::Partition}:lambda:*:${AWS::AccountId}:function:*"},
        {"Sid": "PassRolesToApiGatewayOnly", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*",
         "Condition": {"StringEquals": {"iam:PassedToService": "apigateway.amazonaws.com"}}},
        {"Sid": "ExecutionLogGroups", "Effect": "Allow", "Action": ["logs:DescribeLogGroups"], "Resource": "*"},
        {"Sid": "DeleteExecutionLogGroups", "Effect": "Allow", "Action": "logs:DeleteLogGroup",
         "Resource": ["arn:${AWS::Partition}:logs:*:${AWS::AccountId}:log-group:API-Gateway-Execution-Logs_*",
                      "arn:${AWS::Partition}:logs:*:${AWS::AccountId}:log-group:/aws/apigateway/*"]},
    ]
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Gateway Academy: the role the site assumes to deploy and tear down your lab APIs "
                       f"(API Gateway resources tagged {TAG_SITE}, their Lambda permissions and log groups).",
        "Parameters": {
            "ExternalId": {"Type": "String", "Default": external_id, "NoEcho": True, "MinLength": 2,
                           "Description": "Your external ID from Gateway Academy (only the site knows it)"},
            "SitePrincipal": {"Type": "String", "Default": principal,
                              "Description": "The AWS principal Gateway Academy runs as"},
            "SiteTag": {"Type": "String", "Default": site,
                        "Description": f"The value of the {TAG_SITE} tag on everything the site makes"},
        },
        "Resources": {
            "DeployerRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": role_name,
                    "MaxSessionDuration": max_session_seconds,
                    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                        "Effect": "Allow", "Principal": {"AWS": {"Ref": "SitePrincipal"}}, "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}},
                    }]},
                    "Policies": [{"PolicyName": "GatewayAcademyLabs",
                                  "PolicyDocument": {"Version": "2012-10-17", "Statement": _sub_all(statements)}}],
                    "Tags": [{"Key": TAG_SITE, "Value": {"Ref": "SiteTag"}}],
                },
            },
        },
        "Outputs": {"RoleArn": {"Description": "Paste this into Gateway Academy", "Value": {"Fn::GetAtt": ["DeployerRole", "Arn"]}}},
    }


def _sub_all(value: Any) -> Any:
    """Strings with ``${...}`` become ``Fn::Sub`` (partition, account id and the SiteTag parameter)."""
    if isinstance(value, Mapping):
        return {k: _sub_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sub_all(v) for v in value]
    if isinstance(value, str) and "${" in value:
        return {"Fn::Sub": value}
    return value


def quick_create_url(template_url: str, *, region: str = "us-east-1", stack_name: str = "gateway-academy",
                     parameters: Mapping[str, str] | None = None) -> str:
    """The CloudFormation console's quick-create link for the template hosted at ``template_url``
    (an S3 URL the site serves the template from)."""
    query = {"templateURL": template_url, "stackName": stack_name}
    query |= {f"param_{k}": v for k, v in (parameters or {}).items()}
    return (f"https://console.aws.amazon.com/cloudformation/home?region={region}"
            f"#/stacks/create/review?{urlencode(query)}")


__all__ = ["Credentials", "CredentialsError", "assume_role", "new_external_id", "quick_create_url", "role_template",
           "ROLE_NAME", "TAG_DEPLOYMENT"]
