"""``manage.py seed_demo_labs``: the designs the demo class's lab events imply (see ``labs/demo.py``)."""

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from labs import demo


class Command(BaseCommand):
    help = ("Give the demo learners (seed_demo's ada, ben, chen and learner00001 ...) the lab designs their "
            "learning record implies, where they have none for that lab. Development only.")

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, quiet: bool = False, **options):
        if not settings.DEBUG:
            self.stderr.write("Refusing to write demo designs: DJANGO_DEBUG is off (this looks like a production site).")
            return
        names = list(User.objects.filter(username__regex=r"^learner\d{5}$").values_list("username", flat=True))
        made = demo.seed(["ada", "ben", "chen", *names])
        if not quiet:
            self.stdout.write(f"Demo lab designs: {made} added.")
