"""Secrets out of everything the deployer records: requests, responses, error messages.

Three nets, because one is never enough:

1. fields that are secret by name (``SecretAccessKey``, ``SessionToken``, ``Password``...), anywhere;
2. fields secret for one operation (an API key's ``value`` in ``create_api_key``'s response);
3. the exact secret strings of the credentials in use (``Redactor(secrets=...)``), wherever they appear,
   and values shaped like AWS secrets (40-character secret keys, long session tokens).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***redacted***"
# (not "credentials": on put_integration it is the role ARN API Gateway assumes, which is no secret)
_SECRET_NAMES = re.compile(r"(secret|password|passwd|sessiontoken|session_token|privatekey|private_key|"
                           r"^authorization$|clientsecret|^token$|x-amz-security-token)", re.IGNORECASE)
#: operation -> response fields that hold a secret there
SECRET_FIELDS = {
    "create_api_key": {"value"},
    "get_api_key": {"value"},
    "get_api_keys": {"value"},
    "update_api_key": {"value"},
    "assume_role": {"Credentials"},
    "get_session_token": {"Credentials"},
}
_SECRET_KEY_SHAPE = re.compile(r"^[A-Za-z0-9/+]{40}$")
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9/+=]{100,}$")


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def add(self, *secrets: str | None) -> None:
        self.secrets = sorted(set(self.secrets) | {s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self.secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        if _SECRET_KEY_SHAPE.match(value) and re.search(r"[A-Z]", value) and re.search(r"[a-z]", value) \
                and re.search(r"\d", value):
            return MASK
        if _TOKEN_SHAPE.match(value):
            return MASK
        return value

    def __call__(self, value: Any, operation: str = "") -> Any:
        fields = SECRET_FIELDS.get(operation, set())
        return self._walk(value, fields, top=True)

    def _walk(self, value: Any, fields: set[str], top: bool = False) -> Any:
        if isinstance(value, Mapping):
            out = {}
            for k, v in value.items():
                key = str(k)
                if _SECRET_NAMES.search(key) or key in fields:
                    out[key] = MASK
                else:
                    out[key] = self._walk(v, fields if key == "items" else fields if top else set())
            return out
        if isinstance(value, list | tuple):
            return [self._walk(v, fields, top) for v in value]
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, bytes):
            return f"<{len(value)} bytes>"
        if value is None or isinstance(value, bool | int | float):
            return value
        return self.text(str(value))


def redact(value: Any, operation: str = "", secrets: Iterable[str] = ()) -> Any:
    return Redactor(secrets)(value, operation)
