"""Where rules, hints and objectives point the learner: lesson sections and named misconceptions.

Kept in one place so that when the course content settles (lesson section ids, misconception slugs in
``courseware/content/misconceptions.yaml``) only this file changes.  Lesson links are
``"lesson-slug#section-anchor"``; the anchors are the Python-Markdown toc slugs of the section titles we
use in ``courseware/content/lessons`` (a test checks every anchor and misconception slug against the
course content when it is present).
"""

from __future__ import annotations

from dataclasses import dataclass

LESSON_SLUGS = (
    "front-door",
    "api-types",
    "endpoint-types",
    "integrations",
    "synchronous-invocation",
    "security",
    "stages-deployments",
    "openapi-sdk",
    "choosing-a-design",
)

#: topic -> "lesson-slug#section-anchor".  Rules, hints and objectives refer to topics, never to anchors.
LESSONS: dict[str, str] = {
    "api-types": "api-types#feature-comparison",
    "websocket": "api-types#websocket",
    "route-selection": "api-types#websocket",
    "quotas": "choosing-a-design#features",
    "edge": "endpoint-types#edge-optimized",
    "regional": "endpoint-types#regional",
    "private": "endpoint-types#private",
    "private-policy": "endpoint-types#resource-policy",
    "choosing-endpoint": "choosing-a-design#clients",
    "integrations": "integrations#what-is-an-integration",
    "lambda-proxy": "integrations#proxy-vs-custom",
    "custom-integrations": "integrations#proxy-vs-custom",
    "aws-service": "integrations#aws-service",
    "mock": "integrations#mock",
    "private-integrations": "integrations#vpc-links",
    "payload-format": "integrations#payload-format-version",
    "timeout": "synchronous-invocation#timeout",
    "retries": "synchronous-invocation#retries",
    "security": "security#layers",
    "sigv4": "security#sigv4",
    "iam": "security#iam-authorization",
    "lambda-authorizers": "security#lambda-authorizers",
    "cognito": "security#cognito",
    "jwt": "security#jwt-authorizers",
    "resource-policy": "security#resource-policies",
    "api-keys": "security#api-keys",
    "cors": "security#cors",
    "request-validation": "security#layers",
    "waf": "security#waf",
    "stages": "stages-deployments#stages",
    "deployments": "stages-deployments#deployments",
    "stage-variables": "stages-deployments#stage-variables",
    "canary": "stages-deployments#canary-releases",
    "caching": "stages-deployments#caching",
    "throttling": "stages-deployments#throttling",
    "logging": "stages-deployments#monitoring",
    "openapi": "openapi-sdk#extensions",
    "sdk": "openapi-sdk#sdk-generation",
    "tags": "choosing-a-design#features",
}


@dataclass(frozen=True)
class Misconception:
    slug: str
    statement: str
    correction: str
    lesson: str


def _m(slug: str, statement: str, correction: str, topic: str) -> Misconception:
    return Misconception(slug, statement, correction, LESSONS[topic])


#: The misconceptions named in CONTENT.md, in its words (statement, then the correction in brackets there).
MISCONCEPTIONS: dict[str, Misconception] = {
    m.slug: m
    for m in (
        _m(
            "http-api-has-rest-features",
            "HTTP APIs support API keys, usage plans, caching, WAF, canary releases or private endpoints.",
            "They don't; those are REST API features.",
            "api-types",
        ),
        _m(
            "private-not-rest-only",
            "Private endpoints work for HTTP or WebSocket APIs.",
            "Private endpoints are REST only.",
            "private",
        ),
        _m(
            "lambda-retries",
            "API Gateway retries a failed synchronous Lambda invocation.",
            "It does not; the caller gets the error.",
            "retries",
        ),
        _m(
            "timeout-always-raisable",
            "Any integration timeout can be raised above 29 s.",
            "Only REST regional and private APIs, by quota request; HTTP APIs stop at 30 s.",
            "timeout",
        ),
        _m(
            "edge-always-fastest",
            "Edge-optimized is always fastest.",
            "Not for clients in the API's own Region: regional avoids the CloudFront hop, and a regional API "
            "can sit behind your own CloudFront distribution.",
            "regional",
        ),
        _m(
            "rest-changes-live-on-save",
            "A change to a REST API is live as soon as it is saved.",
            "It needs a deployment to a stage.",
            "deployments",
        ),
        _m(
            "callers-must-sign-sigv4",
            "Callers must sign requests with Signature Version 4 for API Gateway to invoke Lambda.",
            "API Gateway holds the permission; callers sign only when the method uses IAM authorization.",
            "sigv4",
        ),
        _m(
            "proxy-allows-mapping-templates",
            "A proxy integration lets you transform the request with a mapping template.",
            "That is a custom, non-proxy integration.",
            "custom-integrations",
        ),
        _m(
            "http-api-has-mock",
            "HTTP APIs offer mock integrations.",
            "They don't; REST and WebSocket APIs do.",
            "mock",
        ),
        _m(
            "private-needs-no-policy",
            "A private API needs no resource policy.",
            "Without one, every call is denied.",
            "private-policy",
        ),
        _m(
            "websocket-routes-by-path",
            "WebSocket routes are chosen by path.",
            "They are chosen by the route selection expression, e.g. an `action` field in the message body.",
            "route-selection",
        ),
    )
}


def lesson(topic: str) -> str:
    """The lesson link for a topic; a KeyError here is a programming error caught by the tests."""
    return LESSONS[topic]
