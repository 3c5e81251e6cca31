from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("courseware.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("labs/", include("labs.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "courseware.views.errors.bad_request"
handler403 = "courseware.views.errors.permission_denied"
handler404 = "courseware.views.errors.page_not_found"
handler500 = "courseware.views.errors.server_error"
