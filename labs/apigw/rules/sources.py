"""The AWS documentation pages the rules cite (a rule's ``source`` is what the learner follows).

``shared/reference/apigw-facts.md`` keeps the research behind each rule; a finding links the AWS page
that states the fact.  A rule whose fact lives on a different page for each API type gives a mapping
``{api_type: url}`` instead of one URL.
"""

from __future__ import annotations

from types import MappingProxyType

_GUIDE = "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
_API_V1 = "https://docs.aws.amazon.com/apigateway/latest/api/"
_API_V2 = "https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/"


def guide(page: str, anchor: str = "") -> str:
    """A page of the API Gateway Developer Guide."""
    return f"{_GUIDE}{page}.html" + (f"#{anchor}" if anchor else "")


def rest_api(operation: str) -> str:
    """An operation of the API Gateway (REST, v1) API Reference, e.g. ``PutIntegration``."""
    return f"{_API_V1}API_{operation}.html"


def v2_api(resource: str) -> str:
    """A resource of the API Gateway v2 (HTTP and WebSocket) API Reference, e.g. ``apis-apiid-routes``."""
    return f"{_API_V2}{resource}.html"


def by_type(rest: str, v2: str) -> MappingProxyType[str, str]:
    """One page for REST APIs, another for HTTP and WebSocket APIs."""
    return MappingProxyType({"rest": rest, "http": v2, "websocket": v2})


#: "Choose between REST APIs and HTTP APIs": the feature comparison.
COMPARISON = guide("http-api-vs-rest")
#: The per-API quotas of each API type (the "Can be increased" column).
QUOTAS = MappingProxyType(
    {
        "rest": guide("api-gateway-execution-service-limits-table"),
        "http": guide("http-api-quotas"),
        "websocket": guide("apigateway-execution-service-websocket-limits-table"),
    }
)
#: "Amazon API Gateway important notes", REST section (path characters, reserved paths).
REST_NOTES = guide("api-gateway-known-issues", "api-gateway-known-issues-rest-apis")
#: The same page, REST and WebSocket section (stage names, metrics dimensions).
REST_WEBSOCKET_NOTES = guide("api-gateway-known-issues", "api-gateway-known-issues-rest-and-websocket-apis")
#: The API references themselves (every enumerated value of a design is listed there).
API_REFERENCE = by_type(rest_api("Operations"), _API_V2)
REST_RESOURCES = guide("api-gateway-method-settings-method-request")
HTTP_ROUTES = guide("http-api-develop-routes")
WEBSOCKET_ROUTES = guide("websocket-api-develop-routes")
ROUTES = MappingProxyType({"rest": REST_RESOURCES, "http": HTTP_ROUTES, "websocket": WEBSOCKET_ROUTES})
INTEGRATIONS = by_type(rest_api("PutIntegration"), v2_api("apis-apiid-integrations"))
AUTHORIZERS = by_type(rest_api("CreateAuthorizer"), v2_api("apis-apiid-authorizers"))
METHOD_AUTHORIZATION = by_type(rest_api("PutMethod"), v2_api("apis-apiid-routes"))
STAGES = by_type(rest_api("CreateStage"), v2_api("apis-apiid-stages"))
CREATE_API = by_type(rest_api("CreateRestApi"), v2_api("apis"))
USAGE_PLANS = rest_api("CreateUsagePlan")
REST_CORS = guide("how-to-cors")
HTTP_CORS = guide("http-api-cors")
THROTTLING = guide("api-gateway-request-throttling")
