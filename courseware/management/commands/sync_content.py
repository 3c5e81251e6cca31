from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from courseware.content import ContentError, load_course
from courseware.sync import CatalogueError, apply


class Command(BaseCommand):
    help = (
        "Check the course files in CONTENT_DIRS and load them into the database (all or nothing), "
        "with the lab catalogue that installed apps register on courseware.sync.content_synced."
    )

    def add_arguments(self, parser):
        parser.add_argument("dirs", nargs="*", help="Content directories (default: settings.CONTENT_DIRS).")
        parser.add_argument("--check", action="store_true", help="Only check the files; change nothing.")

    def handle(self, *args, dirs: list[str], check: bool, **options):
        directories = [Path(d) for d in dirs] or list(settings.CONTENT_DIRS)
        try:
            course = load_course(directories)
        except ContentError as error:
            raise CommandError(
                f"The course has {len(error.problems)} problem(s); nothing was loaded:\n  "
                + "\n  ".join(error.problems)
            ) from None
        if check:
            self.stdout.write(self.style.SUCCESS("The course files are valid."))
            return
        try:
            report = apply(course)
        except CatalogueError as error:
            raise CommandError(f"The lab catalogue could not be registered; nothing was loaded:\n  {error}") from None
        counts = ", ".join(f"{n} {what}" for what, n in report.counts.items())
        changes = []
        if report.created:
            changes.append(f"new: {', '.join(report.created)}")
        if report.updated:
            changes.append(f"updated: {', '.join(report.updated)}")
        if report.unpublished:
            changes.append(f"unpublished: {', '.join(report.unpublished)}")
        self.stdout.write(f"Course loaded: {counts}." + (f" ({'; '.join(changes)})" if changes else ""))
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
