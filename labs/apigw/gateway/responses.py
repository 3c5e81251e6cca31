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
    # A malformed Lambda proxy response or a function error: 502 Bad Gateway.
    "INTEGRATION_FAILURE": Kind(502, "Internal server error", "InternalServerErrorException"),
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
    "INTEGRATION_FAILURE": Kind(500, "Internal Server Error", ""),
    "INTEGRATION_TIMEOUT": Kind(503, "Service Unavailable", ""),
}


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
