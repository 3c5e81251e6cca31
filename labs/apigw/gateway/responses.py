"""API Gateway's own answers (gateway responses): status, body and ``x-amzn-ErrorType`` per API type.

REST APIs answer with a *gateway response* of a type (``MISSING_AUTHENTICATION_TOKEN``...) whose
default status is documented in "Gateway response types for API Gateway"; its body is
``{"message":$context.error.messageString}`` and the ``x-amzn-ErrorType`` header names the error.
HTTP APIs have no gateway responses to customise and answer with their own short bodies
(``{"message":"Not Found"}``); WebSocket APIs send the error to the connection. The texts are the ones
AWS sends (see docs/sandbox.md for where each comes from).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .core import GatewayError


@dataclass(frozen=True)
class Kind:
    status: int
    message: str | None
    error_type: str
    key: str = "message"  # some REST denials say "Message"


#: REST (and WebSocket $connect) gateway responses, by type, with the default text.
REST = {
    "MISSING_AUTHENTICATION_TOKEN": Kind(403, "Missing Authentication Token", "MissingAuthenticationTokenException"),
    "INVALID_API_KEY": Kind(403, "Forbidden", "ForbiddenException"),
    "FORBIDDEN": Kind(403, "Forbidden", "ForbiddenException"),
    "UNAUTHORIZED": Kind(401, "Unauthorized", "UnauthorizedException"),
    "ACCESS_DENIED": Kind(403, "User is not authorized to access this resource", "AccessDeniedException", "Message"),
    "INVALID_SIGNATURE": Kind(403, "The security token included in the request is invalid.",
                              "UnrecognizedClientException"),
    "EXPIRED_TOKEN": Kind(403, "The security token included in the request is expired", "ExpiredTokenException"),
    "AUTHORIZER_FAILURE": Kind(500, None, "AuthorizerConfigurationException"),
    "AUTHORIZER_CONFIGURATION_ERROR": Kind(500, None, "AuthorizerConfigurationException"),
    "THROTTLED": Kind(429, "Too Many Requests", "TooManyRequestsException"),
    "QUOTA_EXCEEDED": Kind(429, "Limit Exceeded", "LimitExceededException"),
    "REQUEST_TOO_LARGE": Kind(413, "Request Too Long", "RequestTooLargeException"),
    "BAD_REQUEST_BODY": Kind(400, "Invalid request body", "BadRequestException"),
    "BAD_REQUEST_PARAMETERS": Kind(400, "Missing required request parameters", "BadRequestException"),
    "UNSUPPORTED_MEDIA_TYPE": Kind(415, "Unsupported Media Type", "UnsupportedMediaTypeException"),
    "RESOURCE_NOT_FOUND": Kind(404, "Not Found", "NotFoundException"),
    "API_CONFIGURATION_ERROR": Kind(500, "Internal server error", "InternalServerErrorException"),
    # A malformed Lambda proxy response or a function error: 502 with {"message": "Internal server error"},
    # as AWS's Lambda guide says (SOURCES["rest", "malformed"]). AWS's table of gateway response types gives
    # INTEGRATION_FAILURE a default of 504, but the sandbox raises this type only for those two Lambda cases.
    "INTEGRATION_FAILURE": Kind(502, "Internal server error", "InternalServerErrorException"),
    # 504, the INTEGRATION_TIMEOUT default status in AWS's table (SOURCES["rest", "timeout"]).
    "INTEGRATION_TIMEOUT": Kind(504, "Endpoint request timed out", "InternalServerErrorException"),
}

#: HTTP APIs: the same situations, HTTP API's own answers (no x-amzn-ErrorType header).
HTTP = {
    "MISSING_AUTHENTICATION_TOKEN": Kind(404, "Not Found", ""),
    "RESOURCE_NOT_FOUND": Kind(404, "Not Found", ""),
    "INVALID_API_KEY": Kind(403, "Forbidden", ""),
    "FORBIDDEN": Kind(403, "Forbidden", ""),
    "UNAUTHORIZED": Kind(401, "Unauthorized", ""),
    "ACCESS_DENIED": Kind(403, "Forbidden", ""),
    "INVALID_SIGNATURE": Kind(403, "Forbidden", ""),
    "EXPIRED_TOKEN": Kind(403, "Forbidden", ""),
    "AUTHORIZER_FAILURE": Kind(500, "Internal Server Error", ""),
    "AUTHORIZER_CONFIGURATION_ERROR": Kind(500, "Internal Server Error", ""),
    "THROTTLED": Kind(429, "Too Many Requests", ""),
    "QUOTA_EXCEEDED": Kind(429, "Too Many Requests", ""),
    "REQUEST_TOO_LARGE": Kind(413, "Request Entity Too Large", ""),
    "BAD_REQUEST_BODY": Kind(400, "Bad Request", ""),
    "BAD_REQUEST_PARAMETERS": Kind(400, "Bad Request", ""),
    "UNSUPPORTED_MEDIA_TYPE": Kind(415, "Unsupported Media Type", ""),
    "API_CONFIGURATION_ERROR": Kind(500, "Internal Server Error", ""),
    # A malformed Lambda response or a function error: {"message":"Internal Server Error"}, the 500 of
    # AWS's HTTP API Lambda troubleshooting page (SOURCES["http", "malformed"]).
    "INTEGRATION_FAILURE": Kind(500, "Internal Server Error", ""),
    # AWS's documentation gives no status for an HTTP API integration timeout (its 504 article explains
    # REST's maximum integration timeout); HTTP APIs are seen to send 503 {"message":"Service Unavailable"}
    # (a captured response: github.com/cortexlabs/cortex/issues/1225). SOURCES["http", "timeout"].
    "INTEGRATION_TIMEOUT": Kind(503, "Service Unavailable", ""),
}

#: Where each integration error's status comes from, quoted in the trace so a learner can check it.
SOURCES = {
    ("rest", "timeout"): "https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html",
    ("rest", "malformed"): "https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html",
    ("http", "timeout"): "https://github.com/cortexlabs/cortex/issues/1225 (an HTTP API's answer as captured; AWS's "
                         "documentation states no status for it)",
    ("http", "malformed"): "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html",
}


def source(api_type: str, situation: str) -> str:
    """" Source: <where the status is documented>." for an integration ``timeout`` or a ``malformed`` answer."""
    found = SOURCES.get(("http" if api_type == "http" else "rest", situation))
    return f" Source: {found}." if found else ""


def _body(kind: Kind, message: str | None, api_type: str) -> str:
    text = kind.message if message is None else message
    if api_type == "rest" and kind.error_type in ("InternalServerErrorException",) and text in (
            "Internal server error", "Endpoint request timed out"):
        return json.dumps({kind.key: text})  # these two are sent with a space after the colon
    return json.dumps({kind.key: text}, separators=(",", ":"))


def error(api_type: str, response_type: str, message: str | None = None, *, key: str | None = None,
          headers: dict[str, str] | None = None) -> GatewayError:
    """The gateway response of ``response_type`` for the API type, optionally with another message."""
    table = HTTP if api_type == "http" else REST
    kind = table[response_type]
    if key is not None:
        kind = Kind(kind.status, kind.message, kind.error_type, key)
    body = _body(kind, message, api_type)
    out_headers = {"Content-Type": "application/json"}
    if kind.error_type:
        out_headers["x-amzn-ErrorType"] = kind.error_type
    out_headers.update(headers or {})
    return GatewayError(response_type, kind.status, body, kind.error_type, out_headers)
