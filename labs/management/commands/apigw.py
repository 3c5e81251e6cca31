"""`python manage.py apigw validate FILE`, `apigw export FILE --to ...`, `apigw deploy FILE`, `apigw teardown ID`,
`apigw reap` and `apigw invoke FILE` (the sandbox gateway).

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
        _add_deploy_commands(commands)
        _add_invoke_command(commands)

    def handle(self, *args, action: str, file: str | None = None, api_type: str | None = None, **options):
        if action == "invoke":
            code, report = _invoke(file, api_type, options)
            self.stdout.write(report, ending="")
            if code:
                sys.exit(code)
            return
        if action in ("deploy", "teardown", "reap"):
            code = _handle_deploy_command(self, action, file, api_type, options)
            if code:
                sys.exit(code)
            return
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


# -- AWS deployments: apigw deploy FILE | teardown ID | reap -------------------------------------------


def _add_deploy_commands(commands) -> None:
    deploy = commands.add_parser("deploy", help="Plan and deploy a design to AWS; the last line is `deployment <ID>`.")
    deploy.add_argument("file")
    deploy.add_argument("--api-type", choices=API_TYPES)
    deploy.add_argument("--region", required=True)
    deploy.add_argument("--stage", help="Deploy only this stage (made with defaults if the design has none).")
    deploy.add_argument("--endpoint-url", help="Another endpoint for every AWS service (moto, LocalStack).")
    deploy.add_argument("--plan-only", action="store_true", help="Print the plan; make nothing.")
    deploy.add_argument("--deployment", help="Change this existing deployment (the plan is a diff against it).")
    deploy.add_argument("--records", help="Where deployment records are kept (default ~/.gateway-academy/deployments).")
    teardown = commands.add_parser("teardown", help="Delete everything a deployment made; exit 0 only when nothing is left.")
    teardown.add_argument("deployment_id")
    teardown.add_argument("--endpoint-url")
    teardown.add_argument("--records")
    reap = commands.add_parser("reap", help="Tear down deployments left up past their time (for cron): the site's "
                                            "(in its database) and the command line's (record files).")
    reap.add_argument("--endpoint-url", help="For the record files (the site's use AWS_DEPLOY_ENDPOINT_URL).")
    reap.add_argument("--records")
    reap.add_argument("--only", choices=("site", "files"), help="Reap only the site's deployments, or only the files'.")


def _handle_deploy_command(command: BaseCommand, action: str, file: str | None, api_type: str | None, options) -> int:
    def out(line: str) -> None:
        command.stdout.write(line)

    if action == "deploy":
        return cli.deploy_file(file, region=options["region"], api_type=api_type, stage=options.get("stage"),
                               endpoint_url=options.get("endpoint_url"), plan_only=options.get("plan_only", False),
                               records=options.get("records"), deployment=options.get("deployment"), out=out)
    if action == "teardown":
        return cli.teardown_deployment(options["deployment_id"], endpoint_url=options.get("endpoint_url"),
                                       records=options.get("records"), out=out)
    code = 0
    if options.get("only") != "files":
        code = _reap_site(out)
    if options.get("only") != "site":
        code = max(code, cli.reap_deployments(records=options.get("records"), endpoint_url=options.get("endpoint_url"),
                                              out=out))
    return code


def _reap_site(out) -> int:
    """The site's deployments past their time, each claimed under SELECT ... FOR UPDATE SKIP LOCKED (safe
    from cron on several servers). Pasted-credential ones are reported, not failed: only the learner can."""
    from django.db import DatabaseError

    from labs import awsdeploy

    try:
        results = awsdeploy.reap_due(out=lambda line: out(f"site: {line}"))
    except DatabaseError as exc:  # a command-line install that never migrated has no site deployments
        out(f"site: not reaped, the database can't be read ({type(exc).__name__}: run manage.py migrate, "
            "or use --only files).")
        return 1
    if not results:
        out("site: nothing to reap.")
    failed = [r for r in results if not r["reaped"] and "pasted" not in r["why"]]
    return 1 if failed else 0


# -- The sandbox gateway: apigw invoke FILE ----------------------------------------------------------------


def _add_invoke_command(commands) -> None:
    invoke = commands.add_parser(
        "invoke", help="Deploy a design to a throw-away sandbox and send it requests; prints each response and its trace.")
    invoke.add_argument("file")
    invoke.add_argument("--api-type", choices=API_TYPES)
    invoke.add_argument("--stage", help="Deploy to and call this stage (default: the design's stages; the first is called).")
    invoke.add_argument("--method", default="GET")
    invoke.add_argument("--path", default="/", help="The path after the stage, e.g. /orders/1.")
    invoke.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'")
    invoke.add_argument("--query", default="", metavar="'a=1&b=2'")
    invoke.add_argument("--body", default="")
    invoke.add_argument("--source-vpce", default="", help="The interface VPC endpoint the request comes through.")
    invoke.add_argument("--identity", default="", help="A sample IAM identity that signs the request (backend, reader...).")
    invoke.add_argument("--sample-token", action="store_true",
                        help="Send a JWT that the API's Cognito or JWT authorizer accepts.")
    invoke.add_argument("--repeat", type=int, default=1, help="Send N requests.")
    invoke.add_argument("--rate", type=float, help="Requests per second of virtual time (default: all at one instant).")
    invoke.add_argument("--seed", type=int, default=0, help="Seeds the sandbox: the same seed replays the same run.")
    invoke.add_argument("--format", choices=("text", "json"), default="text")


def _invoke(file: str, api_type: str | None, options) -> tuple[int, str]:
    return cli.invoke_file(file, api_type=api_type, stage=options.get("stage"), method=options["method"],
                           request_path=options["path"], headers=options["header"], query=options["query"],
                           body=options["body"], source_vpce=options["source_vpce"], identity=options["identity"],
                           repeat=options["repeat"], rate=options.get("rate"), seed=options["seed"],
                           fmt=options["format"], sample_token=options["sample_token"])
