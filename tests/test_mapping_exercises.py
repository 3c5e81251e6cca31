"""Lesson 12's exercises in the sandbox, no AWS account needed.

``static/exercises/mapping-templates-greet.yaml`` is the API of the lesson's AWS CLI setup as an OpenAPI
document. Here it goes the learner's way — the import page, the builder's Stages step, "Deploy to the
sandbox", the try-it console — and once through ``manage.py apigw invoke``; every answer the lesson gives
for exercises 1 to 4 (AWS's behaviour) is checked against what the sandbox answers. Where the two differ,
the lesson is right and the sandbox is wrong.
"""

from __future__ import annotations

import io
import json
import re
import textwrap
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from courseware.models import Lesson
from labs.apigw import openapi
from labs.apigw.gateway import Request, Sandbox
from labs.apigw.model import Stage
from labs.models import LabAttempt, LabSandbox, SandboxCall

from .factories import make_user
from .labs_support import post_data
from .test_labs import builder

BASE = Path(settings.BASE_DIR)
LESSON = BASE / "courseware" / "content" / "lessons" / "12-mapping-templates.md"
STATIC_NAME = "exercises/mapping-templates-greet.yaml"
DOCUMENT = BASE / "static" / STATIC_NAME
X = "x-amazon-apigateway-integration"

#: The stages the lesson asks for in the builder's Stages step.
STAGES = {"prod": {"greeting": "Hello"}, "fr": {"greeting": "Bonjour"}}
#: The lesson's table of console requests: (exercise, stage, method, path, query string, headers, body).
ROWS = [
    ("1", "prod", "POST", "/greet", "name=Ada", "", "{}"),
    ("1", "prod", "POST", "/greet", "", "", "{}"),
    ("2", "fr", "POST", "/greet", "name=Ada", "", "{}"),
    ("3", "prod", "POST", "/greet", "name=Ada", "Content-Type=text/plain", "hi"),
    ("3", "prod", "POST", "/greet", "name=Ada", "", ""),
    ("4", "prod", "POST", "/greet", "name=O%22Brien", "", "{}"),
]
ADA = {"greeting": "Hello, Ada!", "method": "POST", "path": "/greet"}


def lesson_text() -> str:
    return LESSON.read_text(encoding="utf-8")


def exercises() -> str:
    """The lesson's Exercises section (up to the next ## heading)."""
    text = lesson_text()
    start = text.index("## Exercises {#exercises}")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def heredoc(name: str) -> dict[str, str]:
    """A JSON file the lesson's setup writes with ``cat > NAME <<'EOF'``."""
    m = re.search(rf"cat > {re.escape(name)} <<'EOF'\n(.*?)\nEOF\n", exercises(), re.S)
    assert m, f"the lesson's setup no longer writes {name}"
    return json.loads(m.group(1))


def document() -> dict:
    return yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))


# --- The document is the API of the lesson's setup ----------------------------------------------------


def test_the_document_sets_up_the_api_of_the_lessons_cli_commands():
    doc = document()
    assert doc["openapi"].startswith("3.0.")
    assert list(doc["paths"]) == ["/greet"] and list(doc["paths"]["/greet"]) == ["post"]
    operation = doc["paths"]["/greet"]["post"]
    assert set(operation["responses"]) == {"200", "400"}  # put-method-response 200 and 400
    integration = operation[X]
    setup = exercises()
    assert "--type MOCK --passthrough-behavior WHEN_NO_TEMPLATES --request-templates file://request.json" in setup
    assert integration["type"] == "mock" and integration["passthroughBehavior"].upper() == "WHEN_NO_TEMPLATES"
    assert integration["requestTemplates"] == heredoc("request.json")
    # put-integration-response: 200 with the empty selection pattern (the default) and ok.json,
    # 400 with the selection pattern "400" and bad.json
    assert '--status-code 200 --selection-pattern "" --response-templates file://ok.json' in setup
    assert '--status-code 400 --selection-pattern "400" --response-templates file://bad.json' in setup
    responses = integration["responses"]
    assert set(responses) == {"default", "400"}
    assert responses["default"] == {"statusCode": "200", "responseTemplates": heredoc("ok.json")}
    assert responses["400"] == {"statusCode": "400", "responseTemplates": heredoc("bad.json")}


