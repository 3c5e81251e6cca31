from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from courseware.models import Quiz
from courseware.quizzes import regrade


class Command(BaseCommand):
    help = (
        "Regrade submitted attempts whose questions' answer keys changed since they were graded "
        "(run after sync_content). Learners see a note explaining the new score."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiz", help="Only this quiz (its slug).")

    def handle(self, *args, quiz: str | None = None, **options):
        target = None
        if quiz:
            target = Quiz.objects.filter(slug=quiz).first()
            if target is None:
                raise CommandError(f"No quiz with the slug {quiz!r}.")
        attempts = regrade(target)
        self.stdout.write(f"Regraded {len(attempts)} attempt(s).")
