"""Demo accounts for a local try-out: one instructor and three learners, and with `--learners N` a
"Demo class" of theirs with N more learners and a realistic record. Safe to run again.

It lives in classroom (it was courseware's) because the demo class is classroom's; the accounts are
the same as ever."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from courseware.models import Lesson
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
    help = ("Create the demo instructor and learners (password: academy-demo) if they do not exist; with "
            "--learners N, a 'Demo class' of the instructor with N generated learners and their activity.")

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")
        parser.add_argument("--learners", type=int, default=0, metavar="N",
                            help="Generated learners in the demo class (0: no class). 30 is plenty to look at.")
        parser.add_argument("--seed", type=int, default=2026, help="Seed of the generator (the same N and seed "
                                                                   "give the same class).")

    def handle(self, *args, quiet: bool = False, learners: int = 0, seed: int = 2026, **options):
        if not settings.DEBUG:
            self.stderr.write(
                "Refusing to create demo accounts with a known password: DJANGO_DEBUG is off "
                "(this looks like a production site)."
            )
            return
        if learners < 0 or learners > 100_000:
            raise CommandError("--learners takes 0 to 100000.")
        users = {}
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
            users[username] = user
        if learners:
            if not Lesson.objects.exists():
                raise CommandError("Load the course first: python manage.py sync_content")
            from classroom.demo import build_cohort

            started = time.monotonic()
            report = (lambda done, total: self.stdout.write(f"  {done}/{total} learners")) if learners >= 1000 and not quiet else None
            cohort = build_cohort(users["ines"], learners, extra_members=[users["ada"], users["ben"], users["chen"]],
                                  password=DEMO_PASSWORD, seed=seed, progress=report)
            if not quiet:
                self.stdout.write(f"{cohort.name}: {cohort.current_memberships().count()} learners "
                                  f"({time.monotonic() - started:.1f} s), join code {cohort.join_code_display}.")
        if not quiet:
            self.stdout.write("Demo logins (password for all: %s):" % DEMO_PASSWORD)
            for username, first_name, instructor in DEMO_USERS:
                role = "instructor" if instructor else "learner"
                self.stdout.write(f"  {username:<6} {role}")
            if learners:
                self.stdout.write(f"  learner00001 … learner{learners:05d}  learners of the demo class")
