"""The cluster the two-server tests share: a fresh PostgreSQL database, a Redis key prefix of its own, two
gunicorn app servers with production settings, and nginx in front of them.

They run only when DATABASE_URL is PostgreSQL and REDIS_URL is set (that PostgreSQL server and that Redis
are used; the database and the keys are the test's own and are removed afterwards). Otherwise they are
skipped with the reason. Under CI=true a PostgreSQL or Redis that is configured but does not answer fails
the run instead; with SCALEOUT_REQUIRED=1 (``.ci/run`` sets it) every reason to skip fails it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from . import cluster
from .cluster import ROOT, Server

# Redis database the servers use unless SCALEOUT_REDIS_DB says otherwise: not the one REDIS_URL names, which
# the rest of the suite may clear (cache.clear() empties a whole Redis database).
REDIS_DB = os.environ.get("SCALEOUT_REDIS_DB", "13")
SECRET_KEY = "scale-out-test-only-" + "k" * 50
LEARNERS = ("ada", "ben", "chen", "dina")
TIMINGS: dict[str, float] = {}  # set-up steps and their seconds, printed at the end of the run


def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        terminalreporter.write_line("two-server set-up: " + ", ".join(f"{step} {seconds:.1f} s"
                                                                     for step, seconds in TIMINGS.items()))


@contextmanager
def _timed(step: str):
    started = time.monotonic()
    yield
    TIMINGS[step] = time.monotonic() - started


def _refuse(reason: str, *, unreachable: bool = False) -> None:
    if os.environ.get("SCALEOUT_REQUIRED") == "1":
        pytest.fail(f"{reason} (SCALEOUT_REQUIRED=1: the two-server test must run)")
    if unreachable and os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: CI must run the two-server test.")
    pytest.skip(reason)


def _services() -> tuple[str, str]:
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if urlsplit(database_url).scheme not in {"postgres", "postgresql"} or not redis_url:
        _refuse("the two-server test runs only with DATABASE_URL=postgres://… and REDIS_URL=redis://… "
                "(e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/academy REDIS_URL=redis://127.0.0.1:6379/12)")
    problem = cluster.python_ok()
    if problem:
        _refuse(problem)
    db, redis = urlsplit(database_url), urlsplit(redis_url)
    if not cluster.reachable(db.hostname or "127.0.0.1", db.port or 5432):
        _refuse(f"PostgreSQL is not answering at {db.hostname}:{db.port or 5432}", unreachable=True)
    if not cluster.reachable(redis.hostname or "127.0.0.1", redis.port or 6379):
        _refuse(f"Redis is not answering at {redis.hostname}:{redis.port or 6379}", unreachable=True)
    return database_url, urlunsplit((redis.scheme, redis.netloc, f"/{REDIS_DB}", "", ""))


@dataclass
class Cluster:
    env: dict[str, str]
    a: Server
    b: Server
    content: Path  # the course content the servers were loaded from (a copy the tests may edit)
    start_b: object = None  # starts server B again (the failover test stops it)

    def manage(self, *args: str) -> str:
        return cluster.manage(self.env, *args)


def _environment(database_url: str, redis_url: str, prefix: str, content: Path, static: Path) -> dict[str, str]:
    """Production settings, as docs/deployment.md gives them, with the test's database, Redis and files.
    Variables the test run itself sets (its own database, pytest's) are not passed on."""
    inherited = {k: v for k, v in os.environ.items()
                 if k not in {"DATABASE_URL", "REDIS_URL", "CACHE_KEY_PREFIX", "DJANGO_SETTINGS_MODULE",
                              "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_DEBUG", "TASKS_BACKEND", "CONTENT_DIRS",
                              "STATIC_MANIFEST", "GUNICORN_CMD_ARGS", "WEB_CONCURRENCY", "GUNICORN_BIND"}
                 and not k.startswith("PYTEST")}
    return {
        **inherited,
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # the test also talks to each app server directly, over plain HTTP
        "PROXY_COUNT": "1",  # behind nginx
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": prefix,
        "TASKS_BACKEND": "database",
        "CONTENT_DIRS": str(content),
        # config/settings.py fixes STATIC_ROOT at the checkout's staticfiles/; this module moves it here.
        "DJANGO_SETTINGS_MODULE": "tests.scaleout.settings",
        "SCALEOUT_STATIC_ROOT": str(static),
        "WEB_CONCURRENCY": "2",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture(scope="session")
def scaleout(tmp_path_factory) -> Cluster:
    database_url, redis_url = _services()
    cluster.drop_stale_databases(database_url, "academy_scaleout")
    cluster.delete_stale_redis_keys(redis_url, "scaleout")
    work = tmp_path_factory.mktemp("scaleout")
    database = cluster.unique("academy_scaleout")
    prefix = cluster.unique("scaleout")
    content, static = work / "content", work / "static"
    shutil.copytree(ROOT / "courseware" / "content", content)
    env = _environment(cluster.with_database(database_url, database), redis_url, prefix, content, static)
    servers: list[Server] = []
    cluster.create_database(database_url, database)
    try:
        with _timed("migrate"):
            cluster.manage(env, "migrate", "--noinput", "-v", "0")
        with _timed("collectstatic"):  # before sync_content: lessons link diagrams by their hashed names
            cluster.manage(env, "collectstatic", "--noinput", "-v", "0")
        with _timed("sync_content"):
            cluster.manage(env, "sync_content")
        a = Server("server A", f"http://127.0.0.1:{cluster.free_port()}", work / "a.log")
        b = Server("server B", f"http://127.0.0.1:{cluster.free_port()}", work / "b.log")
        servers += [a, b]

        def start(server: Server) -> None:
            # Each server its own control socket: two gunicorns on one host would otherwise share
            # ~/.gunicorn/gunicorn.ctl, and the first to stop would remove the other's.
            address = server.url.removeprefix("http://")
            server.start(cluster.gunicorn_args(), {
                **env, "GUNICORN_BIND": address,
                "GUNICORN_CMD_ARGS": f"--control-socket {work / (server.log.stem + '.ctl')}"})

        with _timed("two servers healthy"):
            for server in servers:
                start(server)
            for server in servers:
                server.wait_healthy()
        for number, learner in enumerate(LEARNERS):  # the learners sign up, on one server or the other
            cluster.Browser().sign_up(servers[number % 2].url, learner)
        yield Cluster(env=env, a=a, b=b, content=content, start_b=lambda: (start(b), b.wait_healthy()))
    finally:
        for server in servers:
            server.stop()
        try:
            cluster.drop_database(database_url, database)
        finally:
            cluster.delete_redis_keys(redis_url, prefix)


@pytest.fixture(scope="session")
def balancer(scaleout: Cluster, tmp_path_factory) -> Server:
    """nginx (Debian's nginx-light) ending TLS and sharing requests round robin between A and B."""
    if not os.path.exists(cluster.NGINX):
        _refuse(f"nginx not found at {cluster.NGINX} (apt-get install nginx-light)", unreachable=True)
    work = tmp_path_factory.mktemp("nginx")
    cert, key = cluster.write_certificate(work)
    port, http_port = cluster.free_port(), cluster.free_port()
    site = cluster.nginx_site([s.url.removeprefix("http://") for s in (scaleout.a, scaleout.b)], port, http_port,
                              cert, key)
    config = cluster.nginx_config(work, site)
    checked = subprocess.run([cluster.NGINX, "-t", "-p", str(work), "-c", str(config)],
                             capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    nginx = Server("nginx", f"https://127.0.0.1:{port}", work / "nginx.log", certificate=cert,
                   http_url=f"http://127.0.0.1:{http_port}")
    nginx.start([cluster.NGINX, "-p", str(work), "-c", str(config)], dict(os.environ))
    try:
        nginx.wait_healthy(verify=str(cert))
        yield nginx
    finally:
        nginx.stop()
