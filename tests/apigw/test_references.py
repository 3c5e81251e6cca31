"""Lesson anchors and misconception slugs used by rules, hints and scenarios exist in the course content.

The course content (courseware/content) is written separately; when it is present these tests keep the
two in step, so a renamed section or misconception fails here rather than as a broken link in a lab.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from labs.apigw.references import LESSON_SLUGS, LESSONS, MISCONCEPTIONS
from labs.apigw.scenarios import SCENARIO_DIR, load_all

CONTENT = Path(__file__).resolve().parents[2] / "courseware" / "content"
pytestmark = pytest.mark.skipif(not (CONTENT / "lessons").is_dir(), reason="no course content yet")


def _toc_slug(title: str) -> str:
    """Python-Markdown's toc slugify: lower-case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\s-]", "", title).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def _anchors() -> dict[str, set[str]]:
    anchors: dict[str, set[str]] = {}
    for path in (CONTENT / "lessons").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        slug = re.search(r"^slug:\s*(\S+)", text, re.M)
        if not slug:
            continue
        ids = set()
        for heading in re.findall(r"^#{2,3} (.+)$", text, re.M):
            explicit = re.search(r"\{#([\w-]+)\}\s*$", heading)
            ids.add(explicit.group(1) if explicit else _toc_slug(heading))
        anchors[slug.group(1)] = ids
    return anchors


def test_every_lesson_link_resolves():
    anchors = _anchors()
    links = set(LESSONS.values()) | {m.lesson for m in MISCONCEPTIONS.values()}
    missing = sorted(link for link in links if link.partition("#")[2] not in anchors.get(link.partition("#")[0], set()))
    assert missing == []


def test_lesson_slugs_match_the_course():
    assert set(LESSON_SLUGS) == set(_anchors())


def test_scenario_lessons_exist():
    for scenario in load_all(SCENARIO_DIR):
        assert set(scenario.lessons) <= set(_anchors()), scenario.slug


def test_misconception_slugs_exist_in_the_course():
    path = CONTENT / "misconceptions.yaml"
    if not path.exists():
        pytest.skip("no misconceptions.yaml yet")
    course = {m["slug"]: m for m in yaml.safe_load(path.read_text(encoding="utf-8"))}
    assert sorted(set(MISCONCEPTIONS) - set(course)) == []
    for slug, m in MISCONCEPTIONS.items():
        assert m.lesson == course[slug]["lesson"], slug
