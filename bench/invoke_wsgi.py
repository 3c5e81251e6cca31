"""The site's WSGI application with one more URL, ``/bare/`` (a view that answers "ok"), for
``bench_invoke.py --server``: the bare view and the invoke URL served by the same gunicorn workers."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

django.setup()
settings.ROOT_URLCONF = "invoke_wsgi"

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import include, path  # noqa: E402

urlpatterns = [path("bare/", lambda request: HttpResponse("ok")), path("", include("config.urls"))]
application = get_wsgi_application()
