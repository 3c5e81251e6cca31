"""Real processes for the two-server test: a PostgreSQL database and a Redis key prefix of the test's own,
two gunicorn app servers on two ports, nginx in front of them, and a learner's browser over HTTP.

Nothing here imports the site: the servers and ``manage.py`` run as subprocesses with production settings,
as docs/deployment.md ("Several app servers") runs them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PASSWORD = "Scale-out-test-pass-7"  # every learner the test makes has it

# How long anything may take before the test gives up (seconds).
COMMAND_TIMEOUT = 120
START_TIMEOUT = 30
REQUEST_TIMEOUT = 15


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


# --- PostgreSQL and Redis -----------------------------------------------------------------------------


def admin_url(database_url: str) -> str:
    """The same PostgreSQL server, its ``postgres`` maintenance database: where CREATE DATABASE runs."""
    parts = urlsplit(database_url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))


def with_database(database_url: str, name: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def create_database(database_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url(database_url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(database_url: str, name: str) -> None:
    import psycopg

    assert name.startswith("academy_scaleout_"), f"not a database of this test: {name}"

    with psycopg.connect(admin_url(database_url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # PostgreSQL 13+


def delete_redis_keys(redis_url: str, prefix: str) -> int:
    """Every key the servers wrote: Django's Redis cache names them ``<KEY_PREFIX>:<version>:<key>``."""
    from redis import Redis

    client = Redis.from_url(redis_url, socket_timeout=5)
    names = list(client.scan_iter(match=f"{prefix}:*", count=500))
    for start in range(0, len(names), 500):
        client.delete(*names[start:start + 500])
    client.close()
    return len(names)


# --- Processes ------------------------------------------------------------------------------------------


def manage(env: dict[str, str], *args: str, timeout: float = COMMAND_TIMEOUT) -> str:
    """``manage.py ARGS`` with the servers' environment; its output, or the test fails with it."""
    result = subprocess.run([str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}")
    return result.stdout


@dataclass
class Server:
    """A process the test started (in a process group of its own, so its children stop with it)."""

    name: str
    url: str
    log: Path
    process: subprocess.Popen | None = None
    certificate: Path | None = None  # nginx's, for clients that check it
    http_url: str = ""  # nginx's plain-HTTP address (it redirects to url)
    _log_file: object = field(default=None, repr=False)

    def start(self, args: list[str], env: dict[str, str]) -> None:
        self._log_file = open(self.log, "ab")
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True,
                                        preexec_fn=_die_with_parent)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_healthy(self, timeout: float = START_TIMEOUT, **request_options) -> None:
        """Until ``GET /healthz`` answers 200 (a bounded wait; the log is in the failure)."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n{self.log_text()[-4000:]}")
            try:
                answer = requests.get(f"{self.url}/healthz", timeout=2, **request_options)
                if answer.status_code == 200:
                    return
                last = f"{answer.status_code} {answer.text[:200]}"
            except requests.RequestException as error:
                last = str(error)
            time.sleep(0.2)
        raise AssertionError(f"{self.name} was not healthy after {timeout} s ({last}):\n{self.log_text()[-4000:]}")

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM to the whole group (gunicorn's graceful stop), then SIGKILL after ``timeout``."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait(5)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the test process dies, even by SIGKILL, so a killed run
    leaves no server behind (Linux; elsewhere the fixtures' finalizers are the only stop)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def gunicorn_args() -> list[str]:
    """The command docs/deployment.md gives, run with the venv's Python."""
    return [str(PYTHON), "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"]


# --- nginx ------------------------------------------------------------------------------------------------


def write_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, so nginx ends TLS as a production balancer does."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


DOCUMENTED_UPSTREAMS = ("127.0.0.1:8001", "127.0.0.1:8002")


def documented_nginx() -> list[str]:
    """The ``nginx`` blocks of docs/deployment.md ("Several app servers"): the upstream and the TLS server,
    then the plain-HTTP server that redirects to HTTPS."""
    text = (ROOT / "docs" / "deployment.md").read_text()
    blocks = re.findall(r"^```nginx\n(.*?)^```", text, re.S | re.M)
    assert len(blocks) == 2, f"docs/deployment.md has {len(blocks)} nginx blocks, the test expects 2"
    return blocks


def nginx_site(upstreams: list[str], listen: int, listen_http: int, cert: Path, key: Path) -> str:
    """The documented configuration with the test's app servers, ports and certificate in place of the
    documented ones: the configuration the docs give is the one this test runs."""
    site = "\n".join(documented_nginx())
    replacements = [*zip(DOCUMENTED_UPSTREAMS, upstreams), ("listen 443 ssl;", f"listen {listen} ssl;"),
                    ("listen 80;", f"listen {listen_http};"),
                    ("server_name academy.example.com;", "server_name 127.0.0.1;")]
    for old, new in replacements:
        assert old in site, f"the nginx block of docs/deployment.md no longer has {old!r}: update tests/scaleout"
        site = site.replace(old, new)
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
    return site


