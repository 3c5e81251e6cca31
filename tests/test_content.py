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


# Issue 14 part A: the lessons of custom domains, gateway responses and mapping templates must exist in the
# practitioner module, with their quizzes.
REQUIRED_PRACTITIONER_LESSONS_A = ["custom-domains", "errors-gateway-responses", "mapping-templates"]


def test_the_practitioner_lessons_of_part_a_exist(parsed):
    for slug in REQUIRED_PRACTITIONER_LESSONS_A:
        lesson = parsed.lesson(slug)
        assert lesson is not None, slug
        assert lesson.module == "practitioner", slug
    orders = [parsed.lesson(slug).order for slug in REQUIRED_PRACTITIONER_LESSONS_A]
    assert orders == [10, 11, 12]


# Each fact the part A lessons teach, checked against AWS's documentation (each lesson's Sources section
# links the pages), with the phrases that teach it.
PRACTITIONER_FACTS_A = [
    ("edge-optimized custom domains take their ACM certificate from us-east-1, regional ones from their Region",
     "custom-domains", ["ACM", "us-east-1", "same Region as the custom domain", "regionalDomainName",
                        "distributionDomainName"]),
    ("DNS: a Route 53 alias record or a CNAME to the name API Gateway gives the domain", "custom-domains",
     ["alias record", "CNAME"]),
    ("API mappings: longest matching path, (none) catches the rest, mapping path removed", "custom-domains",
     ["longest matching path", "(none)", "create-api-mapping", "create-base-path-mapping"]),
    ("multi-level mappings need a regional TLS_1_2 domain; 200 per domain; 300 characters", "custom-domains",
     ["regional", "TLS_1_2", "200 multi-level mappings", "300 characters"]),
    ("REST and HTTP APIs can share a regional domain, WebSocket APIs can't", "custom-domains",
     ["REST and HTTP API stages can share one regional domain", "WebSocket API can't share"]),
    ("disabling the default execute-api endpoint: all stages, redeploy, then 403 Forbidden", "custom-domains",
     ["disableExecuteApiEndpoint", "all stages", "403 Forbidden", "--disable-execute-api-endpoint"]),
    ("private custom domains: ARN with an ID, policy and managementPolicy, access associations, 50 per Region",
     "custom-domains", ["domain name access association", "managementPolicy", "create-domain-name-access-association",
                        "VPCE", "50 private custom domain names", "AWS RAM"]),
    ("mutual TLS: regional domain, TLS 1.2, S3 truststore, chain of four, no revocation check, 403",
     "custom-domains", ["truststore", "regional", "TLS 1.2", "chains can be up to four", "doesn't check revocation",
                        "truststoreVersion", "isn't supported for private APIs"]),
    ("backend client certificates: generated, set on the stage, valid 365 days", "custom-domains",
     ["generate-client-certificate", "clientCertificateId", "365 days"]),
    ("gateway responses are API Gateway's own errors and a REST API feature", "errors-gateway-responses",
     ["gateway response", "REST API", "HTTP APIs return API Gateway's own errors as they are"]),
    ("gateway response types and default status codes", "errors-gateway-responses",
     ["MISSING_AUTHENTICATION_TOKEN 403", "UNAUTHORIZED 401", "ACCESS_DENIED 403", "THROTTLED 429",
      "QUOTA_EXCEEDED 429", "INTEGRATION_TIMEOUT 504", "INTEGRATION_FAILURE 504", "BAD_REQUEST_BODY 400",
      "DEFAULT_4XX", "DEFAULT_5XX"]),
    ("MISSING_AUTHENTICATION_TOKEN also answers unknown methods and resources", "errors-gateway-responses",
     ["a method or resource that doesn't exist"]),
    ("a status code on DEFAULT_4XX changes every 4XX gateway response", "errors-gateway-responses",
     ["changes the status of all the other 4XX responses"]),
    ("customizing: statusCode, gatewayresponse.header.*, $context.error.* templates, then deploy",
     "errors-gateway-responses", ["put-gateway-response", "gatewayresponse.header.", "$context.error.messageString",
                                  "$context.error.responseType", "x-amazon-apigateway-gateway-responses",
                                  "create-deployment"]),
    ("CORS headers on DEFAULT_4XX and DEFAULT_5XX for browsers", "errors-gateway-responses",
     ["Access-Control-Allow-Origin", "DEFAULT_4XX", "DEFAULT_5XX", "bypass"]),
    ("x-amzn-ErrorType: API Gateway's error names and a Lambda proxy's own", "errors-gateway-responses",
     ["x-amzn-ErrorType", "MissingAuthenticationTokenException", "AccessDeniedException", "X-Amzn-ErrorType"]),
    ("what to retry: THROTTLED with backoff, not 4xx, 504 only with an idempotency key", "errors-gateway-responses",
     ["exponential backoff and jitter", "QUOTA_EXCEEDED", "idempotency key", "No: the same request fails"]),
    ("AWS WAF custom responses take precedence over custom gateway responses", "errors-gateway-responses",
     ["takes precedence over a custom gateway response"]),
    ("templates run on REST and WebSocket custom integrations; 300 KB; 1,000 iterations", "mapping-templates",
     ["Velocity Template Language", "non-proxy", "300 KB", "1,000 iterations"]),
    ("$input, $util, $context, $stageVariables", "mapping-templates",
     ["$input.json(", "$input.path(", "$input.params(", "$input.body", "$util.escapeJavaScript", "$util.parseJson",
      "$util.base64Encode", "$context.requestId", "$stageVariables"]),
    ("$input.params searches path, then query string, then headers", "mapping-templates",
     ["searched in the path, then the query string, then the headers"]),
    ("status code overrides with $context.responseOverride.status, once", "mapping-templates",
     ["$context.responseOverride.status", "set only once"]),
    ("template chosen by Content-Type, missing means application/json; passthrough behaviors and 415",
     "mapping-templates", ["Content-Type", "treated as `application/json`".replace("`", ""), "WHEN_NO_MATCH",
                           "WHEN_NO_TEMPLATES", "NEVER", "415 Unsupported Media Type"]),
    ("selection pattern: Lambda error message for Lambda custom integrations, status code otherwise",
     "mapping-templates", ["matched against the Lambda error message", "against the HTTP status code"]),
    ("binary media types and content handling; first Accept type; isBase64Encoded", "mapping-templates",
     ["binaryMediaTypes", "CONVERT_TO_BINARY", "CONVERT_TO_TEXT", "first** media type".replace("**", ""),
      "isBase64Encoded", "image~1jpeg"]),
    ("HTTP API parameter mapping syntax; body never rewritten; reserved headers", "mapping-templates",
     ["append:", "overwrite:path", "overwrite:statuscode", "remove:querystring.debug", "$request.body.",
      "100 KB", "Reserved headers"]),
    ("runnable exercises with a mock integration and test-invoke-method", "mapping-templates",
     ["test-invoke-method", "--stage-variables", "MOCK"]),
]