def test_the_lesson_shows_the_document_as_it_is_and_links_pages_that_exist(course):
    text = lesson_text()
    m = re.search(r'\n\?\?\? example "mapping-templates-greet\.yaml"\n    ```yaml\n(.*?)\n    ```\n', text, re.S)
    assert m, "the collapsible copy of the document is missing"
    assert textwrap.dedent(m.group(1)) + "\n" == DOCUMENT.read_text(encoding="utf-8"), \
        "the copy in the lesson differs from static/exercises/mapping-templates-greet.yaml"
    assert finders.find(STATIC_NAME), "the linked document is not a static file"
    html = Lesson.objects.get(slug="mapping-templates").body_html
    # WhiteNoise serves a collected file under its own name too (tests/test_static_files.py), so the plain
    # path works with the hashed storage of production; the text above is there to copy in any case.
    assert f'href="{settings.STATIC_URL}{STATIC_NAME}"' in html
    assert f'href="{reverse("labs:import")}"' in html
    assert 'id="exercises-sandbox"' in html and 'href="#exercises-sandbox"' in html


# --- The learner's way: import page, builder, sandbox, try-it console -----------------------------------


@pytest.fixture
def attempt(learner_client, learner, course) -> LabAttempt:
    """The document imported at the import page, the lesson's stages added, deployed to the sandbox."""
    text = DOCUMENT.read_text(encoding="utf-8")
    page = learner_client.post(reverse("labs:import"), {"document": text})
    html = page.content.decode()
    assert page.status_code == 200 and "0 errors" in html, html
    assert "dropped" not in html, html  # both integration responses and their method responses are kept
    response = learner_client.post(reverse("labs:import"), {"document": text, "continue": "1"})
    attempt = LabAttempt.objects.get(user=learner, scenario="")
    assert response.status_code == 302 and response.url == attempt.get_absolute_url()

    design, _ = attempt.read_design()
    assert [r.key for r in design.routes] == ["POST /greet"] and design.stages == []
    for name, variables in STAGES.items():  # one row at a time, as the Stages step offers them
        design.stages.append(Stage(name=name, variables=variables))
        saved = learner_client.post(builder(attempt, "stages"), {**post_data("stages", design), "stay": "1"})
        assert saved.status_code in (200, 302)
    attempt.refresh_from_db()
    assert {s.name: s.variables for s in attempt.read_design()[0].stages} == STAGES

    assert learner_client.post(reverse("labs:sandbox_deploy", args=[attempt.pk])).status_code == 302
    assert set(LabSandbox.objects.get(attempt=attempt).load().stages) == set(STAGES)
    return attempt


def test_the_lessons_table_is_what_these_tests_send():
    rows = []
    for line in exercises().splitlines():
        if re.match(r"\| \d \|", line):
            cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
            rows.append(tuple("" if c in ("(none)", "(empty)") else c for c in cells))
    assert rows == ROWS


def send(client, attempt, row: int) -> SandboxCall:
    """The request of the lesson's table row ``row``, sent from the try-it console."""
    _, stage, method, path, query, headers, body = ROWS[row]
    fields = {"stage": stage, "method": method, "path": path, "query": query, "headers": headers, "body": body}
    response = client.post(reverse("labs:sandbox_send", args=[attempt.pk]), fields)
    assert response.status_code == 302, response.content.decode()[:500]
    return SandboxCall.objects.filter(sandbox__attempt=attempt).latest("id")


def decision(call: SandboxCall, step: str) -> str:
    return next(s["decision"] for s in call.trace if s["step"] == step)


def test_exercise_1_a_name_makes_the_default_response_greet(learner_client, attempt):
    call = send(learner_client, attempt, 0)
    assert call.status == 200, call.trace
    assert json.loads(call.response["body"]) == ADA
    assert decision(call, "integration") == "MOCK 200"


def test_exercise_1_no_name_makes_the_mock_answer_400(learner_client, attempt):
    """The request template's half of the answer: the mock's status code is 400."""
    call = send(learner_client, attempt, 1)
    assert decision(call, "integration") == "MOCK 400"


def test_exercise_1_no_name_selects_the_400_response(learner_client, attempt):
    call = send(learner_client, attempt, 1)
    assert call.status == 400
    assert json.loads(call.response["body"]) == {"message": "Tell me your name: add ?name=..."}


