from django.urls import path

from .views import accounts, lessons, pages, progress, quizzes

urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz", pages.healthz, name="healthz"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("progress/", progress.my_progress, name="my_progress"),
    path("course/", lessons.outline, name="outline"),
    path("course/choose/", lessons.decision_helper, name="decision_helper"),
    path("course/<slug:slug>/", lessons.lesson_detail, name="lesson"),
    path("course/<slug:slug>/complete/", lessons.mark_complete, name="lesson_complete"),
    path("course/<slug:slug>/bookmark/", lessons.toggle_bookmark, name="lesson_bookmark"),
    path("bookmarks/", lessons.bookmarks, name="bookmarks"),
    path("glossary/", lessons.glossary, name="glossary"),
    path("search/", lessons.search, name="search"),
    path("quizzes/", quizzes.quiz_list, name="quizzes"),
    path("quizzes/review/", quizzes.start_review, name="start_review"),
    path("quizzes/<slug:slug>/", quizzes.quiz_detail, name="quiz"),
    path("quizzes/<slug:slug>/start/", quizzes.start, name="quiz_start"),
    path("attempts/<int:pk>/", quizzes.attempt_detail, name="attempt"),
    path("attempts/<int:pk>/questions/<int:question_id>/", quizzes.answer, name="attempt_answer"),
    path("attempts/<int:pk>/submit/", quizzes.submit, name="attempt_submit"),
    path("attempts/<int:pk>/result/", quizzes.result, name="attempt_result"),
]