def nginx_config(directory: Path, site: str) -> Path:
    """A whole nginx.conf around ``site`` that runs as the test's user, in ``directory`` only."""
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (directory / sub).mkdir(exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""  # else its workers would be nobody, shut out of here
    config = directory / "nginx.conf"
    config.write_text(f"""{user}worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
daemon off;
events {{ worker_connections 256; }}
http {{
    access_log {directory}/access.log;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
{site}
}}
""")
    return config


# --- A learner's browser ------------------------------------------------------------------------------------


class Browser:
    """One learner's browser: one cookie jar, whichever server a request goes to.

    The servers run with production settings, so their cookies are ``Secure``. In front of them TLS ends
    at the load balancer, which says so with ``X-Forwarded-Proto: https``; a request straight to an app
    server here says the same, and sends the cookies over plain HTTP to 127.0.0.1 as a browser sends them
    over HTTPS (cookies are per host, not per port: both servers get them, as behind one balancer).
    Redirects are followed here, not by requests, which would drop the Secure cookies on the way.
    """

    def __init__(self, verify: bool | str = True) -> None:
        self.session = requests.Session()
        self.verify = verify

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.session.cookies if c.name == name), None)

    def request(self, method: str, url: str, *, data=None, htmx: bool = False, follow: bool = True,
                headers: dict | None = None) -> requests.Response:
        for _ in range(10):
            parts = urlsplit(url)
            origin = f"https://{parts.netloc}"
            sent = {"Origin": origin, **(headers or {})}
            if parts.scheme == "http":
                sent["X-Forwarded-Proto"] = "https"
            jar = "; ".join(f"{c.name}={c.value}" for c in self.session.cookies)
            if jar:
                sent["Cookie"] = jar
            if htmx:
                sent["HX-Request"] = "true"
            if method == "POST":
                sent["X-CSRFToken"] = self.cookie("csrftoken") or ""
            answer = self.session.request(method, url, data=data, headers=sent, allow_redirects=False,
                                          timeout=REQUEST_TIMEOUT, verify=self.verify)
            if not (follow and answer.is_redirect):
                return answer
            location = answer.headers["Location"]
            if location.startswith("/"):
                location = f"{parts.scheme}://{parts.netloc}{location}"
            # The site's redirects are absolute paths or, behind "https", https:// URLs of the same host.
            if urlsplit(location).netloc == parts.netloc:
                location = urlunsplit((parts.scheme, *urlsplit(location)[1:]))
            url, method, data = location, "GET", None
        raise AssertionError(f"more than 10 redirects from {url}")

    def get(self, url: str, **options) -> requests.Response:
        return self.request("GET", url, **options)

    def post(self, url: str, data=None, **options) -> requests.Response:
        return self.request("POST", url, data=data or {}, **options)

    def _form(self, url: str, fields: dict[str, str]) -> requests.Response:
        """GET the page for its CSRF token, then POST the form as the browser would."""
        page = self.get(url)
        assert page.status_code == 200 and "csrfmiddlewaretoken" in page.text, f"{url}: {text_of(page.text)[:500]}"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return self.post(url, {**fields, "csrfmiddlewaretoken": token}, follow=False)

    def sign_up(self, base: str, username: str, password: str = PASSWORD) -> None:
        answer = self._form(f"{base}/accounts/signup/", {
            "username": username, "first_name": username.title(), "email": f"{username}@example.com",
            "password1": password, "password2": password})
        assert answer.status_code == 302, f"sign-up refused ({answer.status_code}): {text_of(answer.text)[:500]}"

    def log_in(self, base: str, username: str, password: str = PASSWORD) -> None:
        answer = self._form(f"{base}/accounts/login/", {"username": username, "password": password})
        assert answer.status_code == 302, f"login refused ({answer.status_code}): {text_of(answer.text)[:500]}"
        assert self.cookie("sessionid"), "no session cookie after logging in"


def text_of(html: str) -> str:
    """A page's text, tags dropped and spaces collapsed (for messages in failures and loose checks)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def unique(prefix: str) -> str:
    """``prefix_<unix time>_<random>``: unique, and telling its age (see ``stale``)."""
    return f"{prefix}_{int(time.time())}_{uuid.uuid4().hex[:8]}"


STALE_AFTER = 3600  # seconds: no run takes this long, so an older name is a run that was killed


def stale(name: str, prefix: str) -> bool:
    found = re.fullmatch(rf"{re.escape(prefix)}_(\d+)_[0-9a-f]{{8}}", name)
    return bool(found) and time.time() - int(found.group(1)) > STALE_AFTER


def drop_stale_databases(database_url: str, prefix: str) -> list[str]:
    """Databases of killed runs (their finalizers never ran); never one that anybody is connected to."""
    import psycopg

    with psycopg.connect(admin_url(database_url), autocommit=True, connect_timeout=5) as conn:
        names = [row[0] for row in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname NOT IN "
            "(SELECT datname FROM pg_stat_activity WHERE datname IS NOT NULL)", [prefix + "\\_%"])]
        dropped = [name for name in names if stale(name, prefix)]
        for name in dropped:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    return dropped


def delete_stale_redis_keys(redis_url: str, prefix: str) -> None:
    from redis import Redis

    client = Redis.from_url(redis_url, socket_timeout=5)
    owners = {key.split(b":", 1)[0].decode() for key in client.scan_iter(match=f"{prefix}_*", count=500)}
    client.close()
    for owner in owners:
        if stale(owner, prefix):
            delete_redis_keys(redis_url, owner)


def python_ok() -> str:
    """'' when the venv can run the servers, else why not."""
    if not PYTHON.exists():
        return f"no virtual environment at {PYTHON} (python3 dev.py test creates it)"
    if sys.platform == "win32":
        return "gunicorn does not run on Windows"
    return ""
