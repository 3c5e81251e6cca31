"""The lab catalogue: labs register their scenarios in courseware's `Lab` table when the course is
synced (the `content_synced` signal), so courseware names labs by their real titles while importing
nothing from labs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from courseware import decide
from courseware.events import Obj, Verb, record
from courseware.models import Lab, Lesson
from courseware.sync import LabEntry, SyncReport, register_labs
from labs.apigw.scenarios import load_all

SCENARIO_DIR = Path(settings.LAB_SCENARIOS_DIR)
SCENARIOS = {scenario.slug: scenario for scenario in load_all(SCENARIO_DIR)}

MODULES = "- slug: basics\n  title: Basics\n"
LESSON = """---
title: {title}
slug: {slug}
module: basics
order: 1
minutes: 10
objectives:
  - Learn a thing.
labs: [{labs}]
---
Intro.

## Summary
- one
"""


def tiny_course(root: Path, labs: str = "") -> Path:
    (root / "lessons").mkdir(parents=True)
    (root / "modules.yaml").write_text(MODULES)
    (root / "lessons" / "01-tiny.md").write_text(LESSON.format(title="Tiny", slug="tiny", labs=labs))
    return root


def scenarios_without(tmp_path: Path, *slugs: str) -> Path:
    directory = tmp_path / "scenarios"
    directory.mkdir()
    for path in SCENARIO_DIR.glob("*.yaml"):
        if path.stem not in slugs:
            shutil.copy(path, directory / path.name)
    return directory


# --- Registered at sync -------------------------------------------------------------------------------


def test_after_sync_the_catalogue_holds_every_scenario_with_its_real_title(course):
    labs = {lab.slug: lab for lab in Lab.objects.published().prefetch_related("lessons")}
    assert set(labs) == set(SCENARIOS) and len(labs) == len(SCENARIOS) >= 10
    for slug, scenario in SCENARIOS.items():
        lab = labs[slug]
        assert (lab.title, lab.summary, lab.api_type, lab.minutes) == (
            scenario.title, scenario.summary, scenario.api_type, scenario.minutes
        )
        assert {lesson.slug for lesson in lab.lessons.all()} == set(scenario.lessons)
    assert labs["private-api"].title == "A reports API reachable only from the VPC"
    assert "endpoint:PRIVATE" in labs["private-api"].features
    assert "feature:canary" in labs["canary-release"].features
    assert "integration:aws" in labs["dynamodb-direct"].features
    assert labs["websocket-chat"].get_absolute_url() == reverse("labs:detail", args=["websocket-chat"])


def test_registering_the_same_catalogue_again_changes_nothing(course):
    from labs.apps import catalogue_entry

    report = SyncReport()
    register_labs([catalogue_entry(scenario) for scenario in SCENARIOS.values()], report)
    assert (report.created, report.updated, report.unpublished, report.counts) == ([], [], [], {"labs": len(SCENARIOS)})


def test_a_removed_scenario_is_unpublished_and_comes_back_when_restored(tmp_path, course, settings, capsys):
    assert "websocket-chat" in [lab.slug for lab in Lesson.objects.get(slug="api-types").lab_entries]
    settings.LAB_SCENARIOS_DIR = scenarios_without(tmp_path, "websocket-chat")
    root = tiny_course(tmp_path / "c")
    call_command("sync_content", str(root))
    assert "lab websocket-chat" in capsys.readouterr().out.partition("unpublished: ")[2]
    gone = Lab.objects.get(slug="websocket-chat")
    assert not gone.published and gone.title == SCENARIOS["websocket-chat"].title  # kept for old events
    assert Lab.objects.published().count() == len(SCENARIOS) - 1
    # Nothing recommends or lists it any more.
    assert decide.recommend("two-way", "global", set(), "cost").labs == []
    assert "websocket-chat" not in [lab.slug for lab in Lesson.objects.get(slug="api-types").lab_entries]

    shutil.copy(SCENARIO_DIR / "websocket-chat.yaml", settings.LAB_SCENARIOS_DIR)
    call_command("sync_content", str(root))
    assert Lab.objects.get(slug="websocket-chat").published
    assert decide.recommend("two-way", "global", set(), "cost").labs == ["websocket-chat"]


def test_a_retitled_lab_is_renamed_wherever_a_lesson_lists_it(tmp_path, course, settings):
    directory = scenarios_without(tmp_path)
    path = directory / "private-api.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        f"title: {SCENARIOS['private-api'].title}", "title: Reports for the VPC only", 1), encoding="utf-8")
    settings.LAB_SCENARIOS_DIR = directory
    call_command("sync_content", str(tiny_course(tmp_path / "c", labs="private-api")))
    assert Lab.objects.get(slug="private-api").title == "Reports for the VPC only"
    for slug in ("tiny", "endpoint-types"):
        assert [lab.title for lab in Lesson.objects.get(slug=slug).lab_entries] == ["Reports for the VPC only"]


def test_a_broken_scenario_rolls_the_whole_sync_back(tmp_path, course, settings):
    directory = scenarios_without(tmp_path)
    (directory / "private-api.yaml").write_text("slug: private-api\ntitle: Half a lab\n")
    settings.LAB_SCENARIOS_DIR = directory
    root = tiny_course(tmp_path / "c")
    with pytest.raises(CommandError, match="lab catalogue could not be registered") as error:
        call_command("sync_content", str(root))
    assert "private-api.yaml" in str(error.value)
    assert not Lesson.objects.filter(slug="tiny").exists()  # the lessons were rolled back with it
    assert Lab.objects.get(slug="private-api").title == SCENARIOS["private-api"].title


def test_a_lesson_naming_a_lab_outside_the_catalogue_is_a_warning(tmp_path, course, capsys):
    root = tiny_course(tmp_path / "c", labs="private-api, no-such-lab")
    call_command("sync_content", str(root))
    err = capsys.readouterr().err
    assert "lists a lab that is not in the lab catalogue: 'no-such-lab'" in err
    tiny = Lesson.objects.get(slug="tiny")
    assert [lab.title for lab in tiny.lab_entries] == [SCENARIOS["private-api"].title]


def test_register_labs_links_only_lessons_the_course_has(db, course):
    report = register_labs(
        [LabEntry("new-lab", "A new lab", api_type="http", lessons=("security", "no-such-lesson"))]
    )
    lab = Lab.objects.get(slug="new-lab")
    assert [lesson.slug for lesson in lab.lessons.all()] == ["security"]
    assert report.created == ["lab new-lab"] and any("no-such-lesson" in w for w in report.warnings)
    assert Lab.objects.published().count() == 1  # the catalogue is exactly what was registered


# --- Named by title -------------------------------------------------------------------------------


def test_lessons_name_the_labs_they_list_by_title_without_a_query(course, django_assert_num_queries):
    lesson = Lesson.objects.get(slug="choosing-a-design")
    with django_assert_num_queries(0):
        links = [(lab.title, lab.get_absolute_url()) for lab in lesson.lab_entries]
    assert links == [(SCENARIOS[slug].title, reverse("labs:detail", args=[slug])) for slug in lesson.labs]
    assert len(links) == 6


def test_a_lesson_page_shows_lab_titles(client, course):
    html = client.get(reverse("lesson", args=["endpoint-types"])).content.decode()
    assert f"Lab: <a href=\"{reverse('labs:detail', args=['private-api'])}\">{SCENARIOS['private-api'].title}</a>" in html


@pytest.mark.parametrize(
    "protocol,clients,needs,labs",
    [
        ("two-way", "global", set(), ["websocket-chat"]),
        ("request", "vpc", set(), ["private-api"]),
        ("request", "global", {"jwt"}, ["http-jwt-cors"]),
        ("request", "global", {"canary"}, ["canary-release", "rest-order-service"]),
        ("request", "global", {"transform"}, ["dynamodb-direct", "rest-order-service"]),
        ("request", "global", {"caching"}, ["rest-order-service"]),
    ],
)
def test_the_decision_helper_chooses_labs_from_the_catalogue(protocol, clients, needs, labs, course):
    rec = decide.recommend(protocol, clients, needs, "cost")
    assert rec.labs == labs
    assert [lab.title for lab in rec.lab_entries] == [SCENARIOS[slug].title for slug in labs]


def test_the_decision_helper_stays_a_pure_function_with_a_given_catalogue():
    catalogue = [
        LabEntry("edge-basics", "Edge basics", api_type="rest", features=("endpoint:EDGE",)),
        LabEntry("keys", "Keys and plans", api_type="rest", features=("endpoint:REGIONAL", "feature:api_keys")),
        LabEntry("chat", "Chat", api_type="websocket", features=("endpoint:REGIONAL",)),
    ]
    rec = decide.recommend("request", "global", {"api-keys"}, "cost", catalogue=catalogue)
    assert [lab.title for lab in rec.lab_entries] == ["Keys and plans", "Edge basics"]
    assert decide.recommend("request", "global", {"jwt"}, "cost", catalogue=catalogue).labs == []  # no HTTP lab


def test_the_decision_helper_page_names_labs_by_title(client, course):
    response = client.get(reverse("decision_helper"), {"protocol": "request", "clients": "vpc", "priority": "cost"})
    html = response.content.decode()
    assert SCENARIOS["private-api"].title in html and "Private api" not in html


def test_the_dashboard_names_labs_by_title_with_their_activity(instructor_client, learner, learner2, course,
                                                                django_assert_max_num_queries):
    for user in (learner, learner2):
        record(user, Verb.VALIDATED, Obj.lab("private-api"), {"rules": []})
    record(learner, Verb.MET, Obj.objective("private-api", "policy"), {})
    record(learner, Verb.MET, Obj.objective("private-api-v2", "other"), {})  # another lab's prefix, not counted
    record(learner, Verb.COMPLETED, Obj.lab("private-api"), {"objectives": 1})
    record(learner, Verb.VALIDATED, Obj.lab(None), {"rules": []})  # a free design: not a catalogue lab
    with django_assert_max_num_queries(8):
        response = instructor_client.get("/dashboard/")
    labs = {lab.slug: lab for lab in response.context["labs"]}
    assert list(labs) == list(Lab.objects.published().values_list("slug", flat=True))
    assert (labs["private-api"].checked, labs["private-api"].objectives_met, labs["private-api"].completed) == (2, 1, 1)
    assert labs["websocket-chat"].checked == 0
    html = response.content.decode()
    assert SCENARIOS["private-api"].title in html and "Private api" not in html
