"""What went wrong, in plain words, and what to do about it."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    ReadTimeoutError,
)

ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException",
                 "AuthorizationError", "Forbidden", "403"}
BAD_CREDENTIALS = {"UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException",
                   "InvalidSignatureException", "SignatureDoesNotMatch", "RequestExpired"}
THROTTLED = {"TooManyRequestsException", "ThrottlingException", "Throttling", "RequestLimitExceeded", "429"}
QUOTA = {"LimitExceededException", "ServiceQuotaExceededException", "QuotaExceededException"}
NOT_FOUND = {"NotFoundException", "ResourceNotFoundException", "NoSuchEntity", "404"}
CONFLICT = {"ConflictException", "ResourceConflictException"}


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "")) or str(exc.response.get("ResponseMetadata", {})
                                                                            .get("HTTPStatusCode", ""))
    return type(exc).__name__


def error_message(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Message", "")) or str(exc)
    return str(exc)


def attempts(exc: BaseException) -> int:
    if isinstance(exc, ClientError):
        return int(exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)) + 1
    return 1


def is_not_found(exc: BaseException) -> bool:
    return isinstance(exc, ClientError) and error_code(exc) in NOT_FOUND


def is_conflict(exc: BaseException) -> bool:
    return isinstance(exc, ClientError) and error_code(exc) in CONFLICT


def explain(exc: BaseException, call: str = "", *, region: str = "", function: str = "", account: str = "") -> str:
    """The error as a sentence for the learner: what happened, and what to do."""
    code, message = error_code(exc), error_message(exc)
    where = f" ({call})" if call else ""
    if isinstance(exc, NoCredentialsError):
        return ("No AWS credentials were found. Connect your account's role on the site, paste temporary credentials, "
                "or (on the command line) set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.")
    if isinstance(exc, NoRegionError):
        return "No AWS Region was given: choose one (for example --region us-east-1)."
    if isinstance(exc, EndpointConnectionError):
        return (f"Could not reach AWS{where}: {message}. Check the network and the Region name; a Region that is "
                f"not enabled for the account (opt-in Regions) can't be used until it is enabled in the account "
                "settings.")
    if isinstance(exc, ConnectTimeoutError | ReadTimeoutError | ConnectionClosedError):
        return f"The network connection to AWS failed{where}: {message}. Check the connection and deploy again."
    if isinstance(exc, ParamValidationError):
        return f"The deployer built a call AWS's SDK refuses{where}: {message}. This is a bug in Gateway Academy."
    if isinstance(exc, BotoCoreError):
        return f"The AWS SDK failed{where}: {message}"
    if code in ACCESS_DENIED:
        return (f"AWS refused the call{where}: the credentials in use may not do it ({message}). If you deploy with "
                "the Gateway Academy role, update its stack from the latest template; otherwise give your user the "
                "permissions that template lists.")
    if code in BAD_CREDENTIALS:
        return (f"AWS did not accept the credentials{where}: {message}. They may have expired: paste fresh temporary "
                f"credentials or reconnect your role. In a Region that is not enabled for the account ({region or 'this one'}) "
                "AWS answers the same way: enable it in the account settings, or choose another Region.")
    if code in THROTTLED:
        return (f"API Gateway kept throttling the calls{where} even after {attempts(exc)} attempts with backoff "
                "(its control plane allows few calls: CreateRestApi 1 every 3 s, CreateDeployment 1 every 5 s). "
                "Wait a minute and deploy again.")
    if code in QUOTA:
        return (f"An AWS quota was reached{where}: {message}. Tear down deployments you no longer need, or ask for a "
                "higher quota in the Service Quotas console.")
    if code in NOT_FOUND and call.startswith("lambda."):
        fn = function or "the Lambda function"
        return (f"The Lambda function {fn} does not exist in {region or 'this Region'}"
                + (f" of account {account}" if account else "")
                + ". Create it (or correct the ARN in your design), then deploy again.")
    if code == "BadRequestException":
        return (f"API Gateway rejected the request{where}: {message}. Something in the design is not accepted by "
                "AWS: check it with validate, and tell us which rule should have caught it.")
    if code in CONFLICT:
        return f"Something with the same name already exists{where}: {message}."
    return f"AWS returned {code or 'an error'}{where}: {message}"


def http_status(exc: BaseException) -> int | None:
    if isinstance(exc, ClientError):
        return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return None


def rejected(error: dict[str, Any] | None) -> bool:
    """AWS answered 4xx: it refused the request, so the call made nothing (a 5xx or a network error may
    have come after the work was done)."""
    status = (error or {}).get("status")
    return isinstance(status, int) and 400 <= status < 500


def describe(exc: BaseException) -> dict[str, Any]:
    return {"code": error_code(exc), "message": error_message(exc), "attempts": attempts(exc), "status": http_status(exc)}