@pytest.mark.parametrize("fact,slug,phrases", PRACTITIONER_FACTS_A, ids=[fact for fact, _, _ in PRACTITIONER_FACTS_A])
def test_every_practitioner_fact_of_part_a_is_taught(parsed, fact, slug, phrases):
    text = parsed.lesson(slug).text.lower()
    missing = [phrase for phrase in phrases if phrase.lower() not in text]
    assert not missing, f"{slug} should teach {fact!r}; missing {missing}"


@pytest.mark.parametrize("slug", REQUIRED_PRACTITIONER_LESSONS_A)
def test_practitioner_lessons_of_part_a_cite_aws_documentation(parsed, slug):
    body = parsed.lesson(slug).body
    assert re.search(r"^## Sources", body, re.M), f"{slug} needs a Sources section"
    assert "](https://docs.aws.amazon.com/" in body, f"{slug} should link AWS documentation"
    assert "checked against aws documentation on" in body.lower()


@pytest.mark.parametrize("slug", REQUIRED_PRACTITIONER_LESSONS_A + REQUIRED_PRACTITIONER_LESSONS)
def test_practitioner_quizzes_mix_types_and_name_misconceptions(parsed, slug):
    """Every new lesson of issue 14 (parts A and B: lessons 10 to 15) has a quiz of at least 8 questions
    of mixed types whose distractors name misconceptions."""
    quiz = next(q for q in parsed.quizzes if q.slug == slug)
    assert quiz.lesson == slug and len(quiz.questions) >= 8, slug
    assert len({q.type for q in quiz.questions}) >= 5, slug
    named = {c.misconception for q in quiz.questions for c in q.choices if c.misconception}
    named |= {q.misconception for q in quiz.questions if q.misconception}
    assert len(named) >= 3, slug
    assert all(q.anchor for q in quiz.questions), f"{slug}: every question should point to a lesson section"


