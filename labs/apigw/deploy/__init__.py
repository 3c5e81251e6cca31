"""The AWS deployer: plan, apply with a recorder, resume, verify, teardown, reap (see docs/deployer.md).

Plain Python and boto3, no Django. The web side runs ``Deployer.apply`` in a background task with a
recorder that stores the record in its database; the CLI (``labs/apigw/cli.py``) keeps records as JSON
files.
"""

from .calls import Call, join, ref
from .costs import PRICES_CHECKED, CostEstimate, estimate
from .credentials import Credentials, CredentialsError, assume_role, new_external_id, quick_create_url, role_template
from .executor import Deployer, invoke_urls
from .inventory import list_leftovers, list_tagged
from .plan import (
    DEFAULT_HOURS,
    TAG_DEPLOYMENT,
    TAG_LAB,
    TAG_LEARNER,
    TAG_SITE,
    Change,
    Plan,
    PlanError,
    Step,
    deployment_tags,
    make_plan,
    make_teardown_plan,
    new_deployment_id,
)
from .reap import reap, reap_one, reap_store
from .record import DEFAULT_TTL, DeploymentRecord, JsonFileStore, MemoryRecorder, Recorder, due_for_reaping
from .redact import Redactor, redact
from .target import Target
from .verify import compare, read_back, verify


def preflight(plan: Plan, target: Target) -> list[str]:
    """What to know before applying, read from the account: Lambda functions the plan gives permissions
    to that do not exist, and (REST with logging) the account's CloudWatch role. Adds them to
    ``plan.notes`` and returns them."""
    from botocore.exceptions import BotoCoreError, ClientError

    from ..resolved import arn_region
    from .messages import explain, is_not_found

    notes: list[str] = []
    for function in plan.functions:
        try:
            target.client("lambda", arn_region(function) or None).get_function(FunctionName=function)
        except ClientError as exc:
            if is_not_found(exc):
                notes.append(f"The Lambda function {function} does not exist: the step that gives API Gateway "
                             "permission to invoke it will fail. Create the function first (or fix the ARN).")
            else:
                notes.append(f"Could not check the Lambda function {function}: {explain(exc, 'lambda.get_function')}")
        except BotoCoreError as exc:
            notes.append(f"Could not check the Lambda function {function}: {explain(exc, 'lambda.get_function')}")
    logging = any(op.get("path") == "/*/*/logging/loglevel" for s in plan.steps if s.call is not None
                  for op in s.call.params.get("patchOperations", []) if isinstance(op, dict))
    if logging:
        try:
            account = target.client("apigateway").get_account()
            if not account.get("cloudwatchRoleArn"):
                notes.append("Execution logging needs the account's CloudWatch role (API Gateway settings): it is not "
                             "set, so the stage update will fail. Set it once per Region; the deployer does not change "
                             "account-wide settings.")
        except (ClientError, BotoCoreError):
            pass
    plan.notes.extend(n for n in notes if n not in plan.notes)
    return notes


__all__ = [
    "Call", "Change", "CostEstimate", "Credentials", "CredentialsError", "DEFAULT_HOURS", "DEFAULT_TTL", "Deployer",
    "DeploymentRecord", "JsonFileStore", "MemoryRecorder", "PRICES_CHECKED", "Plan", "PlanError", "Recorder", "Redactor",
    "Step", "TAG_DEPLOYMENT", "TAG_LAB", "TAG_LEARNER", "TAG_SITE", "Target", "assume_role", "compare", "deployment_tags",
    "due_for_reaping", "estimate", "invoke_urls", "join", "list_leftovers", "list_tagged", "make_plan",
    "make_teardown_plan", "new_deployment_id", "new_external_id", "preflight", "quick_create_url", "read_back", "reap",
    "reap_one", "reap_store", "redact", "ref", "role_template", "verify",
]
