from django.urls import path

from . import views

app_name = "labs"
urlpatterns = [
    path("", views.lab_list, name="index"),
    path("import/", views.import_design, name="import"),
    path("aws/", views.aws_list, name="aws_list"),
    path("designs/<int:pk>/sandbox/", views.sandbox, name="sandbox"),
    path("designs/<int:pk>/sandbox/deploy/", views.sandbox_deploy, name="sandbox_deploy"),
    path("designs/<int:pk>/sandbox/send/", views.sandbox_send, name="sandbox_send"),
    path("designs/<int:pk>/sandbox/load/", views.sandbox_load, name="sandbox_load"),
    path("designs/<int:pk>/sandbox/websocket/", views.sandbox_ws, name="sandbox_ws"),
    path("designs/<int:pk>/sandbox/promote/", views.sandbox_promote, name="sandbox_promote"),
    path("designs/<int:pk>/aws/", views.aws_deploy, name="aws"),
    path("designs/<int:pk>/aws/role/", views.aws_role, name="aws_role"),
    path("designs/<int:pk>/aws/role-template.json", views.aws_role_template, name="aws_role_template"),
    path("designs/<int:pk>/aws/plan/", views.aws_plan, name="aws_plan"),
    path("designs/<int:pk>/aws/<int:dpk>/", views.aws_progress, name="aws_progress"),
    path("designs/<int:pk>/aws/<int:dpk>/plan/", views.aws_plan_page, name="aws_plan_page"),
    path("designs/<int:pk>/aws/<int:dpk>/apply/", views.aws_apply, name="aws_apply"),
    path("designs/<int:pk>/aws/<int:dpk>/teardown/", views.aws_teardown, name="aws_teardown"),
    path("designs/<int:pk>/aws/<int:dpk>/resume/", views.aws_resume, name="aws_resume"),
    path("designs/<int:pk>/<slug:step>/", views.builder, name="builder"),
    path("designs/<int:pk>/<slug:step>/check/", views.builder_check, name="check"),
    path("designs/<int:pk>/<slug:step>/hints/", views.hints, name="hints"),
    path("designs/<int:pk>/download/<str:filename>", views.download, name="download"),
    path("designs/<int:pk>/export/<str:filename>", views.export_text, name="export_text"),
    path("<slug:slug>/", views.lab_detail, name="detail"),
    path("<slug:slug>/start/", views.lab_start, name="start"),
]
