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


def test_nine_lessons_in_four_modules(parsed):
    assert [lesson.slug for lesson in parsed.lessons] == [
        "front-door", "api-types", "endpoint-types", "integrations", "synchronous-invocation",
        "security", "stages-deployments", "openapi-sdk", "choosing-a-design",
    ]
    assert [m.slug for m in parsed.modules] == ["foundations", "integrations", "security-operations", "design-lifecycle"]


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
