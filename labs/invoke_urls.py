"""The sandbox APIs' invoke URLs, /sandbox/<key>/<stage>/<path>: included by the site's URLconf (so
`reverse` finds them) and resolved on their own by `labs.middleware.InvokeUrlMiddleware`."""

from django.urls import path

from .views import invoke

urlpatterns = [
    path("sandbox/<str:key>/", invoke, name="sandbox_invoke_root"),
    path("sandbox/<str:key>/<path:path>", invoke, name="sandbox_invoke"),
]
