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


# --- One source for the misconceptions: the course's misconceptions.yaml --------------------------

LAB_MISCONCEPTIONS = {
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
}


def test_the_labs_read_the_misconceptions_in_the_course_s_words():
    from labs.apigw.references import MISCONCEPTIONS_FILE

    assert MISCONCEPTIONS_FILE == CONTENT / "misconceptions.yaml"
    course = {m["slug"]: m for m in yaml.safe_load(MISCONCEPTIONS_FILE.read_text(encoding="utf-8"))}
    assert set(MISCONCEPTIONS) == LAB_MISCONCEPTIONS  # the slugs the labs have always named
    for slug, m in MISCONCEPTIONS.items():
        assert (m.slug, m.statement, m.correction, m.lesson) == (
            slug, course[slug]["statement"].strip(), course[slug]["correction"].strip(), course[slug]["lesson"]
        )


def test_no_misconception_text_is_kept_in_the_labs_code():
    source = (Path(__file__).resolve().parents[2] / "labs" / "apigw" / "references.py").read_text(encoding="utf-8")
    for m in MISCONCEPTIONS.values():
        assert m.statement not in source and m.correction not in source, m.slug


def test_the_file_is_read_once_and_a_missing_misconception_is_named(tmp_path):
    from labs.apigw.references import MisconceptionError, load_misconceptions

    assert load_misconceptions() is load_misconceptions()
    partial = tmp_path / "misconceptions.yaml"
    partial.write_text("- slug: lambda-retries\n  statement: S.\n  correction: C.\n  lesson: a#b\n", encoding="utf-8")
    with pytest.raises(MisconceptionError, match="no misconception http-api-has-rest-features"):
        load_misconceptions(partial)
    with pytest.raises(MisconceptionError, match="can't be read"):
        load_misconceptions(tmp_path / "missing.yaml")
