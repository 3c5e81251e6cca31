"""The CSV exports: what a spreadsheet gets (BOM, header, ISO dates, whole percentages, formulas defused),
the rows themselves, and that they are streamed."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from classroom import exports
from courseware.models import Lab, Quiz

from .classroom_support import event, make_cohort, right_answer, submit_attempt, wrong_answer
from .factories import make_user

pytestmark = pytest.mark.django_db


def _read(response) -> tuple[str, list[dict]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    return text, list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.fixture
def cohort(instructor, learner, learner2, course):
    learner.first_name, learner.last_name = "=HYPERLINK(\"x\")", "Lovelace"
    learner.save()
    cohort = make_cohort(instructor, learner, learner2)
    make_cohort(instructor, make_user("outsider"), name="Other")
    front = Quiz.objects.get(slug="front-door")
    questions = list(front.questions.order_by("position"))
    started = timezone.now() - timedelta(days=2)
    submit_attempt(learner, front, {q: right_answer(q) if i < 6 else wrong_answer(q) for i, q in enumerate(questions)},
                   started=started)  # 6 of 8: 75 %
    submit_attempt(learner2, front, {q: wrong_answer(q) for q in questions[:2]}, started=started,
                   question_ids=[q.pk for q in questions])
    event(learner, "completed", "lab", "private-api", days_ago=1)
    event(learner, "deployed", "deployment", "private-api:x1", {"target": "sandbox"})
    return cohort


def test_the_gradebook(cohort, learner, learner2, instructor_client):
    response = instructor_client.get(reverse("cohort_gradebook_csv", args=[cohort.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.match(r'attachment; filename="class-a-gradebook-\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"])
    text, rows = _read(response)
    assert text.startswith("\ufeffusername,first_name,last_name,email,joined (UTC),status,lessons_done (of 15)")
    assert [row["username"] for row in rows] == ["ada", "ben"]  # by username
    ada = rows[0]
    assert ada["first_name"] == "'=HYPERLINK(\"x\")"  # a formula is text, not run
    assert ada["API Gateway as the front door best %"] == "75"
    assert ada["REST, HTTP and WebSocket APIs best %"] == ""
    assert ada["quizzes_at_pass_mark"] == "1" and ada["final_exam_passed"] == ""
    private = Lab.objects.get(slug="private-api").title
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", ada[f"{private} completed (UTC)"])
    assert ada["labs_done"] == "1" and ada["sandbox_deploys"] == "1" and ada["aws_deploys"] == "0"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", ada["last_active (UTC)"])
    assert rows[1]["API Gateway as the front door best %"] == "0"
    assert list(ada)[-1] == "last_active (UTC)"
    headers = list(ada)
    quiz_columns = [h for h in headers if h.endswith(" best %")]
    assert quiz_columns[-1] == "Final assessment best %"  # course order, the final exam last


def test_every_quiz_answer(cohort, learner, instructor_client):
    text, rows = _read(instructor_client.get(reverse("cohort_responses_csv", args=[cohort.pk])))
    assert text.startswith("\ufeffusername,quiz,attempt,mode,started (UTC),submitted (UTC),question,question_type,answer,")
    assert len(rows) == 8 + 2 and {row["username"] for row in rows} == {"ada", "ben"}
    single = next(r for r in rows if r["username"] == "ada" and r["question"] == "front-door-no-retries")
    assert single["answer"].startswith("A. ") and single["correct"] == "yes" and single["score (0-1)"] == "1.0"
    multiple = next(r for r in rows if r["username"] == "ada" and r["question"] == "front-door-managed-features")
    assert multiple["answer"].count(";") == 3  # four choices, by letter and text
    numeric = next(r for r in rows if r["username"] == "ada" and r["question"] == "front-door-http-timeout")
    assert numeric["answer"] == "30.0"
    ordering = next(r for r in rows if r["username"] == "ada" and r["question"] == "front-door-request-order")
    assert " > " in ordering["answer"] and ordering["correct"] == "yes"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", single["answered (UTC)"])


def test_the_stream_is_written_a_few_rows_at_a_time():
    rows = iter([[1, "a"], [2, "=b"], [None, True]])
    chunks = exports.stream(["n", "text"], rows, batch=2)
    assert next(chunks) == "\ufeffn,text\r\n"
    assert next(chunks) == "1,a\r\n2,'=b\r\n"
    assert list(chunks) == [",yes\r\n"]
