"""moto as a real server process on 127.0.0.1, with a small HTTP proxy in front of it for the tests.

The deployer under test speaks plain AWS HTTP to ``endpoint`` (the proxy); nothing patches boto3. The
proxy forwards every request to moto and adds three things moto lacks:

* **faults**: fail the Nth call that changes something (``fail_nth``) — before forwarding it (the call
  never happened) or after (it happened, but its response is lost) — or throttle one operation for
  its first K calls (``throttle``), answering as AWS does (``TooManyRequestsException``, HTTP 429);
* **a request log** (``requests``): what was sent, to check e.g. the external ID in AssumeRole;
* **HTTP and WebSocket API deployments**: moto 5.2.5 does not implement apigatewayv2
  ``CreateDeployment``/``GetDeployments``/``DeleteDeployment`` (404), which a WebSocket API needs;
  the proxy answers those three from a dict. Everything else is moto's.

``moto`` (session-scoped fixture) starts ``python -m moto.server -H 127.0.0.1 -p <free port>`` and the
proxy; ``aws`` (per test) resets both (``POST /moto-api/reset``) and sets fake credentials.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
                    "AWS_DEFAULT_REGION": REGION}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_READ = re.compile(r"(^|\.)(Get|List|Describe)[A-Z]")


def is_change(method: str, headers: Any, body: bytes) -> bool:
    """A call that changes something (what ``fail_nth`` counts): not a GET, not a Get/List/Describe."""
    if method == "GET":
        return False
    target = headers.get("X-Amz-Target", "")
    if target:
        return not _READ.search(target.split(".")[-1])
    if "x-www-form-urlencoded" in headers.get("Content-Type", ""):
        action = re.search(rb"Action=([A-Za-z]+)", body)
        return not (action and _READ.match(action.group(1).decode()))
    return True


@dataclass
class Fault:
    nth: int
    code: str = "AccessDeniedException"
    status: int = 403
    message: str = "User: arn:aws:sts::123456789012:assumed-role/learner is not authorized to perform this action"
    after: bool = False  # forward first: the call takes effect, its response is lost
    fired: bool = False


@dataclass
class ProxyState:
    faults: list[Fault] = field(default_factory=list)
    throttles: dict[str, int] = field(default_factory=dict)  # "METHOD path-regex" -> times left
    changes: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    v2_deployments: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Proxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.state = ProxyState()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                # headers and body go out in two writes: without this, Nagle and delayed ACKs add 40 ms a call
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _any(self) -> None:
                proxy.handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        self.state = ProxyState()

    def fail_nth(self, nth: int, **kw: Any) -> Fault:
        fault = Fault(nth, **kw)
        with self.state.lock:
            self.state.faults.append(fault)
            self.state.changes = 0
        return fault

    def throttle(self, method_and_path: str, times: int) -> None:
        self.state.throttles[method_and_path] = times

    # -- the work -------------------------------------------------------------------------------

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        path = h.path
        st = self.state
        with st.lock:
            st.requests.append({"method": h.command, "path": path, "body": body.decode("utf-8", "replace"),
                                "target": h.headers.get("X-Amz-Target", "")})
            throttled = next((k for k, left in st.throttles.items() if left > 0 and re.fullmatch(
                k.split(" ", 1)[1], path.split("?")[0]) and k.split(" ", 1)[0] == h.command), None)
            if throttled:
                st.throttles[throttled] -= 1
            fault = None
            if not throttled and is_change(h.command, h.headers, body) and "/moto-api/" not in path:
                st.changes += 1
                fault = next((f for f in st.faults if not f.fired and f.nth == st.changes), None)
                if fault:
                    fault.fired = True
        if throttled:
            return self._error(h, 429, "TooManyRequestsException", "Too Many Requests", body)
        if fault and not fault.after:
            return self._error(h, fault.status, fault.code, fault.message, body)
        m = re.fullmatch(r"/v2/apis/([^/]+)/deployments(?:/([^/?]+))?", path.split("?")[0])
        if m:
            status, payload = self._v2_deployment(h.command, m.group(1), m.group(2), body)
        else:
            status, headers, payload = self._forward(h, body)
            if fault:  # it happened; the caller never hears so
                return self._error(h, fault.status, fault.code, fault.message, body)
            return self._send(h, status, headers, payload)
        if fault:
            return self._error(h, fault.status, fault.code, fault.message, body)
        self._send(h, status, [("Content-Type", "application/json")], json.dumps(payload).encode() if payload is not None else b"")

    def _forward(self, h: BaseHTTPRequestHandler, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        headers = {k: v for k, v in h.headers.items() if k.lower() not in ("host", "connection", "content-length")}
        headers["Content-Length"] = str(len(body))
        conn.request(h.command, h.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        out = [(k, v) for k, v in resp.getheaders() if k.lower() not in ("connection", "transfer-encoding", "content-length")]
        conn.close()
        return resp.status, out, data

    def _v2_deployment(self, method: str, api_id: str, dep_id: str | None, body: bytes) -> tuple[int, Any]:
        store = self.state.v2_deployments.setdefault(api_id, {})
        if method == "POST" and dep_id is None:
            data = json.loads(body or b"{}")
            dep = {"deploymentId": uuid.uuid4().hex[:10], "deploymentStatus": "DEPLOYED",
                   "description": data.get("description", ""), "createdDate": datetime.now(UTC).isoformat()}
            store[dep["deploymentId"]] = dep
            return 201, dep
        if method == "GET" and dep_id is None:
            return 200, {"items": list(store.values())}
        if dep_id not in store:
            return 404, {"message": "Invalid deployment identifier specified"}
        if method == "DELETE":
            del store[dep_id]
            return 204, None
        return 200, store[dep_id]

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
        h.send_response(status)
        for k, v in headers:
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(payload)

    def _error(self, h: BaseHTTPRequestHandler, status: int, code: str, message: str, body: bytes) -> None:
        if "x-www-form-urlencoded" in h.headers.get("Content-Type", ""):  # query protocol (STS): XML
            payload = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code.removesuffix('Exception')}</Code>"
                       f"<Message>{message}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>").encode()
            return self._send(h, status, [("Content-Type", "text/xml")], payload)
        payload = json.dumps({"__type": code, "message": message, "Message": message}).encode()
        self._send(h, status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code),
                               ("x-amzn-RequestId", str(uuid.uuid4()))], payload)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Moto:
    """The running server, its proxy, and helpers to prepare the account (directly, not through the proxy)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/moto-api/data.json")
                conn.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.process.kill()
                    raise RuntimeError("moto did not start") from None
                time.sleep(0.1)
        self.proxy = Proxy(self.port)
        self._clients: dict[str, Any] = {}

    @property
    def direct(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        return self.proxy.endpoint

    def reset(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("POST", "/moto-api/reset")
        conn.getresponse().read()
        self.proxy.reset()

    def session(self, **kw: Any) -> boto3.Session:
        return boto3.Session(aws_access_key_id=kw.get("key", "testing"), aws_secret_access_key=kw.get("secret", "testing"),
                             aws_session_token=kw.get("token", "testing"), region_name=REGION)

    def client(self, service: str) -> Any:
        """A client straight to moto (not through the proxy), made once: boto3 clients are slow to make."""
        if service not in self._clients:
            self._clients[service] = self.session().client(service, endpoint_url=self.direct, region_name=REGION)
        return self._clients[service]

    def create_functions(self, *names: str) -> list[str]:
        """Lambda functions the designs name (moto keeps them; it never runs them here)."""
        iam = self.client("iam")
        try:
            role = iam.create_role(RoleName="lab-lambda", AssumeRolePolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                         "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        except iam.exceptions.EntityAlreadyExistsException:
            role = iam.get_role(RoleName="lab-lambda")["Role"]["Arn"]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("index.py", "def handler(event, context):\n    return {'statusCode': 200}\n")
        lam = self.client("lambda")
        return [lam.create_function(FunctionName=n, Runtime="python3.12", Role=role, Handler="index.handler",
                                    Code={"ZipFile": buf.getvalue()})["FunctionArn"] for n in names]

    def close(self) -> None:
        self.proxy.close()
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="session")
def moto() -> Iterator[Moto]:
    server = Moto()
    yield server
    server.close()


@pytest.fixture
def aws(moto: Moto, monkeypatch: pytest.MonkeyPatch) -> Moto:
    """A clean account: moto reset, the proxy's faults cleared, fake credentials in the environment."""
    for k, v in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    moto.reset()
    return moto
