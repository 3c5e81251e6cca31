"""The site's WSGI application (``config.wsgi``) unchanged, with each request's time inside the worker
written to ``BENCH_TIMING_LOG``: start (epoch s), method, path, wall ms, CPU ms of the worker's thread,
worker pid. ``bench_class.py`` sets it against what the client measured: the client's time minus the
worker's wall time is the wait for a free worker; the worker's wall time minus its CPU time is the wait
inside the request (the database, a lock, a core taken by another process).

One appended line per request (a single ``write``; lines from several workers never interleave).
"""

import os
import time

from config.wsgi import application as site

_LOG = os.open(os.environ["BENCH_TIMING_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)


def application(environ, start_response):
    started, wall, cpu = time.time(), time.perf_counter(), time.thread_time()
    try:
        return site(environ, start_response)
    finally:
        os.write(_LOG, (f"{started:.6f} {environ.get('REQUEST_METHOD', '')} {environ.get('PATH_INFO', '')} "
                        f"{(time.perf_counter() - wall) * 1000:.2f} {(time.thread_time() - cpu) * 1000:.2f} "
                        f"{os.getpid()}\n").encode())
