from django.contrib import admin
from django.urls import include, path

from courseware.views import accounts

urlpatterns = [
    path("", include("classroom.urls")),  # first: /dashboard/ is the classroom's
    path("", include("courseware.urls")),
    # Django's account views, two of them with attempts bounded (courseware.throttle).
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password_change/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("labs/", include("labs.urls")),
    # A learner's sandbox APIs, callable like API Gateway's invoke URLs: /sandbox/<key>/<stage>/<path>
    # (answered by labs.middleware.InvokeUrlMiddleware before the pages' middleware; here for reverse).
    path("", include("labs.invoke_urls")),
    path("admin/", admin.site.urls),
]

handler400 = "courseware.views.errors.bad_request"
handler403 = "courseware.views.errors.permission_denied"
handler404 = "courseware.views.errors.page_not_found"
handler500 = "courseware.views.errors.server_error"
