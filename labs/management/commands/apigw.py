"""`python manage.py apigw validate FILE` and `python manage.py apigw export FILE --to ...`.

A thin wrapper: the work is done by labs.apigw.cli, which knows nothing of Django.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from labs.apigw import cli
from labs.apigw.model import API_TYPES, DesignError


class Command(BaseCommand):
    help = "Validate or convert an API design: an OpenAPI 3.0 / Swagger 2.0 document or a design JSON."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        check = commands.add_parser("validate", help="Print every finding with its rule id; exit 1 on an error.")
        check.add_argument("file")
        check.add_argument("--api-type", choices=API_TYPES)
        check.add_argument("--format", choices=("text", "json"), default="text")
        export = commands.add_parser("export", help="Convert to OpenAPI 3.0 or CloudFormation.")
        export.add_argument("file")
        export.add_argument("--to", choices=("openapi", "cloudformation"), required=True)
        export.add_argument("--format", choices=("yaml", "json"), default="yaml")
        export.add_argument("--api-type", choices=API_TYPES)
        export.add_argument("--output", "-o", help="Write here instead of standard output.")

    def handle(self, *args, action: str, file: str, api_type: str | None = None, **options):
        if action == "validate":
            code, report = cli.validate_file(file, api_type=api_type, fmt=options["format"])
            self.stdout.write(report, ending="")
            if code:
                sys.exit(code)
            return
        try:
            text = cli.export_file(file, to=options["to"], fmt=options["format"], api_type=api_type)
        except DesignError as error:
            raise CommandError(f"{file}: {error}") from None
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {options['output']}")
        else:
            self.stdout.write(text, ending="")
