"""gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Each value backs a promise of docs/deployment.md ("Limits"): no request holds a worker for long,
and a worker that grows is replaced before it matters. Override any of them with GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers: the site does short, CPU-bound requests; two per core plus one is gunicorn's advice.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A request that has not answered in 30 s is killed and its worker replaced. The site's own limits
# keep every request far below this (the worst we could provoke: about 1 s); this is the backstop.
timeout = 30
graceful_timeout = 30
keepalive = 5
# Replace each worker after about a thousand requests (with jitter, so they don't all restart
# together): memory a worker gained on one large request is given back.
max_requests = 1000
max_requests_jitter = 100
# HTTP request line and headers: gunicorn's defaults, stated so that nobody raises them by accident.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
errorlog = "-"
# The client's address comes from the load balancer (see PROXY_COUNT in docs/deployment.md).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
