"""The decision helper of the "Choosing a design" lesson: answers about clients, protocol, features
and priorities in, a recommended API type and endpoint type out, each with its reasons and the
lesson sections that teach them. Plain data and one function, so it is easy to test and to extend.

The labs to try come from the lab catalogue (`courseware.models.Lab`, registered by the labs app at
sync), chosen by what each lab's reference design uses (`Lab.features`): the labs of the recommended
API type that practise the features asked for, then those with the recommended endpoint type. No lab
is named here; a lab that leaves the catalogue is no longer recommended.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from .models import Lab

PROTOCOLS = {
    "request": "Request and response (a client asks, the API answers)",
    "two-way": "Two-way, real time (the server pushes messages to connected clients)",
}
CLIENTS = {
    "global": "Public clients all over the world (browsers, mobile apps)",
    "regional": "Clients in the API's own AWS Region (EC2, containers, other services)",
    "vpc": "Only clients inside our VPC; nothing public",
}
NEEDS = {
    "api-keys": "API keys and usage plans (per-client quotas)",
    "caching": "Response caching in API Gateway",
    "waf": "AWS WAF in front of the API",
    "canary": "Canary releases of new versions",
    "transform": "Transform or validate requests (mapping templates, a direct AWS service call)",
    "mock": "Mock responses while the backend is built",
    "jwt": "Built-in JWT / OpenID Connect authorization",
}
PRIORITIES = {
    "cost": "Lowest cost and latency",
    "features": "The richest feature set",
}
REST_ONLY = {"api-keys", "caching", "waf", "canary", "transform", "mock"}

# What a need or an endpoint type looks like in a lab's reference design (`Lab.features` tags).
NEED_FEATURES = {
    "api-keys": "feature:api_keys",
    "caching": "feature:caching",
    "waf": "feature:waf",
    "canary": "feature:canary",
    "transform": "integration:aws",
    "mock": "integration:mock",
    "jwt": "authorizer:JWT",
}
ENDPOINT_FEATURES = {"Edge-optimized": "endpoint:EDGE", "Regional": "endpoint:REGIONAL", "Private": "endpoint:PRIVATE"}
API_TYPES = {"REST": "rest", "HTTP": "http", "WebSocket": "websocket"}
MAX_LABS = 3


@dataclass
class Reason:
    text: str
    lesson: str  # "slug#anchor"


class CatalogueLab(Protocol):
    """What the helper reads of a lab: a `courseware.models.Lab`, or any object with these fields."""

    slug: str
    title: str
    api_type: str
    features: Sequence[str]


@dataclass
class Recommendation:
    api_type: str  # "REST" | "HTTP" | "WebSocket"
    endpoint_type: str  # "Edge-optimized" | "Regional" | "Private"
    reasons: list[Reason] = field(default_factory=list)
    cautions: list[Reason] = field(default_factory=list)
    needs: frozenset[str] = frozenset()
    # The labs to choose from; None: the published labs of the catalogue, read when first needed.
    catalogue: Sequence[CatalogueLab] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def lab_entries(self) -> list[CatalogueLab]:
        """The labs to try, with their titles (`Lab` rows unless a catalogue was given): one query."""
        if self.catalogue is None:
            self.catalogue = list(Lab.objects.published())
        return choose_labs(self.catalogue, self.api_type, self.endpoint_type, self.needs)

    @property
    def labs(self) -> list[str]:
        """The slugs of `lab_entries`."""
        return [lab.slug for lab in self.lab_entries]


def choose_labs(
    catalogue: Iterable[CatalogueLab], api_type: str, endpoint_type: str, needs: Iterable[str] = ()
) -> list[CatalogueLab]:
    """The labs of `api_type` that practise the most of the needs (two points each) and the endpoint
    type (one point), best first, in catalogue order among equals; every lab of the API type when none
    scores. At most MAX_LABS."""
    wanted = {NEED_FEATURES[need] for need in needs if need in NEED_FEATURES}
    endpoint = ENDPOINT_FEATURES.get(endpoint_type, "")
    candidates = [lab for lab in catalogue if lab.api_type == API_TYPES.get(api_type)]

    def score(lab: CatalogueLab) -> int:
        features = set(lab.features)
        return 2 * len(features & wanted) + (endpoint in features)

    scored = sorted(((score(lab), index, lab) for index, lab in enumerate(candidates)), key=lambda t: (-t[0], t[1]))
    chosen = [lab for points, _, lab in scored if points] or candidates
    return chosen[:MAX_LABS]


def recommend(
    protocol: str, clients: str, needs: set[str], priority: str, catalogue: Sequence[CatalogueLab] | None = None
) -> Recommendation:
    """`catalogue`: the labs to choose from (default: the published lab catalogue, read only when the
    recommendation's labs are first asked for, so the rest stays a pure function)."""
    if protocol == "two-way":
        rec = _websocket(clients, needs)
    else:
        rest_needs = sorted(needs & REST_ONLY)
        if clients == "vpc" or rest_needs:
            rec = _rest(clients, needs, rest_needs, priority)
        else:
            rec = _http(clients, needs, priority)
    rec.needs = frozenset(needs)
    rec.catalogue = catalogue
    return rec


def _websocket(clients: str, needs: set[str]) -> Recommendation:
    rec = Recommendation("WebSocket", "Regional")
    rec.reasons.append(Reason(
        "Clients and server keep a connection open and either side can send a message: that is a "
        "WebSocket API. Messages reach a route chosen by the route selection expression, such as "
        "$request.body.action.", "api-types"))
    rec.reasons.append(Reason("WebSocket APIs have only regional endpoints.", "endpoint-types"))
    rec.reasons.append(Reason(
        "Clients are authorized once, on $connect (IAM, a Lambda REQUEST authorizer or an API key), and "
        "your backend pushes messages to them through the @connections API.",
        "websocket-in-depth#connect-authorization"))
    rec.cautions.append(Reason(
        "A connection closes after 10 minutes without traffic and after 2 hours at most, so clients must "
        "reconnect; messages are limited to 128 KB.", "websocket-in-depth#limits"))
    rec.cautions.append(Reason(
        "WebSocket APIs are billed for connection minutes as well as messages: idle connections cost money.",
        "cost#websocket-pricing"))
    if clients == "vpc":
        rec.cautions.append(Reason(
            "Private endpoints exist only for REST APIs, so a WebSocket API cannot be made private. "
            "Limit who may connect with IAM authorization or a Lambda authorizer on $connect.",
            "endpoint-types"))
    if needs & REST_ONLY - {"api-keys"}:
        rec.cautions.append(Reason(
            "Caching, AWS WAF and canary releases are REST API features; a WebSocket API does not offer them.",
            "api-types#feature-comparison"))
    if "jwt" in needs:
        rec.cautions.append(Reason(
            "WebSocket APIs have no JWT authorizer: check the token in a Lambda authorizer on $connect.",
            "websocket-in-depth#connect-authorization"))
    return rec


def _rest(clients: str, needs: set[str], rest_needs: list[str], priority: str = "features") -> Recommendation:
    endpoint = {"vpc": "Private", "regional": "Regional"}.get(clients, "Edge-optimized")
    rec = Recommendation("REST", endpoint)
    if clients == "vpc":
        rec.reasons.append(Reason(
            "Only REST APIs have private endpoints: clients reach them through an interface VPC "
            "endpoint, and a resource policy must allow them (without one every call is denied).",
            "endpoint-types"))
    if rest_needs:
        names = ", ".join(NEEDS[need].split(" (")[0].lower() for need in rest_needs)
        rec.reasons.append(Reason(
            f"You need {names}: HTTP APIs do not offer {'it' if len(rest_needs) == 1 else 'them'}; REST APIs do.",
            "api-types#feature-comparison"))
    if "canary" in needs:
        rec.cautions.append(Reason(
            "Decide on a canary with data: set up metrics, logs and alarms first, and compare the canary's "
            "error rate and latency with the production release's before you promote it.",
            "observability#alarms"))
    if "transform" in needs:
        rec.reasons.append(Reason(
            "Mapping templates let API Gateway reshape the request itself, for example into a DynamoDB "
            "call with no Lambda function in between.", "mapping-templates"))
    if "caching" in needs:
        rec.cautions.append(Reason(
            "A stage cache is billed by the hour for its size, whether or not it is used, and is not "
            "covered by the free tier.", "cost#rest-pricing"))
    if "api-keys" in needs:
        rec.cautions.append(Reason(
            "Throttled and over-quota callers get 429 gateway responses; customize them so that clients "
            "can tell the two apart and react.", "errors-gateway-responses"))
        rec.cautions.append(Reason(
            "Give clients a stable address on your own domain name: API mappings let a later version "
            "share it.", "custom-domains#api-mappings"))
    if priority == "cost" and rest_needs:
        rec.cautions.append(Reason(
            "You asked for the lowest cost, but a REST API request costs more than three times an HTTP API "
            "request; the REST-only features you need are what you pay for.", "cost#pricing-model"))
    if endpoint == "Edge-optimized":
        rec.reasons.append(Reason(
            "Clients all over the world connect to the nearest CloudFront point of presence of an "
            "edge-optimized endpoint.", "endpoint-types"))
    elif endpoint == "Regional":
        rec.reasons.append(Reason(
            "Clients in the same Region reach a regional endpoint directly, without the detour through "
            "CloudFront that an edge-optimized endpoint would add.", "endpoint-types"))
    if "jwt" in needs:
        rec.cautions.append(Reason(
            "REST APIs have no JWT authorizer: use a Cognito user pool authorizer, or check the token "
            "in a Lambda authorizer.", "security"))
    return rec


def _http(clients: str, needs: set[str], priority: str) -> Recommendation:
    rec = Recommendation("HTTP", "Regional")
    rec.reasons.append(Reason(
        "Nothing you need is REST-only, and HTTP APIs are built for low latency and low cost.",
        "api-types#feature-comparison"))
    if "jwt" in needs:
        rec.reasons.append(Reason("HTTP APIs validate JWTs themselves with a JWT authorizer.", "security"))
    rec.reasons.append(Reason("HTTP APIs have only regional endpoints.", "endpoint-types"))
    if priority == "cost":
        rec.reasons.append(Reason(
            "An HTTP API request costs less than a third of a REST API request; requests are metered in "
            "512 KB increments.", "cost#http-pricing"))
    rec.cautions.append(Reason(
        "HTTP APIs have access logs only (no execution logs and no X-Ray tracing): put what you will need "
        "into the access log format from the start.", "observability#access-logs"))
    if clients == "global":
        rec.cautions.append(Reason(
            "For clients around the world, put your own CloudFront distribution in front of the "
            "regional endpoint, or deploy to several Regions behind one custom domain with "
            "latency-based routing in Route 53.", "endpoint-types"))
    if priority == "features":
        rec.cautions.append(Reason(
            "If you later need API keys and usage plans, caching, AWS WAF or canary releases, those "
            "are REST API features.", "api-types#feature-comparison"))
    return rec