def test_the_integrations_step_shows_both_responses_and_saving_it_keeps_them(learner_client, attempt):
    page = learner_client.get(builder(attempt, "integrations")).content.decode()
    assert 'name="integrations-0-error_pattern" value="400"' in page
    assert 'name="integrations-0-error_status" value="400"' in page
    assert "Tell me your name: add ?name=...&quot;}</textarea>" in page  # the error response's template
    assert "$stageVariables.greeting" in page  # the default response's template
    design, _ = attempt.read_design()
    saved = learner_client.post(builder(attempt, "integrations"), {**post_data("integrations", design), "stay": "1"})
    assert saved.status_code in (200, 302)
    attempt.refresh_from_db()
    assert attempt.read_design()[0].routes[0].integration.responses == design.routes[0].integration.responses != []
    assert learner_client.post(reverse("labs:sandbox_deploy", args=[attempt.pk])).status_code == 302
    assert send(learner_client, attempt, 1).status == 400


def test_the_learner_edits_and_removes_the_error_response_in_the_form(learner_client, attempt):
    design, _ = attempt.read_design()
    data = post_data("integrations", design)
    changed = {**data, "integrations-0-error_pattern": "4\\d{2}", "integrations-0-error_status": "422",
               "integrations-0-error_template": '{"problem": "no name"}', "stay": "1"}
    assert learner_client.post(builder(attempt, "integrations"), changed).status_code in (200, 302)
    attempt.refresh_from_db()
    [response] = attempt.read_design()[0].routes[0].integration.responses
    assert (response.selection_pattern, response.status_code) == ("4\\d{2}", "422")
    assert learner_client.post(reverse("labs:sandbox_deploy", args=[attempt.pk])).status_code == 302
    call = send(learner_client, attempt, 1)
    assert call.status == 422 and json.loads(call.response["body"]) == {"problem": "no name"}

    cleared = {**changed, "integrations-0-error_pattern": "", "integrations-0-error_status": "",
               "integrations-0-error_template": ""}
    assert learner_client.post(builder(attempt, "integrations"), cleared).status_code in (200, 302)
    attempt.refresh_from_db()
    assert attempt.read_design()[0].routes[0].integration.responses == []
    assert learner_client.post(reverse("labs:sandbox_deploy", args=[attempt.pk])).status_code == 302
    assert send(learner_client, attempt, 1).status == 200  # only the default response is left


def test_a_pattern_that_is_not_a_regular_expression_is_a_finding_in_the_builder(learner_client, attempt):
    design, _ = attempt.read_design()
    data = {**post_data("integrations", design), "integrations-0-error_pattern": "(4\\d{2}", "stay": "1"}
    page = learner_client.post(builder(attempt, "integrations"), data, follow=True)
    assert page.status_code == 200
    assert "is not a regular expression this lab can read" in page.content.decode()


