"""The course content itself: complete, linked, and teaching every fact of the seed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from courseware.content import load_course

CONTENT = settings.CONTENT_DIRS


@pytest.fixture(scope="module")
def parsed():
    return load_course(CONTENT)  # raises ContentError on any broken link, image, front matter


# The lessons and modules that must exist (more may be added; the first nine keep their order).
REQUIRED_LESSONS = [
    "front-door", "api-types", "endpoint-types", "integrations", "synchronous-invocation",
    "security", "stages-deployments", "openapi-sdk", "choosing-a-design",
]
REQUIRED_PRACTITIONER_LESSONS = ["observability", "websocket-in-depth", "cost"]
REQUIRED_MODULES = ["foundations", "integrations", "security-operations", "design-lifecycle", "practitioner"]


def test_the_required_lessons_and_modules_exist(parsed):
    slugs = [lesson.slug for lesson in parsed.lessons]
    assert slugs[:len(REQUIRED_LESSONS)] == REQUIRED_LESSONS
    assert set(REQUIRED_PRACTITIONER_LESSONS) <= set(slugs)
    assert [m.slug for m in parsed.modules][:len(REQUIRED_MODULES)] == REQUIRED_MODULES
    for slug in REQUIRED_PRACTITIONER_LESSONS:
        assert parsed.lesson(slug).module == "practitioner", slug


def test_every_lesson_has_objectives_a_summary_and_a_diagram(parsed):
    for lesson in parsed.lessons:
        assert lesson.objectives, lesson.slug
        assert 8 <= lesson.minutes <= 15, lesson.slug
        summary = re.search(r"^## Summary.*?(?=^## |\Z)", lesson.body, re.M | re.S).group(0)
        bullets = re.findall(r"^[-*] ", summary, re.M)
        assert 3 <= len(bullets) <= 5, f"{lesson.slug}: summary has {len(bullets)} points"
        assert '<img' in lesson.html and 'src="/static/diagrams/' in lesson.html, lesson.slug


def test_every_diagram_has_a_text_alternative_and_works_in_dark_mode():
    for svg in (settings.BASE_DIR / "static" / "diagrams").glob("*.svg"):
        text = svg.read_text()
        assert "<title" in text and "<desc" in text, svg.name
        assert "prefers-color-scheme: dark" in text, svg.name
        assert "<script" not in text.lower() and "http://" not in text.replace("http://www.w3.org", ""), svg.name


def test_every_glossary_term_is_defined_once_and_points_to_a_lesson(parsed):
    slugs = [term.slug for term in parsed.glossary]
    assert len(slugs) == len(set(slugs))
    assert all(term.lesson for term in parsed.glossary)
    used = set()
    for lesson in parsed.lessons:
        used |= set(re.findall(r"\(glossary:([a-z0-9-]+)\)", lesson.body))
    assert used <= set(slugs)
    assert len(used) >= 20, "lessons should link the terms they introduce"


# Each fact of ../shared/seeds/ with the lesson that teaches it and phrases that teaching must use.
SEED_FACTS = [
    ("entry point / front door for applications", "front-door", ["front door", "synchronous"]),
    ("REST, WebSocket and HTTP API types", "api-types", ["REST API", "HTTP API", "WebSocket API"]),
    ("stages host several versions at once, enabling canary deployments", "stages-deployments",
     ["stage", "version", "canary"]),
    ("SDK generation simplifies invoking the API from client code", "openapi-sdk", ["get-sdk", "SDK"]),
    ("OpenAPI 3.0 for documentation and import/export", "openapi-sdk", ["OpenAPI 3.0", "import", "export", "documentation"]),
    ("AWS service integrations, e.g. a DynamoDB proxy", "integrations", ["DynamoDB", "service integration"]),
    ("custom integrations and simple proxies", "integrations", ["proxy", "custom", "mapping template"]),
    ("HTTP APIs designed for speed and cost", "api-types", ["cost", "latency"]),
    ("role/permission to invoke Lambda, no SigV4 needed from callers", "security",
     ["Signature Version 4", "resource-based", "add-permission"]),
    ("edge-optimized endpoints via CloudFront POPs", "endpoint-types", ["CloudFront", "point of presence"]),
    ("regional endpoints for same-Region clients like EC2", "endpoint-types", ["EC2", "same Region"]),
    ("latency-based routing with Route 53 and one custom domain", "endpoint-types",
     ["latency-based", "Route 53", "custom domain"]),
    ("private endpoints: interface VPC endpoints, REST only", "endpoint-types",
     ["interface VPC endpoint", "REST only", "resource policy"]),
    ("backends: Lambda, EC2, AWS services, public and private endpoints", "front-door",
     ["Lambda", "EC2", "VPC"]),
    ("synchronous invocation: the request waits", "synchronous-invocation", ["wait"]),
    ("29 s REST/WebSocket, 30 s HTTP integration timeout", "synchronous-invocation", ["29", "30 seconds", "HTTP API"]),
    ("June 2024 raise for REST regional/private", "synchronous-invocation", ["2024", "Service Quotas", "edge-optimized"]),
    ("no retries; errors go back to the caller", "synchronous-invocation", ["no retries", "client"]),
    ("the RequestResponse invocation type in the CLI", "synchronous-invocation", ["RequestResponse", "aws lambda invoke"]),
    ("throttling, authorization, WAF, canary as security and scale features", "front-door",
     ["throttl", "WAF", "canary", "authoriz"]),
    ("import/export Swagger or OpenAPI definitions", "openapi-sdk", ["Swagger"]),
]


@pytest.mark.parametrize("fact,slug,phrases", SEED_FACTS, ids=[fact for fact, _, _ in SEED_FACTS])
def test_every_seed_fact_is_taught(parsed, fact, slug, phrases):
    text = parsed.lesson(slug).text.lower()
    missing = [phrase for phrase in phrases if phrase.lower() not in text]
    assert not missing, f"{slug} should teach {fact!r}; missing {missing}"


def test_the_seed_file_is_covered_by_the_fact_table():
    seed = Path(settings.BASE_DIR).parent / "shared" / "seeds"
    if not seed.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    facts = [line for f in seed.glob("*.txt") for line in f.read_text().splitlines() if line.startswith("- ") and "![" not in line]
    # The seed lists ten facts; the table above names at least one lesson check for each.
    assert len(facts) == 10
    assert len(SEED_FACTS) >= len(facts)


def test_the_timeout_is_taught_precisely_not_rounded(parsed):
    text = parsed.lesson("synchronous-invocation").text
    assert re.search(r"29\s*(s|seconds)", text) and re.search(r"30\s*(s|seconds)", text)
    assert "REST" in text and "WebSocket" in text


# Issue 14 part B: each fact the observability, WebSocket and cost lessons teach, checked against AWS's
# documentation (the lesson's Sources section links the pages), with the phrases that teach it.
PRACTITIONER_FACTS_B = [
    ("REST metrics: Count, 4XXError, 5XXError, Latency, IntegrationLatency, cache hits and misses", "observability",
     ["Count", "4XXError", "5XXError", "Latency", "IntegrationLatency", "CacheHitCount", "CacheMissCount"]),
    ("HTTP API metric names differ: 4xx, 5xx, DataProcessed; dimension ApiId", "observability",
     ["4xx", "5xx", "DataProcessed", "ApiId"]),
    ("WebSocket metrics: ConnectCount, MessageCount, ClientError, IntegrationError, ExecutionError", "observability",
     ["ConnectCount", "MessageCount", "ClientError", "IntegrationError", "ExecutionError"]),
    ("the Average of an error metric is the error rate; REST metrics use ApiName and Stage", "observability",
     ["Average", "error rate", "ApiName", "Stage"]),
    ("Latency includes IntegrationLatency and API Gateway's own work such as authorizers", "observability",
     ["Latency minus IntegrationLatency", "authorizer"]),
    ("execution logs: REST and WebSocket only, ERROR or INFO, log group name, CloudWatch role", "observability",
     ["REST and WebSocket only", "ERROR", "INFO", "API-Gateway-Execution-Logs_", "cloudwatchRoleArn",
      "AmazonAPIGatewayPushToCloudWatchLogs"]),
    ("access logs: all types, $context variables, requestId or extendedRequestId required, formats", "observability",
     ["$context.requestId", "$context.extendedRequestId", "CLF", "JSON", "XML", "CSV", "Firehose"]),
    ("X-Ray tracing is for REST APIs only; default sampling one request a second plus 5 percent", "observability",
     ["X-Ray tracing is for REST APIs only", "first request each second", "5 percent", "tracingEnabled"]),
    ("alarms: CloudWatch's recommended 4XXError threshold 0.05 with the Average statistic", "observability",
     ["0.05", "put-metric-alarm"]),
    ("WebSocket route selection: exact match, $default fallback, non-JSON to $default, no $ prefix", "websocket-in-depth",
     ["$request.body.action", "exactly", "$default", "aren't JSON", "must not start with $"]),
    ("WebSocket authorization only on $connect: IAM, Lambda REQUEST authorizer, API key; 401 or 403", "websocket-in-depth",
     ["once, on $connect", "AWS_IAM", "REQUEST", "route.request.querystring.token", "API key", "401", "403"]),
    ("@connections: POST, GET, DELETE, signed, execute-api:ManageConnections, GoneException 410", "websocket-in-depth",
     ["@connections", "POST", "GET", "DELETE", "execute-api:ManageConnections", "GoneException", "410"]),
    ("route responses: one-way by default, $default route response makes a route two-way", "websocket-in-depth",
     ["one-way", "two-way", "route response"]),
    ("$disconnect is best effort", "websocket-in-depth", ["$disconnect", "best effort"]),
    ("WebSocket limits: 10 minutes idle, 2 hours, 32 KB frames, 128 KB messages, close code 1009, 500 new/s",
     "websocket-in-depth", ["10 minutes", "2 hours", "32 KB", "128 KB", "1009", "500"]),
    ("WebSocket billing: messages in 32 KB increments and connection minutes", "websocket-in-depth",
     ["32 KB increments", "connection minutes"]),
    ("REST request tiers in US East (N. Virginia), with the date checked", "cost",
     ["First 333 million", "$3.50", "$2.80", "$2.38", "$1.51", "US East (N. Virginia)", "2 December 2026"]),
    ("HTTP request tiers and 512 KB metering", "cost",
     ["First 300 million", "$1.00", "$0.90", "512 KB increments"]),
    ("WebSocket billing: messages in 32 KB increments, connection minutes", "cost",
     ["32 KB increments", "connection minutes", "33 KB"]),
    ("cache billed by the hour, not in the free tier; private APIs have no data transfer out charge", "cost",
     ["by the hour", "not covered by the free tier", "no data transfer out", "PrivateLink"]),
    ("free tier: 1 million REST and HTTP calls, 1 million messages, 750,000 connection minutes, 12 months",
     "cost", ["1 million REST API calls", "1 million HTTP API calls", "750,000 connection minutes", "12 months"]),
    ("the AWS Free Tier changed on 15 July 2025: credits for new accounts", "cost",
     ["15 July 2025", "$200", "free plan", "6 months"]),
    ("three worked estimates", "cost", ["$420.00", "$397.20", "$1,353.10", "182,400,000"]),
]


@pytest.mark.parametrize("fact,slug,phrases", PRACTITIONER_FACTS_B, ids=[fact for fact, _, _ in PRACTITIONER_FACTS_B])
def test_every_practitioner_fact_of_part_b_is_taught(parsed, fact, slug, phrases):
    text = parsed.lesson(slug).text.lower()
    missing = [phrase for phrase in phrases if phrase.lower() not in text]
    assert not missing, f"{slug} should teach {fact!r}; missing {missing}"


@pytest.mark.parametrize("slug", ["observability", "websocket-in-depth", "cost"])
def test_practitioner_lessons_of_part_b_cite_aws_documentation(parsed, slug):
    body = parsed.lesson(slug).body
    assert re.search(r"^## Sources", body, re.M), f"{slug} needs a Sources section"
    assert "](https://docs.aws.amazon.com/" in body, f"{slug} should link AWS documentation"
    if slug == "cost":
        assert "](https://aws.amazon.com/api-gateway/pricing/)" in body and "checked on" in body.lower()


def test_every_decision_helper_link_resolves(parsed):
    from itertools import chain, combinations

    from courseware import decide

    needs = sorted(decide.NEEDS)
    every_set = chain.from_iterable(combinations(needs, n) for n in range(len(needs) + 1))
    sets = [set(s) for s in every_set]
    seen = set()
    for protocol in decide.PROTOCOLS:
        for clients in decide.CLIENTS:
            for priority in decide.PRIORITIES:
                for chosen in sets:
                    rec = decide.recommend(protocol, clients, chosen, priority)
                    seen |= {reason.lesson for reason in rec.reasons + rec.cautions}
    for reference in sorted(seen):
        slug, _, anchor = reference.partition("#")
        lesson = parsed.lesson(slug)
        assert lesson is not None, reference
        assert not anchor or anchor in {section["id"] for section in lesson.toc}, reference
    assert {"observability", "websocket-in-depth", "cost"} <= {ref.partition("#")[0] for ref in seen}
