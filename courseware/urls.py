from django.urls import path

from .views import accounts, dashboard, pages

urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz", pages.healthz, name="healthz"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
]