def test_oversized_error_response_fields_are_refused_with_a_message_and_nothing_is_lost(learner_client, attempt):
    before = attempt.read_design()[0].routes[0].integration.responses
    data = {**post_data("integrations", attempt.read_design()[0]), "integrations-0-error_status": "4" * 11,
            "integrations-0-error_pattern": "x" * 501, "stay": "1"}
    page = learner_client.post(builder(attempt, "integrations"), data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ensure this value has at most 10 characters" in html and "at most 500 characters" in html
    attempt.refresh_from_db()
    assert attempt.read_design()[0].routes[0].integration.responses == before
    stranger = Client()
    stranger.force_login(make_user("stranger"))  # another learner, with this design's id in the URL
    assert stranger.get(builder(attempt, "integrations")).status_code == 404
    assert stranger.post(builder(attempt, "integrations"), data).status_code == 404


def test_exercise_2_the_greeting_is_the_calling_stages_variable(learner_client, attempt):
    call = send(learner_client, attempt, 2)
    assert call.status == 200
    assert json.loads(call.response["body"]) == {**ADA, "greeting": "Bonjour, Ada!"}


def test_exercise_3_text_plain_is_refused_with_415(learner_client, attempt):
    call = send(learner_client, attempt, 3)
    assert call.status == 415, call.trace
    assert call.error_type == "UNSUPPORTED_MEDIA_TYPE"  # the gateway response the lesson names


def test_the_console_takes_a_header_written_as_its_label_says(learner_client, attempt):
    fields = {"stage": "prod", "method": "POST", "path": "/greet", "query": "name=Ada",
              "headers": "Content-Type: text/plain", "body": "hi"}
    learner_client.post(reverse("labs:sandbox_send", args=[attempt.pk]), fields)
    calls = SandboxCall.objects.filter(sandbox__attempt=attempt)
    assert calls.exists(), "the console refused the header and sent nothing"
    assert calls.latest("id").status == 415


def test_exercise_3_no_content_type_runs_the_json_template(learner_client, attempt):
    call = send(learner_client, attempt, 4)
    assert not any(k.lower() == "content-type" for k in call.request["headers"])  # really without the header
    assert call.status == 200
    assert json.loads(call.response["body"]) == ADA
    assert decision(call, "template") == "rendered (application/json)"


def test_the_console_adds_a_json_content_type_to_a_body_as_the_lesson_says(learner_client, attempt):
    fields = {"stage": "prod", "method": "POST", "path": "/greet", "query": "name=Ada", "body": "hi"}
    learner_client.post(reverse("labs:sandbox_send", args=[attempt.pk]), fields)
    call = SandboxCall.objects.filter(sandbox__attempt=attempt).latest("id")
    assert call.request["headers"] == {"Content-Type": "application/json"}


def test_exercise_4_the_quote_is_escaped_and_the_body_stays_json(learner_client, attempt):
    call = send(learner_client, attempt, 5)
    assert call.status == 200
    assert '"greeting": "Hello, O\\"Brien!"' in call.response["body"]
    assert json.loads(call.response["body"])["greeting"] == 'Hello, O"Brien!'


def test_exercise_4_without_escape_javascript_the_body_is_not_json():
    """The answer's second half: remove $util.escapeJavaScript() from the ok template."""
    design = openapi.import_openapi(DOCUMENT.read_text(encoding="utf-8")).design  # what the import page calls
    integration = design.routes[0].integration
    ok = integration.response_templates["application/json"]
    integration.response_templates = {"application/json": ok.replace("$util.escapeJavaScript($input.params('name'))",
                                                                      "$input.params('name')")}
    design.stages = [Stage(name="prod", variables=STAGES["prod"])]
    sandbox = Sandbox(seed=12)
    sandbox.deploy(design)
    response = sandbox.invoke(Request("POST", "/greet", stage="prod", headers={"Content-Type": "application/json"},
                                      query="name=O%22Brien", body="{}"))
    assert response.status == 200
    assert '"Hello, O"Brien!"' in response.body
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.body)


# --- The command line: manage.py apigw invoke FILE ------------------------------------------------------


def apigw_invoke(*options: str) -> tuple[int, dict]:
    out = io.StringIO()
    try:
        call_command("apigw", "invoke", str(DOCUMENT), "--method", "POST", "--path", "/greet", "--format", "json",
                     *options, stdout=out)
        code = 0
    except SystemExit as done:  # the command exits 1 when the answer is 400 or more
        code = done.code
    return code, json.loads(out.getvalue())


def test_exercise_3_through_the_cli():
    code, refused = apigw_invoke("--query", "name=Ada", "--header", "Content-Type: text/plain", "--body", "hi")
    assert (code, refused["status"]) == (1, 415)
    assert refused["error_type"] == "UNSUPPORTED_MEDIA_TYPE"
    assert refused["headers"]["x-amzn-ErrorType"] == "UnsupportedMediaTypeException"
    code, answered = apigw_invoke("--query", "name=Ada", "--body", "hi")  # the CLI adds no Content-Type
    assert (code, answered["status"]) == (0, 200)
    # The document has no stage, so the CLI's stage has no variable `greeting`: it renders as an empty
    # string, as exercise 2's answer says of a real stage without it.
    assert json.loads(answered["body"]) == {**ADA, "greeting": ", Ada!"}


def test_exercise_4_through_the_cli():
    code, answered = apigw_invoke("--query", "name=O%22Brien", "--header", "Content-Type: application/json",
                                  "--body", "{}")
    assert code == 0 and json.loads(answered["body"])["greeting"] == ', O"Brien!'
