"""The classroom: every dashboard URL and export as anonymous, learner, another cohort's instructor, the
cohort's instructor and staff (healthchecks' habit); cohorts, joining and leaving; interventions and
their audit trail; one score everywhere; query counts that do not grow with the cohort."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from classroom.demo import build_cohort
from classroom.models import Cohort, DueDate, DueDateExtension, Intervention, Membership
from courseware.models import Attempt, Quiz

from .classroom_support import make_cohort, make_learners, right_answer, submit_attempt, wrong_answer
from .factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return make_user("sam", first_name="Sam", is_staff=True)


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def cohort(instructor, learner, course):
    cohort = make_cohort(instructor, learner)
    quiz = Quiz.objects.get(slug="front-door")
    questions = list(quiz.questions.order_by("position"))
    submit_attempt(learner, quiz, {q: right_answer(q) if i % 2 else wrong_answer(q) for i, q in enumerate(questions)})
    DueDate.objects.create(cohort=cohort, kind="quiz", slug="api-types", due_at=timezone.now() + timedelta(days=3))
    return cohort


def _urls(cohort: Cohort, learner) -> list[str]:
    attempt = Attempt.objects.filter(user=learner).first()
    due = cohort.due_dates.first()
    pk = cohort.pk
    return [
        reverse("cohort", args=[pk]),
        reverse("cohort_edit", args=[pk]),
        reverse("cohort_roster", args=[pk]),
        reverse("cohort_roster", args=[pk]) + "?status=behind&q=ada&sort=-lessons_done",
        reverse("cohort_learner", args=[pk, learner.pk]),
        reverse("cohort_quizzes", args=[pk]),
        reverse("cohort_item_analysis", args=[pk, "front-door"]),
        reverse("cohort_item_analysis", args=[pk, "final"]) + "?attempts=all",
        reverse("cohort_labs", args=[pk]),
        reverse("cohort_due_dates", args=[pk]),
        reverse("cohort_audit", args=[pk]),
        reverse("cohort_override", args=[pk, attempt.pk]),
        reverse("cohort_reset", args=[pk, attempt.pk]),
        reverse("cohort_extend", args=[pk, learner.pk, due.pk]),
        reverse("cohort_gradebook_csv", args=[pk]),
        reverse("cohort_responses_csv", args=[pk]),
    ]


def test_every_cohort_url_by_role(cohort, learner, client, learner_client, instructor_client, instructor2_client,
                                  staff_client):
    for url in _urls(cohort, learner):
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url, url
        assert learner_client.get(url).status_code == 403, url
        assert instructor2_client.get(url).status_code == 404, url  # another cohort's instructor
        assert instructor_client.get(url).status_code == 200, url
        assert staff_client.get(url).status_code == 200, url


def test_a_co_instructor_sees_the_cohort(cohort, learner, instructor2, instructor2_client):
    cohort.co_instructors.add(instructor2)
    for url in _urls(cohort, learner):
        assert instructor2_client.get(url).status_code == 200, url


def test_every_change_is_refused_to_outsiders(cohort, learner, learner_client, instructor2_client):
    attempt = Attempt.objects.get(user=learner)
    due = cohort.due_dates.get()
    posts = [
        (reverse("cohort_enrolment", args=[cohort.pk]), {"open": "0"}),
        (reverse("cohort_edit", args=[cohort.pk]), {"name": "Mine now"}),
        (reverse("cohort_due_dates", args=[cohort.pk]), {"item": "quiz:security", "due_at": "2030-01-01T10:00"}),
        (reverse("cohort_due_date_delete", args=[cohort.pk, due.pk]), {}),
        (reverse("cohort_override", args=[cohort.pk, attempt.pk]), {"score": "8", "reason": "x"}),
        (reverse("cohort_reset", args=[cohort.pk, attempt.pk]), {"reason": "x"}),
        (reverse("cohort_extend", args=[cohort.pk, learner.pk, due.pk]), {"due_at": "2030-01-01T10:00", "reason": "x"}),
    ]
    for url, data in posts:
        assert learner_client.post(url, data).status_code == 403, url
        assert instructor2_client.post(url, data).status_code == 404, url
    cohort.refresh_from_db()
    attempt.refresh_from_db()
    assert cohort.enrolment_open and cohort.name == "Class A"
    assert attempt.score_override is None and DueDate.objects.count() == 1 and not DueDateExtension.objects.exists()
    assert not Intervention.objects.exists()


def test_a_learner_of_another_cohort_is_a_404(cohort, instructor_client, learner2):
    assert instructor_client.get(reverse("cohort_learner", args=[cohort.pk, learner2.pk])).status_code == 404
    other = make_cohort(make_user("olga", instructor=True), learner2, name="Other")
    attempt = submit_attempt(learner2, Quiz.objects.get(slug="api-types"), {})
    assert instructor_client.get(reverse("cohort_override", args=[cohort.pk, attempt.pk])).status_code == 404
    assert instructor_client.get(reverse("cohort_learner", args=[other.pk, learner2.pk])).status_code == 404


def test_the_dashboard_lists_only_your_cohorts_and_staff_sees_all(cohort, instructor2, instructor_client,
                                                                  instructor2_client, staff_client, learner_client):
    theirs = make_cohort(instructor2, name="Omar's class")
    html = instructor_client.get(reverse("dashboard")).content.decode()
    assert "Class A" in html and "Omar&#x27;s class" not in html and "Omar's class" not in html
    html = instructor2_client.get(reverse("dashboard")).content.decode()
    assert "Omar&#x27;s class" in html and "Class A" not in html
    html = staff_client.get(reverse("dashboard")).content.decode()
    assert "Class A" in html and "Omar&#x27;s class" in html and theirs.get_absolute_url() in html
    assert learner_client.get(reverse("dashboard")).status_code == 403


# --- Cohorts, joining and leaving -------------------------------------------------------------------------------


def test_an_instructor_creates_a_cohort_and_a_learner_joins_with_the_code(instructor, instructor_client, learner,
                                                                           learner_client, course):
    response = instructor_client.post(reverse("cohort_new"), {"name": "Spring 2027", "enrolment_open": "on"})
    cohort = Cohort.objects.get(name="Spring 2027")
    assert response.status_code == 302 and response.url == cohort.get_absolute_url()
    assert cohort.owner == instructor and len(cohort.join_code) == 10
    typed = f" {cohort.join_code_display.lower()} "  # as a learner types it
    response = learner_client.post(reverse("cohort_join"), {"code": typed})
    assert response.status_code == 302 and response.url == reverse("my_progress")
    assert Membership.objects.get(cohort=cohort, user=learner).is_current
    page = learner_client.get(reverse("my_progress")).content.decode()
    assert "Spring 2027" in page


def test_joining_by_link_asks_first_and_a_closed_cohort_refuses(cohort, learner2, learner2_client):
    link = cohort.get_join_url()
    page = learner2_client.get(link)
    assert page.status_code == 200 and "Join Class A" in page.content.decode()
    assert not Membership.objects.filter(user=learner2).exists()  # a GET never joins
    cohort.enrolment_open = False
    cohort.save()
    learner2_client.post(link)
    assert not Membership.objects.filter(user=learner2).exists()
    cohort.enrolment_open = True
    cohort.save()
    learner2_client.post(link)
    assert Membership.objects.get(user=learner2).is_current


def test_a_learner_leaves_and_drops_off_the_roster(cohort, learner, learner_client, instructor_client):
    assert learner_client.post(reverse("cohort_leave", args=[cohort.pk])).status_code == 302
    membership = Membership.objects.get(cohort=cohort, user=learner)
    assert membership.left_at is not None
    roster = instructor_client.get(reverse("cohort_roster", args=[cohort.pk]))
    assert "0 learners" in roster.content.decode()
    # Their page stays readable for the instructor (history), marked as left.
    assert "left on" in instructor_client.get(reverse("cohort_learner", args=[cohort.pk, learner.pk])).content.decode()
    assert learner_client.post(reverse("cohort_leave", args=[cohort.pk])).status_code == 404


def test_a_wrong_code_is_refused_and_guessing_is_bounded(learner_client, settings):
    from classroom.views.join import WRONG_CODES

    for _ in range(WRONG_CODES.attempts):
        response = learner_client.post(reverse("cohort_join"), {"code": "AAAAA-AAAAA"})
        assert "No cohort has that code" in response.content.decode()
    response = learner_client.post(reverse("cohort_join"), {"code": "AAAAA-AAAAA"})
    assert "Too many wrong codes" in response.content.decode()


def test_a_new_code_retires_the_old_link(cohort, instructor_client, learner2_client):
    old = cohort.get_join_url()
    instructor_client.post(reverse("cohort_enrolment", args=[cohort.pk]), {"new_code": "1"})
    assert learner2_client.get(old).status_code == 404


def test_an_instructor_cannot_join_their_own_cohort(cohort, instructor, instructor_client):
    instructor_client.post(cohort.get_join_url())
    assert not Membership.objects.filter(cohort=cohort, user=instructor).exists()


def test_due_dates_are_set_and_listed_for_the_learner(cohort, instructor_client, learner_client):
    response = instructor_client.post(reverse("cohort_due_dates", args=[cohort.pk]),
                                      {"item": "lab:private-api", "due_at": "2031-05-04T09:30"})
    assert response.status_code == 302
    assert DueDate.objects.filter(cohort=cohort, kind="lab", slug="private-api").exists()
    page = learner_client.get(reverse("my_progress")).content.decode()
    assert "A reports API reachable only from the VPC" in page and "4 May 2031" in page


# --- Interventions ----------------------------------------------------------------------------------------------


def test_an_override_with_a_reason_is_the_score_everywhere(cohort, instructor, learner, instructor_client,
                                                           learner_client):
    attempt = Attempt.objects.get(user=learner)
    graded = attempt.percent
    response = instructor_client.post(reverse("cohort_override", args=[cohort.pk, attempt.pk]),
                                      {"score": "7", "reason": "Question 3 was ambiguous in this cohort's version"})
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.score_override == 7 and attempt.effective_percent == 88 and attempt.overridden_by == instructor
    change = Intervention.objects.get()
    assert (change.actor, change.learner, change.action) == (instructor, learner, "override-score")
    assert change.before["effective_percent"] == graded and change.after["effective_percent"] == 88
    assert change.reason.startswith("Question 3")
    # The learner's result page, "Your best", my progress and the gradebook say the same.
    result = learner_client.get(reverse("attempt_result", args=[attempt.pk])).content.decode()
    assert 'data-testid="score">88%<' in result and "Question 3 was ambiguous" in result
    quizzes = learner_client.get(reverse("quizzes")).content.decode()
    row = re.search(r'<td><a href="/quizzes/front-door/">.*?</tr>', quizzes, re.S).group(0)
    assert "<td>88%</td>" in row
    progress = learner_client.get(reverse("my_progress")).content.decode()
    assert re.search(r'data-testid="best-front-door">88%<', progress)
    csv_text = b"".join(instructor_client.get(reverse("cohort_gradebook_csv", args=[cohort.pk])).streaming_content).decode()
    header, row = csv_text.splitlines()[:2]
    column = header.split(",").index("API Gateway as the front door best %")
    assert row.split(",")[column] == "88"
    # Removing the override brings the graded score back, and is recorded too.
    instructor_client.post(reverse("cohort_override", args=[cohort.pk, attempt.pk]), {"score": "", "reason": "Undo"})
    attempt.refresh_from_db()
    assert attempt.score_override is None and attempt.effective_percent == graded
    assert Intervention.objects.filter(action="clear-override").count() == 1


def test_an_override_needs_a_reason_and_a_score_in_range(cohort, learner, instructor_client):
    attempt = Attempt.objects.get(user=learner)
    url = reverse("cohort_override", args=[cohort.pk, attempt.pk])
    assert "This field is required" in instructor_client.post(url, {"score": "5"}).content.decode()
    assert "At most 8 points" in instructor_client.post(url, {"score": "9", "reason": "x"}).content.decode()
    attempt.refresh_from_db()
    assert attempt.score_override is None and not Intervention.objects.exists()


def test_a_reset_removes_the_attempt_and_keeps_its_answers_in_the_audit(cohort, learner, instructor_client):
    attempt = Attempt.objects.get(user=learner)
    answers = attempt.responses.count()
    instructor_client.post(reverse("cohort_reset", args=[cohort.pk, attempt.pk]), {"reason": "Took it by mistake"})
    assert not Attempt.objects.filter(pk=attempt.pk).exists()
    change = Intervention.objects.get()
    assert change.action == "reset-attempt" and len(change.before["responses"]) == answers
    assert change.before["quiz"] == "front-door"
    audit = instructor_client.get(reverse("cohort_audit", args=[cohort.pk])).content.decode()
    assert "Took it by mistake" in audit and "Attempt reset" in audit


def test_an_extension_moves_one_learners_due_date(cohort, learner, learner_client, instructor_client):
    due = cohort.due_dates.get()
    url = reverse("cohort_extend", args=[cohort.pk, learner.pk, due.pk])
    response = instructor_client.post(url, {"due_at": "2030-02-01T12:00", "reason": "Ill for a week"})
    assert response.status_code == 302
    extension = DueDateExtension.objects.get()
    assert extension.learner == learner and extension.due_at.year == 2030
    change = Intervention.objects.get()
    assert change.action == "extend-due-date" and change.after["due_at"].startswith("2030-02-01")
    assert "extended for you" in learner_client.get(reverse("my_progress")).content.decode()
    # An extension earlier than the cohort's date is refused.
    response = instructor_client.post(url, {"due_at": "2020-01-01T12:00", "reason": "x"})
    assert "later than the cohort" in response.content.decode()


# --- Query counts -----------------------------------------------------------------------------------------------


def _pages(cohort: Cohort) -> list[str]:
    learner = cohort.current_memberships().filter(user__attempts__isnull=False).first().user
    attempt = Attempt.objects.filter(user=learner, submitted_at__isnull=False).first()
    due = cohort.due_dates.first()
    pk = cohort.pk
    return [
        reverse("dashboard"),
        reverse("cohort", args=[pk]),
        reverse("cohort_roster", args=[pk]),
        reverse("cohort_roster", args=[pk]) + "?sort=-exam_best&status=on-track&q=a",
        reverse("cohort_learner", args=[pk, learner.pk]),
        reverse("cohort_quizzes", args=[pk]),
        reverse("cohort_item_analysis", args=[pk, "front-door"]),
        reverse("cohort_item_analysis", args=[pk, "final"]) + "?attempts=all",
        reverse("cohort_labs", args=[pk]),
        reverse("cohort_due_dates", args=[pk]),
        reverse("cohort_audit", args=[pk]),
        reverse("cohort_override", args=[pk, attempt.pk]),
        reverse("cohort_extend", args=[pk, learner.pk, due.pk]),
        reverse("cohort_gradebook_csv", args=[pk]),
        reverse("cohort_responses_csv", args=[pk]),
    ]


def _count_queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def test_every_page_and_export_costs_the_same_queries_at_5_and_50_learners(
    course, instructor, instructor2, instructor_client, instructor2_client, django_assert_max_num_queries
):
    small = build_cohort(instructor, 5, password="x", prefix="small", seed=7)
    large = build_cohort(instructor2, 50, password="x", prefix="large", seed=7)
    assert small.current_memberships().count() == 5 and large.current_memberships().count() == 50
    # Both cohorts have taken the final exam (an empty page skips queries it has nothing for).
    final = Quiz.objects.get(slug="final")
    bank = list(Quiz.objects.get(slug="security").questions.all()[:3])
    for cohort in (small, large):
        answers = {q: right_answer(q) for q in bank[:2]} | {bank[2]: wrong_answer(bank[2])}
        submit_attempt(cohort.current_memberships().first().user, final, answers)
    for small_url, large_url in zip(_pages(small), _pages(large)):
        with django_assert_max_num_queries(20):
            small_count = _count_queries(instructor_client, small_url)
        with django_assert_max_num_queries(20):
            large_count = _count_queries(instructor2_client, large_url)
        assert small_count == large_count, (small_url, small_count, large_count)


def test_the_learners_progress_page_costs_the_same_in_one_cohort_or_three(course, learner, learner_client, instructor):
    for n in range(3):
        cohort = make_cohort(instructor, learner, name=f"C{n}")
        DueDate.objects.create(cohort=cohort, kind="quiz", slug="security", due_at=timezone.now())
    one = _count_queries(learner_client, reverse("my_progress"))
    Membership.objects.filter(cohort__name__in=["C1", "C2"]).update(left_at=timezone.now())
    assert _count_queries(learner_client, reverse("my_progress")) == one
    assert one <= 20


def test_seed_demo_builds_the_demo_class(db, course, settings, capsys):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", "--learners", "12")
    call_command("seed_demo", "--learners", "12")  # again: nothing doubles
    cohort = Cohort.objects.get(name="Demo class")
    assert cohort.owner.username == "ines"
    assert cohort.current_memberships().count() == 15  # the 12, and ada, ben and chen
    assert Attempt.objects.filter(user__username__startswith="learner").exists()
    assert "learner00012" in capsys.readouterr().out


def test_the_roster_filters_sorts_and_answers_htmx_with_the_table_only(cohort, learner, learner2, instructor_client):
    Membership.objects.create(cohort=cohort, user=learner2)
    url = reverse("cohort_roster", args=[cohort.pk])
    html = instructor_client.get(url, {"q": "ben"}).content.decode()
    assert "2 learners" not in html and "1 learner match" in html and "Ben" in html
    page = instructor_client.get(url, {"sort": "-quizzes_taken"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="roster-table")
    body = page.content.decode()
    assert body.lstrip().startswith('<div id="roster-table"') and "<html" not in body
    assert body.index("Ada") < body.index("Ben")  # Ada took a quiz, Ben none
    assert "0 learners match" in instructor_client.get(url, {"at_risk": "true"}).content.decode()
    assert "2 learners match" in instructor_client.get(url, {"status": "not-started"}).content.decode()


def test_the_roster_shows_25_learners_a_page_and_the_next_link_opens_the_rest(instructor, instructor_client, course):
    pupils = make_learners(30)
    cohort = make_cohort(instructor, *pupils)
    url = reverse("cohort_roster", args=[cohort.pk])
    row = re.compile(rf'href="/dashboard/cohorts/{cohort.pk}/learners/(\d+)/"')
    next_link = re.compile(r'<li class="next page-item">\s*<a href="([^"]+)"')

    first = instructor_client.get(url).content.decode()
    on_first = row.findall(first)
    assert len(on_first) == 25 and "30 learners" in first
    follow = next_link.search(first)
    assert follow, "page 1 of 30 learners has no next link"
    second = instructor_client.get(url + follow.group(1))
    assert second.status_code == 200
    on_second = row.findall(second.content.decode())
    assert len(on_second) == 5
    assert not next_link.search(second.content.decode()), "the last page offers a next page"
    # Together the two pages list every learner of the cohort once.
    assert sorted(map(int, on_first + on_second)) == sorted(p.pk for p in pupils)


def test_the_quizzes_page_is_in_course_order_with_the_final_exam_last(learner, learner_client, course):
    html = learner_client.get(reverse("quizzes")).content.decode()
    links = re.findall(r'<td><a href="/quizzes/([a-z0-9-]+)/">', html)
    lessons = [lesson.slug for lesson in course]
    practice = [slug for slug in links if slug != "final"]
    assert links[-1] == "final" and practice == [s for s in lessons if s in practice]
    quiz = Quiz.objects.get(slug="front-door")
    submit_attempt(learner, quiz, {q: right_answer(q) for q in quiz.questions.all()})
    row = re.search(r'<td><a href="/quizzes/front-door/">.*?</tr>', learner_client.get(reverse("quizzes")).content.decode(), re.S)
    assert "<td>100%</td>" in row.group(0) and "passed" in row.group(0)


def test_classroom_imports_labs_only_for_the_learner_page_and_courseware_nothing_from_classroom():
    """The dashboard's figures come from courseware's tables and the learning log; one module,
    classroom/labwork.py, reads labs' own tables for one learner's designs and sandbox calls."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]

    def imported(package: str, but: tuple[str, ...] = ()) -> set[str]:
        found = set()
        for path in (root / package).rglob("*.py"):
            if path.name in but:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module.split(".")[0])
                elif isinstance(node, ast.Import):
                    found |= {alias.name.split(".")[0] for alias in node.names}
        return found

    assert "labs" not in imported("classroom", but=("labwork.py",))
    assert "labs" in imported("classroom")  # so the exception above is still needed
    assert "classroom" not in imported("courseware")
