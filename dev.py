#!/usr/bin/env python3
"""One entry point for a fresh machine with only python3 and git.

    python3 dev.py serve    # set up .venv/, the database, the course and demo accounts; serve on :8000
    python3 dev.py test     # run the whole test suite (extra arguments go to pytest)
    python3 dev.py manage COMMAND [ARGS]   # any manage.py command, in .venv, as a development site

Running either again is safe and fast: dependencies are reinstalled only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
STAMP = VENV / ".academy-deps"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*args: str | Path, env: dict | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Gateway Academy needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        say("Creating a virtual environment in .venv/")
        venv.create(VENV, with_pip=True)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    say("Installing dependencies from pyproject.toml (the first time takes a minute or two)")
    started = time.monotonic()
    run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade", "pip")
    # The requirements are read from pyproject.toml and installed directly: the site is not a
    # package to build, so there is no wheel, no egg-info and no build noise.
    import tomllib  # Python 3.11+, checked above

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements)
    STAMP.write_text(wanted)
    say(f"Dependencies installed in {time.monotonic() - started:.0f} s")


def serve(args: list[str]) -> None:
    # Background tasks (an AWS deployment) go to the database queue and a worker beside the server runs
    # them, so a request that starts one returns at once here too, as in production.
    env = {**os.environ, "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "1"),
           "TASKS_BACKEND": os.environ.get("TASKS_BACKEND", "database")}
    manage = [PYTHON, "manage.py"]
    say("Migrating the database")
    run(*manage, "migrate", "--noinput", "-v", "0", env=env)
    say("Loading the course content")
    run(*manage, "sync_content", env=env)
    run(*manage, "seed_demo", "--learners", "30", env=env)  # the demo class: something to look at
    run(*manage, "seed_demo_labs", env=env)  # and the lab designs its record implies
    address = args[0] if args else "127.0.0.1:8000"
    worker = None
    if env["TASKS_BACKEND"] == "database":
        say("Starting the task worker (manage.py db_worker) for background tasks")
        worker = subprocess.Popen([str(PYTHON), "manage.py", "db_worker", "--interval", "0.5"], cwd=ROOT, env=env)
    say(f"Serving Gateway Academy at http://{address}/ (Ctrl+C to stop)")
    server = subprocess.Popen([str(PYTHON), "manage.py", "runserver", address], cwd=ROOT, env=env)
    signal.signal(signal.SIGTERM, _interrupted)  # `kill` stops the children too, as Ctrl+C does
    code = 0
    try:
        code = server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for child in (server, worker):
            if child is not None:
                stop(child)
    sys.exit(code)


def _interrupted(signum, frame) -> None:
    raise KeyboardInterrupt


def stop(process: subprocess.Popen) -> None:
    """Stop a child we started: it may already have had Ctrl+C (same terminal); give it time, then kill."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def manage(args: list[str]) -> None:
    """``manage.py`` in the virtual environment with the development settings serve uses (DJANGO_DEBUG=1
    unless the environment says otherwise), so README commands work in a fresh shell."""
    env = {**os.environ, "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "1")}
    os.execve(str(PYTHON), [str(PYTHON), "manage.py", *args], env)


def test(args: list[str]) -> None:
    os.execv(str(PYTHON), [str(PYTHON), "-m", "pytest", *args])


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"serve", "test", "manage"}:
        sys.exit(__doc__)
    ensure_venv()
    os.chdir(ROOT)
    {"serve": serve, "test": test, "manage": manage}[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
