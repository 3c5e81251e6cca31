"""The site's WSGI application with two more URLs, ``/bare/`` (a view that answers "ok") and
``/bare/signed-in/`` (the same once the session and the user are loaded), for ``bench_invoke.py
--server`` and ``bench_pages.py``: the bare views and the site served by the same gunicorn workers."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

django.setup()
settings.ROOT_URLCONF = "invoke_wsgi"

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import include, path  # noqa: E402

def signed_in_bare(request):
    """What being signed in costs before any page's own work: the session and the user, loaded."""
    return HttpResponse("ok" if request.user.is_authenticated else "anonymous")


urlpatterns = [path("bare/", lambda request: HttpResponse("ok")), path("bare/signed-in/", signed_in_bare),
               path("", include("config.urls"))]
application = get_wsgi_application()
