"""Before applying: what the account says about the plan (Lambda functions, the CloudWatch role)."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from ..resolved import arn_region
from .messages import explain, is_not_found
from .plan import Plan
from .target import Target


def preflight(plan: Plan, target: Target) -> list[str]:
    """What to know before applying, read from the account: Lambda functions the plan gives permissions
    to that do not exist, and (REST with logging) the account's CloudWatch role. Adds them to
    ``plan.notes`` and returns them."""
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
