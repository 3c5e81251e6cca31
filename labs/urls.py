from django.urls import path

from . import views

app_name = "labs"
urlpatterns = [
    path("", views.lab_list, name="index"),
    path("import/", views.import_design, name="import"),
    path("designs/<int:pk>/sandbox/", views.sandbox, name="sandbox"),
    path("designs/<int:pk>/sandbox/deploy/", views.sandbox_deploy, name="sandbox_deploy"),
    path("designs/<int:pk>/sandbox/send/", views.sandbox_send, name="sandbox_send"),
    path("designs/<int:pk>/sandbox/load/", views.sandbox_load, name="sandbox_load"),
    path("designs/<int:pk>/sandbox/websocket/", views.sandbox_ws, name="sandbox_ws"),
    path("designs/<int:pk>/sandbox/promote/", views.sandbox_promote, name="sandbox_promote"),
    path("designs/<int:pk>/<slug:step>/", views.builder, name="builder"),
    path("designs/<int:pk>/<slug:step>/check/", views.builder_check, name="check"),
    path("designs/<int:pk>/<slug:step>/hints/", views.hints, name="hints"),
    path("designs/<int:pk>/download/<str:filename>", views.download, name="download"),
    path("designs/<int:pk>/export/<str:filename>", views.export_text, name="export_text"),
    path("<slug:slug>/", views.lab_detail, name="detail"),
    path("<slug:slug>/start/", views.lab_start, name="start"),
]
