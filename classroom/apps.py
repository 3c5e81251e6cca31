from django.apps import AppConfig


class ClassroomConfig(AppConfig):
    name = "classroom"
    verbose_name = "Classroom"

    def ready(self) -> None:
        from courseware.views.progress import progress_sections

        from .progress import my_cohorts_section

        # The learner's my-progress page (courseware) shows their cohorts and due dates without
        # courseware importing classroom.
        progress_sections.connect(my_cohorts_section, dispatch_uid="classroom.my_cohorts_section")
