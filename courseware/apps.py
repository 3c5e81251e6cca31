from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CoursewareConfig(AppConfig):
    name = "courseware"
    verbose_name = "Course"

    def ready(self) -> None:
        from . import pagecache
        from .models import Choice, GlossaryTerm, Lab, Lesson, Misconception, Module, Question, Quiz

        # Any change to the course, however it is made (sync, the admin, a shell), is a new release:
        # pages and fragments kept for the old one are not served again (courseware/pagecache.py).
        for model in (Module, Lesson, GlossaryTerm, Misconception, Lab, Quiz, Question, Choice):
            for event, signal in (("saved", post_save), ("deleted", post_delete)):
                signal.connect(pagecache.content_changed, sender=model, dispatch_uid=f"release:{event}:{model.__name__}")
