from django.contrib import admin
from django.urls import include, path

from courseware.views import accounts
from labs import views as labs_views

urlpatterns = [
    path("", include("classroom.urls")),  # first: /dashboard/ is the classroom's
    path("", include("courseware.urls")),
    # Django's account views, two of them with attempts bounded (courseware.throttle).
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password_change/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("labs/", include("labs.urls")),
    # A learner's sandbox APIs, callable like API Gateway's invoke URLs: /sandbox/<key>/<stage>/<path>
    path("sandbox/<str:key>/", labs_views.invoke, name="sandbox_invoke_root"),
    path("sandbox/<str:key>/<path:path>", labs_views.invoke, name="sandbox_invoke"),
    path("admin/", admin.site.urls),
]

handler400 = "courseware.views.errors.bad_request"
handler403 = "courseware.views.errors.permission_denied"
handler404 = "courseware.views.errors.page_not_found"
handler500 = "courseware.views.errors.server_error"
