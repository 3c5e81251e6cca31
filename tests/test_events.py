"""The learning-event vocabulary (courseware/events.py): a fixed set of verbs and object types, one
stored format for objects that reads back, and every courseware call site using it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.urls import reverse

from courseware.events import FREE_DESIGN, Obj, ObjectType, Verb, parse, record
from courseware.models import LearningEvent, Question, record_event

ROOT = Path(__file__).resolve().parents[1]


# --- The stored format ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "obj,object_type,object_id",
    [
        (Obj.lesson("endpoint-types"), "lesson", "endpoint-types"),
        (Obj.quiz("api-types"), "quiz", "api-types"),
        (Obj.question("api-types-private"), "question", "api-types-private"),
        (Obj.lab("private-api"), "lab", "private-api"),
        (Obj.lab(None), "lab", "free-design"),
        (Obj.lab(""), "lab", "free-design"),
        # The strings labs has stored from the start: "<lab>:<objective>", "<lab>:<step>:<n>".
        (Obj.objective("private-api", "policy-allows-vpce"), "objective", "private-api:policy-allows-vpce"),
        (Obj.objective(None, "has-a-route"), "objective", "free-design:has-a-route"),
        (Obj.hint("rest-order-service", "routes", 2), "hint", "rest-order-service:routes:2"),
        (Obj.rule("endpoint.private-rest-only"), "rule", "endpoint.private-rest-only"),
        (Obj.sandbox_request("http-jwt-cors", "r7"), "sandbox-request", "http-jwt-cors:r7"),
        (Obj.deployment("canary-release", 12), "deployment", "canary-release:12"),
    ],
)
def test_each_object_has_one_stored_form_that_reads_back(obj, object_type, object_id):
    assert obj.lookup() == {"object_type": object_type, "object_id": object_id}
    assert Obj.parse(object_type, object_id) == obj
    assert isinstance(Obj.parse(object_type, object_id).type, ObjectType)


def test_parts_and_the_lab_an_object_belongs_to():
    hint = Obj.parse("hint", "rest-order-service:routes:2")
    assert (hint.slug, hint.parts, hint.lab_slug) == ("rest-order-service", ("routes", "2"), "rest-order-service")
    assert Obj.lesson("security").parts == () and Obj.lesson("security").lab_slug is None
    assert Obj.lab(None).lab_slug == FREE_DESIGN
    assert str(Obj.objective("private-api", "o1")) == "objective:private-api:o1"


@pytest.mark.parametrize(
    "make",
    [
        lambda: Obj("video", "intro"),  # not an object type of the vocabulary
        lambda: Obj.lesson(""),
        lambda: Obj.lesson("a:b"),  # a slug never holds the separator
        lambda: Obj.objective("private-api", ""),
        lambda: Obj.question("q" * 201),
        lambda: Obj.parse("video", "intro"),
    ],
)
def test_objects_outside_the_vocabulary_are_refused(make):
    with pytest.raises(ValueError):
        make()


def test_the_model_takes_its_choices_from_the_vocabulary():
    assert LearningEvent._meta.get_field("verb").choices == Verb.choices
    assert LearningEvent._meta.get_field("object_type").choices == ObjectType.choices
    assert Verb.TORN_DOWN == "torn-down" and ObjectType.SANDBOX_REQUEST == "sandbox-request"


def test_no_migration_is_missing(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("makemigrations", "courseware", "--check", "--dry-run", stdout=StringIO())


# --- Writing ----------------------------------------------------------------------------------------


def test_record_writes_the_stored_form(learner):
    event = record(learner, Verb.MET, Obj.objective("private-api", "policy-allows-vpce"), {"step": "security"})
    event.refresh_from_db()
    assert (event.verb, event.object_type, event.object_id) == ("met", "objective", "private-api:policy-allows-vpce")
    assert event.obj == Obj.objective("private-api", "policy-allows-vpce") and event.result == {"step": "security"}
    assert LearningEvent.objects.about(Obj.objective("private-api", "policy-allows-vpce")).get() == event
    assert record(learner, "completed", Obj.lab("private-api")).verb == "completed"  # a stored value reads as a Verb


def test_record_refuses_what_the_vocabulary_does_not_have(learner):
    with pytest.raises(ValueError):
        record(learner, "liked", Obj.lesson("security"))
    with pytest.raises(TypeError):
        record(learner, Verb.EXPERIENCED, "lesson:security")
    with pytest.raises(ValueError):
        record_event(learner, "experienced", "video", "intro")
    assert not LearningEvent.objects.filter(actor=learner).exists()


def test_the_deprecated_alias_writes_the_same_row(learner):
    old = record_event(learner, "experienced", "hint", "rest-order-service:routes:2")
    assert old.obj == Obj.hint("rest-order-service", "routes", 2) and old.verb == Verb.EXPERIENCED


# --- Every call site ------------------------------------------------------------------------------


def test_a_learner_walk_from_lesson_to_quiz_leaves_only_known_events(learner_client, learner, course):
    lesson = course.get(slug="api-types")
    learner_client.get(lesson.get_absolute_url())
    learner_client.post(reverse("lesson_complete", args=[lesson.slug]))
    response = learner_client.post(reverse("quiz_start", args=["api-types"]))
    attempt_id = int(response.url.split("#")[0].strip("/").split("/")[-1])
    attempt = learner.attempts.get(pk=attempt_id)
    # A single-choice question (the order is shuffled per attempt; a choice id answers only those).
    question = Question.objects.filter(pk__in=attempt.question_ids, type=Question.Type.SINGLE).first()
    choice = question.choices.first() if question is not None else None
    if choice is not None:
        learner_client.post(reverse("attempt_answer", args=[attempt.pk, question.pk]), {"choice": str(choice.id)})
    learner_client.post(reverse("attempt_submit", args=[attempt.pk]), {"confirm": "1"})

    events = list(LearningEvent.objects.filter(actor=learner).order_by("timestamp", "id"))
    read = [parse(e.verb, e.object_type, e.object_id) for e in events]
    assert all(isinstance(verb, Verb) and isinstance(obj, Obj) for verb, obj in read)
    expected = [
        (Verb.EXPERIENCED, Obj.lesson("api-types")),
        (Verb.COMPLETED, Obj.lesson("api-types")),
        (Verb.ATTEMPTED, Obj.quiz("api-types")),
        *([(Verb.ANSWERED, Obj.question(question.key))] if choice is not None else []),
        (Verb.COMPLETED, Obj.quiz("api-types")),
    ]
    assert read == expected


def _calls(path: Path, name: str) -> list[ast.Call]:
    """Calls of `name` in `path`, leaving out the body of the deprecated alias."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    alias = {id(node) for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef) and fn.name == "record_event"
             for node in ast.walk(fn)}
    return [
        node for node in ast.walk(tree)
        if isinstance(node, ast.Call) and id(node) not in alias
        and getattr(node.func, "id", getattr(node.func, "attr", None)) == name
    ]


def test_courseware_records_with_the_vocabulary_only():
    """Every `record(...)` in courseware names its verb as `Verb.X` and its object with an `Obj`
    constructor; nothing in courseware calls the deprecated `record_event`."""
    sites = 0
    for path in (ROOT / "courseware").rglob("*.py"):
        if path.name == "events.py" or "migrations" in path.parts:
            continue
        for call in _calls(path, "record"):
            sites += 1
            verb, obj = call.args[1], call.args[2]
            assert isinstance(verb, ast.Attribute) and ast.unparse(verb.value) == "Verb", (path, ast.unparse(call))
            assert isinstance(obj, ast.Call) and ast.unparse(obj.func).startswith("Obj."), (path, ast.unparse(call))
        assert _calls(path, "record_event") == [], path
    assert sites >= 5  # lesson viewed and completed; quiz attempted and completed; question answered
