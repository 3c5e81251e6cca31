"""Demo accounts for a local try-out: one instructor and three learners. Safe to run again."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from courseware.roles import make_instructor

DEMO_PASSWORD = "academy-demo"
DEMO_USERS = [
    # username, first name, instructor?
    ("ines", "Inès (instructor)", True),
    ("ada", "Ada", False),
    ("ben", "Ben", False),
    ("chen", "Chen", False),
]


class Command(BaseCommand):
    help = "Create the demo instructor and learners (password: academy-demo) if they do not exist."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")

    def handle(self, *args, quiet: bool = False, **options):
        if not settings.DEBUG:
            self.stderr.write(
                "Refusing to create demo accounts with a known password: DJANGO_DEBUG is off "
                "(this looks like a production site)."
            )
            return
        for username, first_name, instructor in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first_name, "email": f"{username}@example.com"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if instructor:
                make_instructor(user)
        if not quiet:
            self.stdout.write("Demo logins (password for all: %s):" % DEMO_PASSWORD)
            for username, first_name, instructor in DEMO_USERS:
                role = "instructor" if instructor else "learner"
                self.stdout.write(f"  {username:<6} {role}")
