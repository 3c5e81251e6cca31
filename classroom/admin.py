from django.contrib import admin

from .models import Cohort, DueDate, Intervention, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "enrolment_open", "created_at"]
    search_fields = ["name", "owner__username"]
    raw_id_fields = ["owner"]
    filter_horizontal = ["co_instructors"]
    inlines = [MembershipInline]


@admin.register(DueDate)
class DueDateAdmin(admin.ModelAdmin):
    list_display = ["cohort", "kind", "slug", "due_at"]


@admin.register(Intervention)
class InterventionAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is written by the dashboard, never edited."""

    list_display = ["created_at", "cohort", "learner", "actor", "action", "target"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