# Issue 14 part A: corrections to the first nine lessons, each checked against AWS's documentation.
CORRECTIONS_A = [
    ("a Lambda custom integration's selection pattern matches errorMessage, which has no quotes", "integrations",
     [".*Invalid order.*", "errorMessage", "no quote characters", "Handle Lambda errors in API Gateway"]),
    ("REST response streaming since 19 November 2025, any endpoint type, 15 minutes, idle timeouts",
     "synchronous-invocation", ["19 November 2025", "responseTransferMode", "15 minutes", "edge-optimized",
                                "30 seconds", "5 minutes"]),
    ("an edge-optimized API can stream past 29 seconds", "endpoint-types",
     ["19 November 2025", "STREAM", "15 minutes", "30 seconds", "ordinary (buffered) response"]),
    ("the front door lesson names streaming beside the quota raise", "front-door",
     ["19 November 2025", "15 minutes", "ordinary (buffered) response"]),
    ("the feature comparison names streaming", "api-types", ["19 November 2025", "15 min", "no response streaming"]),
    ("the design lesson names streaming", "choosing-a-design", ["November 2025", "15 minutes"]),
    ("10 stages per API is a default quota that can be raised", "stages-deployments",
     ["default quota is 10 stages per API", "adjustable quota"]),
    ("10 stages per API is a default quota that can be raised (comparison)", "api-types",
     ["default quota of 10 stages per API", "raise"]),
    ("throttles and quotas are best-effort targets; Regional throttling; don't rely on them for cost or access",
     "security", ["best-effort", "AWS Regional throttling", "Don't rely on a usage plan to control costs",
                  "AWS Budgets", "then the Regional limit"]),
    ("throttling order ends with AWS Regional throttling; targets, not ceilings", "stages-deployments",
     ["best-effort basis", "finally AWS Regional throttling", "not guaranteed request ceilings"]),
    ("the front door lesson doesn't promise a hard cap", "front-door", ["best-effort basis", "AWS Budgets"]),
    ("Ruby SDK generation needs service.name", "openapi-sdk", ["service.name", "ruby.gem-name", "--sdk-type ruby"]),
]


@pytest.mark.parametrize("fact,slug,phrases", CORRECTIONS_A, ids=[fact for fact, _, _ in CORRECTIONS_A])
def test_every_correction_of_part_a_is_taught(parsed, fact, slug, phrases):
    text = parsed.lesson(slug).text.lower()
    missing = [phrase for phrase in phrases if phrase.lower() not in text]
    assert not missing, f"{slug} should teach {fact!r}; missing {missing}"


def test_the_corrected_claims_are_gone(parsed):
    integrations = parsed.lesson("integrations").text
    assert re.search(r'\.\*"Invalid order"\.\* never does', integrations), "the quoted pattern is taught as wrong"
    front_door = parsed.lesson("front-door").text
    assert "instead of reaching your database" not in front_door
    assert "up to 10 of them" not in parsed.lesson("stages-deployments").text
    timeout = next(m for m in parsed.misconceptions if m.slug == "timeout-always-raisable")
    assert "stream" in timeout.correction and "November 2025" in timeout.correction
    questions = {q.key: q for quiz in parsed.quizzes for q in quiz.questions}
    for key in ("endpoint-types-edge-timeout", "synchronous-invocation-timeout-match"):
        assert "buffered" in questions[key].stem, f"{key}: the 29 s key holds only for buffered responses"
