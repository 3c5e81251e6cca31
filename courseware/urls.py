from django.urls import path

from .views import accounts, dashboard, lessons, pages

urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz", pages.healthz, name="healthz"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("course/", lessons.outline, name="outline"),
    path("course/choose/", lessons.decision_helper, name="decision_helper"),
    path("course/<slug:slug>/", lessons.lesson_detail, name="lesson"),
    path("course/<slug:slug>/complete/", lessons.mark_complete, name="lesson_complete"),
    path("course/<slug:slug>/bookmark/", lessons.toggle_bookmark, name="lesson_bookmark"),
    path("bookmarks/", lessons.bookmarks, name="bookmarks"),
    path("glossary/", lessons.glossary, name="glossary"),
    path("search/", lessons.search, name="search"),
]
