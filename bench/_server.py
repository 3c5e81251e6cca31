"""What the benchmarks that serve the site share: a throw-away PostgreSQL database, a free port on
127.0.0.1, and gunicorn started with the production config (``config/gunicorn.conf.py``).

No Django import here: ``create_postgres_database`` runs before ``django.setup()``.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]


def _split(url: str) -> tuple[str, str] | None:
    """``postgres://.../<name>`` -> (the server's maintenance database URL, name); None for other URLs."""
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    base, name = url.rsplit("/", 1)
    return base + "/postgres", name


def create_postgres_database(url: str) -> bool:
    """Create the database of a ``postgres://`` URL when it is missing; True when it was created here.
    Any other URL (SQLite, empty) is left alone."""
    parts = _split(url)
    if parts is None:
        return False
    import psycopg

    server, name = parts
    with psycopg.connect(server, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(f'CREATE DATABASE "{name}"')
    return True


def drop_postgres_database(url: str) -> None:
    """Drop the database of a ``postgres://`` URL (its sessions are ended first)."""
    parts = _split(url)
    if parts is None:
        return
    import psycopg

    server, name = parts
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                     [name])
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app: str, port: int, *, env: dict[str, str] | None = None, args: list[str] = (),
                   stdout: IO | int = subprocess.DEVNULL, stderr: IO | int = subprocess.PIPE) -> subprocess.Popen:
    """gunicorn serving ``app`` (``module:callable``, importable from the repository or ``bench/``) on
    127.0.0.1:``port`` with ``config/gunicorn.conf.py``; ``args`` are extra command-line options (they
    win over the config file). Returns at once: see ``wait_until_up``."""
    env = {**os.environ, **(env or {}), "GUNICORN_BIND": f"127.0.0.1:{port}",
           "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}"}
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.conf.py"),
                             *args, app], cwd=ROOT, env=env, stdout=stdout, stderr=stderr)


def _server_error(server: subprocess.Popen) -> str:
    """The end of gunicorn's error output, when it goes to a pipe (``stderr=subprocess.PIPE``)."""
    if server.stderr is None:
        return "(see its error log)"
    return server.stderr.read().decode(errors="replace")[-2000:]


def wait_until_up(server: subprocess.Popen, port: int, path: str, *, headers: dict[str, str] | None = None,
                  tries: int = 300, pause: float = 0.1) -> None:
    """Return once ``path`` answers 200; SystemExit when gunicorn exits first or never answers."""
    for _ in range(tries):
        if server.poll() is not None:
            raise SystemExit("gunicorn did not start:\n" + _server_error(server))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(pause)
    stop(server)
    raise SystemExit(f"gunicorn did not answer {path} with a 200")


def stop(server: subprocess.Popen, timeout: float = 30) -> None:
    """A graceful stop (SIGTERM: workers finish their request), then a kill if it takes too long."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
