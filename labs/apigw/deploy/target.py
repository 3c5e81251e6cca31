"""Where a deployment goes: a boto3 Session, a Region, an optional endpoint (moto, LocalStack).

Clients retry with botocore's own retry modes, not ours: ``adaptive`` (the default) is ``standard``
(exponential backoff with jitter on throttling and transient errors, ``max_attempts`` in all) plus a
client-side rate limiter that slows down once AWS starts throttling, which suits API Gateway's control
plane (CreateRestApi 1 per 3 s, CreateDeployment 1 per 5 s, DeleteRestApi 1 per 30 s per account).
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from .redact import Redactor

DEFAULT_MAX_ATTEMPTS = 8


class Target:
    def __init__(self, session: boto3.Session, region: str, endpoint_url: str | None = None, *,
                 max_attempts: int = DEFAULT_MAX_ATTEMPTS, retry_mode: str = "adaptive",
                 connect_timeout: float = 10, read_timeout: float = 60) -> None:
        self.session = session
        self.region = region
        self.endpoint_url = endpoint_url or None
        self.config = Config(retries={"mode": retry_mode, "max_attempts": max_attempts},
                             connect_timeout=connect_timeout, read_timeout=read_timeout,
                             user_agent_extra="gateway-academy-deployer")
        self._clients: dict[tuple[str, str], Any] = {}
        self.redactor = Redactor(self._secrets())

    def _secrets(self) -> list[str]:
        try:
            creds = self.session.get_credentials()
        except Exception:  # noqa: BLE001 — no credentials yet is the executor's error to report, not ours
            return []
        if creds is None:
            return []
        frozen = creds.get_frozen_credentials()
        return [s for s in (frozen.secret_key, frozen.token) if s]

    def client(self, service: str, region: str | None = None) -> Any:
        region = region or self.region
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self.session.client(service, region_name=region, endpoint_url=self.endpoint_url,
                                                     config=self.config)
        return self._clients[key]
