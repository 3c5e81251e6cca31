"""A URLconf with a view that fails, to test the friendly 500 page."""

from django.urls import path

from config.urls import handler500  # noqa: F401  (the project's own 500 handler)


def boom(request):
    raise RuntimeError("secret-value")


urlpatterns = [path("boom/", boom)]
