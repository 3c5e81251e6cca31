"""Where rules, hints and objectives point the learner: lesson sections and named misconceptions.

Kept in one place so that when the course content settles (lesson section ids, misconception slugs in
``courseware/content/misconceptions.yaml``) only this file changes.  Lesson links are
``"lesson-slug#section-anchor"``; the anchors are the Python-Markdown toc slugs of the section titles we
use in ``courseware/content/lessons`` (a test checks every anchor and misconception slug against the
course content when it is present).

The misconceptions themselves (statement, correction, lesson) have one source, the course's
``misconceptions.yaml``: read here as a plain data file (this package imports neither Django nor
courseware), once, on first use.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

#: The course's misconceptions, relative to the repository (labs/apigw/references.py -> ../../).
MISCONCEPTIONS_FILE = Path(__file__).resolve().parents[2] / "courseware" / "content" / "misconceptions.yaml"

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
    "custom-domains",
    "errors-gateway-responses",
    "mapping-templates",
    "observability",
    "websocket-in-depth",
    "cost",
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
    lesson: str  # "lesson-slug#section-anchor"


#: The misconceptions the labs name (rules, objectives and hints refer to these slugs).
MISCONCEPTION_SLUGS = (
    "http-api-has-rest-features",
    "private-not-rest-only",
    "lambda-retries",
    "timeout-always-raisable",
    "edge-always-fastest",
    "rest-changes-live-on-save",
    "callers-must-sign-sigv4",
    "proxy-allows-mapping-templates",
    "http-api-has-mock",
    "private-needs-no-policy",
    "websocket-routes-by-path",
)


class MisconceptionError(ValueError):
    """The course's misconceptions file is missing, unreadable, or lacks a misconception the labs name."""


@cache
def load_misconceptions(path: Path = MISCONCEPTIONS_FILE) -> dict[str, Misconception]:
    """The labs' misconceptions (MISCONCEPTION_SLUGS, in that order) in the course's words; read once."""
    try:
        entries = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MisconceptionError(f"{path}: can't be read ({exc})") from None
    by_slug = {
        str(entry["slug"]): entry
        for entry in entries or []
        if isinstance(entry, Mapping) and entry.get("slug")
    }
    missing = [slug for slug in MISCONCEPTION_SLUGS if slug not in by_slug]
    if missing:
        raise MisconceptionError(f"{path}: no misconception {', '.join(missing)} (the labs name them)")
    found = {}
    for slug in MISCONCEPTION_SLUGS:
        entry = by_slug[slug]
        texts = {key: str(entry.get(key) or "").strip() for key in ("statement", "correction", "lesson")}
        empty = [key for key, text in texts.items() if not text]
        if empty:
            raise MisconceptionError(f"{path}: misconception {slug!r} needs {', '.join(empty)}")
        found[slug] = Misconception(slug, texts["statement"], texts["correction"], texts["lesson"])
    return found


class _Misconceptions(Mapping[str, Misconception]):
    """MISCONCEPTIONS reads the file when first used, not when this module is imported."""

    def __getitem__(self, slug: str) -> Misconception:
        return load_misconceptions()[slug]

    def __iter__(self) -> Iterator[str]:
        return iter(load_misconceptions())

    def __len__(self) -> int:
        return len(load_misconceptions())

    def __repr__(self) -> str:
        return f"MISCONCEPTIONS({', '.join(self)})"


#: slug -> Misconception, in the course's words (courseware/content/misconceptions.yaml).
MISCONCEPTIONS: Mapping[str, Misconception] = _Misconceptions()


def lesson(topic: str) -> str:
    """The lesson link for a topic; a KeyError here is a programming error caught by the tests."""
    return LESSONS[topic]
