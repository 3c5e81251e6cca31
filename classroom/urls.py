"""Instructor pages under /dashboard/ (the name "dashboard" is the nav's), the learner's under /cohorts/."""

from django.urls import path

from .views import analysis, cohorts, exports, interventions, join, roster

urlpatterns = [
    path("dashboard/", cohorts.dashboard, name="dashboard"),
    path("dashboard/cohorts/new/", cohorts.cohort_new, name="cohort_new"),
    path("dashboard/cohorts/<int:pk>/", cohorts.overview, name="cohort"),
    path("dashboard/cohorts/<int:pk>/edit/", cohorts.cohort_edit, name="cohort_edit"),
    path("dashboard/cohorts/<int:pk>/enrolment/", cohorts.cohort_enrolment, name="cohort_enrolment"),
    path("dashboard/cohorts/<int:pk>/due-dates/", cohorts.due_dates, name="cohort_due_dates"),
    path("dashboard/cohorts/<int:pk>/due-dates/<int:due_pk>/delete/", cohorts.due_date_delete,
         name="cohort_due_date_delete"),
    path("dashboard/cohorts/<int:pk>/roster/", roster.roster, name="cohort_roster"),
    path("dashboard/cohorts/<int:pk>/learners/<int:user_id>/", roster.learner, name="cohort_learner"),
    path("dashboard/cohorts/<int:pk>/learners/<int:user_id>/due-dates/<int:due_pk>/extend/", interventions.extend,
         name="cohort_extend"),
    path("dashboard/cohorts/<int:pk>/attempts/<int:attempt_pk>/override/", interventions.override,
         name="cohort_override"),
    path("dashboard/cohorts/<int:pk>/attempts/<int:attempt_pk>/reset/", interventions.reset, name="cohort_reset"),
    path("dashboard/cohorts/<int:pk>/interventions/", interventions.audit, name="cohort_audit"),
    path("dashboard/cohorts/<int:pk>/quizzes/", analysis.quizzes, name="cohort_quizzes"),
    path("dashboard/cohorts/<int:pk>/quizzes/<slug:slug>/", analysis.item_analysis, name="cohort_item_analysis"),
    path("dashboard/cohorts/<int:pk>/labs/", analysis.labs, name="cohort_labs"),
    path("dashboard/cohorts/<int:pk>/gradebook.csv", exports.gradebook_csv, name="cohort_gradebook_csv"),
    path("dashboard/cohorts/<int:pk>/responses.csv", exports.responses_csv, name="cohort_responses_csv"),
    path("cohorts/join/", join.join, name="cohort_join"),
    path("cohorts/join/<str:code>/", join.join_link, name="cohort_join_link"),
    path("cohorts/<int:pk>/leave/", join.leave, name="cohort_leave"),
]
