from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from courseware.models import LearningEvent
from labs import catalog, troubleshooting
from labs.apigw.model import Design
from labs.apigw.objectives import evaluate
from labs.builder import STEP_IDS
from labs.models import LabAttempt, new_page_token

from .labs_support import post_data

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
HX = {"HTTP_HX_REQUEST": "true"}
SCENARIOS = ["rest-order-service", "http-jwt-cors", "websocket-chat", "dynamodb-direct", "private-api", "canary-release",
             "troubleshoot-not-redeployed", "troubleshoot-stage-variable", "troubleshoot-locked-out",
             "troubleshoot-mapping-template"]


def start(client, slug: str) -> LabAttempt:
    response = client.post(reverse("labs:start", args=[slug]))
    assert response.status_code == 302
    return LabAttempt.objects.get(scenario=slug)


def console_fields(call) -> dict[str, str]:
    """A scenario's sandbox call as the try-it console's form fields."""
    return {"stage": call.stage, "method": call.method, "path": call.path, "query": call.query, "body": call.body,
            "headers": "\n".join(f"{k}: {v}" for k, v in call.headers.items()), "identity": call.identity}


def builder(attempt: LabAttempt, step: str) -> str:
    return reverse("labs:builder", args=[attempt.pk, step])


def test_the_lab_list_shows_every_scenario_to_anyone(client, course, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        html = client.get(reverse("labs:index")).content.decode()
    for slug in SCENARIOS:
        assert f'href="/labs/{slug}/"' in html


def test_a_brief_names_its_objectives_and_lessons(client, course):
    html = client.get(reverse("labs:detail", args=["private-api"])).content.decode()
    assert "Objectives" in html and 'href="/course/endpoint-types/"' in html
    assert "Log in to start" in html
    assert client.get("/labs/no-such-lab/").status_code == 404


def test_starting_twice_resumes_the_same_design(learner_client, course):
    first = start(learner_client, "http-jwt-cors")
    second = start(learner_client, "http-jwt-cors")
    assert first.pk == second.pk and LabAttempt.objects.count() == 1


@pytest.mark.parametrize("slug", SCENARIOS)
def test_a_whole_lab_by_plain_posts_meets_every_objective(learner_client, learner, course, slug):
    attempt = start(learner_client, slug)
    solution = catalog.scenarios()[slug].reference_solution
    for step in STEP_IDS:
        # Each step's form is filled from the solution as it stands after the earlier steps.
        response = learner_client.post(builder(attempt, step), post_data(step, solution))
        assert response.status_code == 302, response.content.decode()[-2000:]
    scenario = catalog.scenarios()[slug]
    if scenario.needs_sandbox:  # objectives over what is deployed: deploy, call as the lab asks, check
        attempt.refresh_from_db()
        assert attempt.completed_at is None  # the design alone completes nothing
        assert learner_client.post(reverse("labs:sandbox_deploy", args=[attempt.pk])).status_code == 302
        for call in scenario.sandbox.calls if scenario.sandbox else ():
            learner_client.post(reverse("labs:sandbox_send", args=[attempt.pk]), console_fields(call))
        response = learner_client.post(builder(attempt, "stages"), {"check_objectives": "1"})
        assert response.status_code == 302
    attempt.refresh_from_db()
    design = Design.from_dict(attempt.design)
    view = troubleshooting.sandbox_view(attempt) if scenario.needs_sandbox else None
    results = evaluate(design, scenario.objectives, sandbox=view)
    assert all(r.met for r in results), [(r.id, r.hint) for r in results if not r.met]
    assert attempt.completed_at is not None
    assert LearningEvent.objects.filter(actor=learner, verb="completed", object_type="lab", object_id=slug).exists()
    met = LearningEvent.objects.filter(actor=learner, verb="met", object_type="objective").count()
    assert met == len(results)


def test_leaving_a_field_saves_the_draft_and_shows_findings(learner_client, learner, course):
    attempt = start(learner_client, "http-jwt-cors")
    learner_client.post(builder(attempt, "api"), {"name": "notes", "api_type": "http", "version": "1.0"})
    data = {"route_selection_expression": "", "routes-TOTAL_FORMS": "2", "routes-INITIAL_FORMS": "0",
            "routes-0-key": "GET /notes/{id", "routes-1-key": "POST /notes"}
    response = learner_client.post(reverse("labs:check", args=[attempt.pk, "routes"]), data, **HX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'data-rule="route.path-param-whole-segment"' in html and "Why: read the lesson" in html
    assert re.search(r'id="lab-side"[^>]*hx-swap-oob="true"', html)
    assert re.search(r'id="lab-exports"[^>]*hx-swap-oob="true"', html)
    attempt.refresh_from_db()
    assert [r["key"] for r in attempt.design["routes"]] == ["GET /notes/{id", "POST /notes"]
    event = LearningEvent.objects.filter(actor=learner, verb="validated").latest("timestamp")
    assert "route.path-param-whole-segment" in event.result["rules"]


def test_a_value_the_form_cannot_read_is_explained_and_nothing_is_lost(learner_client, course):
    attempt = start(learner_client, "rest-order-service")
    solution = catalog.scenarios()["rest-order-service"].reference_solution
    for step in ("api", "endpoint", "routes"):
        learner_client.post(builder(attempt, step), post_data(step, solution))
    attempt.refresh_from_db()
    before = attempt.design
    data = post_data("integrations", solution)
    data["integrations-0-timeout_ms"] = "thirty seconds"
    response = learner_client.post(reverse("labs:check", args=[attempt.pk, "integrations"]), data, **HX)
    assert "Not saved yet" in response.content.decode() and "Enter a whole number" in response.content.decode()
    response = learner_client.post(builder(attempt, "integrations"), data)
    assert response.status_code == 200 and "Enter a whole number" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.design == before


def test_broken_resource_policy_json_names_the_line(learner_client, course):
    attempt = start(learner_client, "private-api")
    solution = catalog.scenarios()["private-api"].reference_solution
    for step in ("api", "endpoint", "routes", "integrations"):
        learner_client.post(builder(attempt, step), post_data(step, solution))
    data = post_data("security", solution)
    data["resource_policy"] = '{\n  "Version": "2012-10-17",\n  "Statement": [\n}'
    response = learner_client.post(builder(attempt, "security"), data)
    assert "The resource policy is not valid JSON (line 4" in response.content.decode()


def test_the_form_offers_only_what_the_api_type_allows(learner_client, course):
    attempt = start(learner_client, "http-jwt-cors")
    learner_client.post(builder(attempt, "api"), {"name": "notes", "api_type": "http", "version": "1.0"})
    html = learner_client.get(builder(attempt, "endpoint")).content.decode()
    assert 'value="REGIONAL"' in html and 'value="PRIVATE"' not in html
    assert "Private" in html and "REST APIs only" in html
    response = learner_client.post(builder(attempt, "endpoint"), {"endpoint_type": "PRIVATE"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


def test_hints_reveal_in_order(learner_client, course):
    attempt = start(learner_client, "private-api")
    url = reverse("labs:hints", args=[attempt.pk, "endpoint"])
    first = learner_client.get(url + "?hints=1", **HX).content.decode()
    assert "A nudge" in first and "The rule" not in first and "The answer" not in first
    third = learner_client.get(url + "?hints=3", **HX).content.decode()
    assert "The rule" in third and "The answer" in third and "Show the next hint" not in third
    assert learner_client.get(url + "?hints=2").status_code == 302  # without JS: back to the page


def test_exports_download_with_a_file_name(learner_client, course):
    attempt = start(learner_client, "http-jwt-cors")
    solution = catalog.scenarios()["http-jwt-cors"].reference_solution
    for step in STEP_IDS:
        learner_client.post(builder(attempt, step), post_data(step, solution))
    for name in ("openapi.yaml", "openapi.json", "cloudformation.yaml", "client.js", "client.py", "design.json"):
        response = learner_client.get(reverse("labs:download", args=[attempt.pk, name]))
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith(f'-{name}"')
    doc = json.loads(learner_client.get(reverse("labs:download", args=[attempt.pk, "openapi.json"])).content)
    assert doc["info"]["title"] and doc["info"]["description"] and doc["info"]["version"]
    assert learner_client.get(reverse("labs:download", args=[attempt.pk, "secrets.txt"])).status_code == 404


def test_websocket_openapi_export_explains_why_not(learner_client, course):
    attempt = start(learner_client, "websocket-chat")
    html = learner_client.get(builder(attempt, "api")).content.decode()
    assert "# Not available yet:" in html
    response = learner_client.get(reverse("labs:download", args=[attempt.pk, "openapi.yaml"]), follow=True)
    assert "This export is not available for the design yet" in response.content.decode()


def test_another_learners_design_is_a_404(learner_client, learner2_client, instructor_client, client, course):
    attempt = start(learner_client, "private-api")
    for other in (learner2_client, instructor_client):
        assert other.get(builder(attempt, "api")).status_code == 404
        assert other.post(reverse("labs:check", args=[attempt.pk, "api"]), {"name": "x", "api_type": "rest"}).status_code == 404
        assert other.get(reverse("labs:download", args=[attempt.pk, "openapi.yaml"])).status_code == 404
        assert other.get(reverse("labs:hints", args=[attempt.pk, "api"])).status_code == 404
    response = client.get(builder(attempt, "api"))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert learner_client.get(reverse("labs:builder", args=[attempt.pk, "nope"])).status_code == 404


STEP_FIELDS = {
    "api": ["name", "description", "version", "api_type"],
    "endpoint": ["endpoint_type", "clients"],
    "routes": ["route_selection_expression", "routes-TOTAL_FORMS", "routes-INITIAL_FORMS", "routes-0-key"],
    "integrations": ["integrations-TOTAL_FORMS", "integrations-INITIAL_FORMS", "integrations-0-kind",
                     "integrations-0-timeout_ms", "integrations-0-target"],
    "security": ["security-TOTAL_FORMS", "security-INITIAL_FORMS", "security-0-authorization", "resource_policy",
                 "cors_enabled", "cors_origins", "cors_max_age", "authorizers-TOTAL_FORMS", "authorizers-0-type"],
    "stages": ["stages-TOTAL_FORMS", "stages-INITIAL_FORMS", "stages-0-name", "stages-0-canary_percent",
               "stages-0-variables", "stages-0-cache_size"],
}
junk = st.one_of(st.text(max_size=40), st.sampled_from(["", "0", "-1", "1e309", "nan", "999999999999", "{}", "[",
                                                          "rest", "http", "websocket", "PRIVATE", "a=b", "$default"]))


@pytest.mark.django_db(transaction=True)
@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(step=st.sampled_from(STEP_IDS), values=st.lists(junk, min_size=10, max_size=10), htmx=st.booleans())
def test_any_form_post_gets_an_answer_never_a_500(learner_client, learner, course, step, values, htmx):
    attempt, _ = LabAttempt.objects.get_or_create(user=learner, scenario="rest-order-service")
    data = dict(zip(STEP_FIELDS[step], values))
    url = reverse("labs:check", args=[attempt.pk, step]) if htmx else builder(attempt, step)
    response = learner_client.post(url, data, **(HX if htmx else {}))
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("path,expect", [
    ("awsdocs-openapi/petstore-with-proxy-resource.oas30.json", "PetStore"),
    ("awsdocs-openapi/http-api-example-petstore.oas30.json", "Pet"),
])
def test_import_a_public_example_and_continue_in_the_builder(learner_client, course, path, expect):
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside this checkout")
    text = (CORPUS / path).read_text()
    response = learner_client.post(reverse("labs:import"), {"document": text})
    html = response.content.decode()
    assert response.status_code == 200 and "Findings" in html and expect.lower() in html.lower()
    response = learner_client.post(reverse("labs:import"), {"document": text, "continue": "1"})
    attempt = LabAttempt.objects.get(scenario="")
    assert response.status_code == 302 and response.url == attempt.get_absolute_url()
    assert attempt.design["routes"]


def test_import_upload_and_bad_documents(learner_client, client, course):
    from django.core.files.uploadedfile import SimpleUploadedFile

    doc = "openapi: 3.0.1\ninfo: {title: t, version: '1', description: d}\npaths:\n  /a:\n    get:\n      x-amazon-apigateway-integration: {type: mock}\n"
    upload = SimpleUploadedFile("api.yaml", doc.encode(), content_type="application/yaml")
    assert "Findings" in learner_client.post(reverse("labs:import"), {"file": upload}).content.decode()
    for bad, message in [("", "Paste an OpenAPI document"), ("{not yaml: [", "We could not read that document"),
                         ("just text", "We could not read that document")]:
        response = learner_client.post(reverse("labs:import"), {"document": bad})
        assert response.status_code == 400 and message in response.content.decode()
    binary = SimpleUploadedFile("x.bin", b"\xff\xfe\x00bad", content_type="application/octet-stream")
    assert "not UTF-8 text" in learner_client.post(reverse("labs:import"), {"file": binary}).content.decode()
    big = SimpleUploadedFile("big.json", b" " * (6 * 1024 * 1024 + 1))
    assert "larger than 6 MB" in learner_client.post(reverse("labs:import"), {"file": big}).content.decode()
    response = client.post(reverse("labs:import"), {"document": doc, "continue": "1"})
    assert "Log in to continue" in response.content.decode() and not LabAttempt.objects.exists()


def test_apigw_command_validates_and_exports(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema": 1, "name": "x", "api_type": "http", "endpoint_types": ["PRIVATE"],
                               "routes": [{"key": "GET /a", "integration": {"kind": "mock"}}]}))
    with pytest.raises(SystemExit) as exit_:
        call_command("apigw", "validate", str(bad))
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "endpoint.private-rest-only" in out and "integration.http-api-no-mock" in out
    good = tmp_path / "good.json"
    good.write_text(json.dumps(catalog.scenarios()["http-jwt-cors"].reference_solution.to_dict()))
    call_command("apigw", "validate", str(good), "--format", "json")
    assert json.loads(capsys.readouterr().out)["summary"]["error"] == 0
    out_file = tmp_path / "template.yaml"
    call_command("apigw", "export", str(good), "--to", "cloudformation", "--output", str(out_file))
    assert "AWS::ApiGatewayV2::Api" in out_file.read_text()


def test_the_log_records_a_change_in_broken_rules_not_every_keystroke(learner_client, learner, course):
    attempt = start(learner_client, "http-jwt-cors")
    url = reverse("labs:check", args=[attempt.pk, "api"])
    for n, name in enumerate(["n", "no", "not", "notes"], start=1):
        learner_client.post(url, {"name": name, "api_type": "http", "page": "p", "seq": str(n)}, **HX)
    assert LearningEvent.objects.filter(actor=learner, verb="validated").count() == 1
    learner_client.post(url, {"name": "", "api_type": "http", "page": "p", "seq": "9"}, **HX)
    event = LearningEvent.objects.filter(actor=learner, verb="validated").latest("timestamp")
    assert "api.name-required" in event.result["rules"]
    # each rule comes with the lesson that explains it, for the dashboard's links
    assert event.result["lessons"]["api.name-required"] == "api-types#feature-comparison"
    assert set(event.result["lessons"]) == set(event.result["rules"])


def test_a_late_autosave_does_not_overwrite_a_newer_submit(learner_client, course):
    attempt = start(learner_client, "http-jwt-cors")
    url = builder(attempt, "api")
    learner_client.post(url, {"name": "newer", "api_type": "http", "page": "p1", "seq": "3"})
    learner_client.post(reverse("labs:check", args=[attempt.pk, "api"]),
                        {"name": "older", "api_type": "http", "page": "p1", "seq": "2"}, **HX)
    attempt.refresh_from_db()
    assert attempt.design["name"] == "newer"
    # A fresh page (another tab, a reload) saves normally.
    learner_client.post(url, {"name": "from another tab", "api_type": "http", "page": "p2", "seq": "0"})
    attempt.refresh_from_db()
    assert attempt.design["name"] == "from another tab"


def test_a_late_autosave_from_the_previous_step_does_not_overwrite_the_next_steps_save(learner_client, course):
    """The learner taps "Save and continue" while an autosave of the same page is still on its way; the
    next step's page saves; then that autosave arrives. It must not put the earlier page's fields back."""
    attempt = start(learner_client, "http-jwt-cors")
    first, second = new_page_token(), new_page_token()
    assert first < second
    learner_client.post(builder(attempt, "api"), {"name": "notes", "api_type": "http", "page": first, "seq": "2"})
    learner_client.post(reverse("labs:check", args=[attempt.pk, "api"]),
                        {"name": "notes", "description": "Notes for the app", "api_type": "http",
                         "page": second, "seq": "1"}, **HX)
    late = learner_client.post(reverse("labs:check", args=[attempt.pk, "api"]),
                               {"name": "no", "api_type": "http", "page": first, "seq": "1"}, **HX)
    assert late.status_code == 200
    attempt.refresh_from_db()
    assert attempt.design["name"] == "notes" and attempt.design["description"] == "Notes for the app"
    # A submit from the older page is the learner's intent, and applies.
    learner_client.post(builder(attempt, "api"), {"name": "notes-api", "api_type": "http", "page": first, "seq": "3"})
    attempt.refresh_from_db()
    assert attempt.design["name"] == "notes-api"


def test_every_lab_a_lesson_or_a_rule_points_to_exists(client, course):
    from courseware.models import Lesson
    from labs.apigw.rules import RULES

    labs = set(catalog.scenarios())
    for lesson in Lesson.objects.published():
        assert set(lesson.labs) <= labs, lesson.slug
        for slug in lesson.labs:
            assert client.get(reverse("labs:detail", args=[slug])).status_code == 200
    sections = {lesson.slug: {s["id"] for s in lesson.toc} for lesson in Lesson.objects.published()}
    for rule in RULES:
        slug, _, anchor = rule.lesson.partition("#")
        assert slug in sections and (not anchor or anchor in sections[slug]), (rule.id, rule.lesson)
    for scenario in catalog.scenarios().values():
        assert set(scenario.lessons) <= set(sections), scenario.slug


def test_tags_request_validators_and_waf_round_trip_through_the_forms(learner_client, course):
    attempt = start(learner_client, "rest-order-service")
    design = catalog.scenarios()["rest-order-service"].reference_solution
    design = Design.from_dict({
        **design.to_dict(),
        "tags": {"team": "orders"},
        "request_validators": [{"name": "body-only", "validate_body": True}],
        "routes": [{**route, "request_validator": "body-only"} for route in design.to_dict()["routes"]],
        "stages": [{**stage, "waf_web_acl_arn": "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/orders/1"}
                   for stage in design.to_dict()["stages"]],
    })
    for step in STEP_IDS:
        assert learner_client.post(builder(attempt, step), post_data(step, design)).status_code == 302
    attempt.refresh_from_db()
    saved = Design.from_dict(attempt.design)
    assert saved.tags == {"team": "orders"}
    assert saved.request_validators[0].name == "body-only" and saved.request_validators[0].validate_body
    assert {route.request_validator for route in saved.routes} == {"body-only"}
    assert saved.stages[0].waf_web_acl_arn.endswith("webacl/orders/1")


def test_a_broken_scenario_file_fails_the_system_check(tmp_path, settings):
    from labs.apps import check_scenarios

    assert check_scenarios() == []
    (tmp_path / "broken.yaml").write_text("slug: broken\ntitle: Broken\n")
    settings.LAB_SCENARIOS_DIR = tmp_path
    errors = check_scenarios()
    assert errors and errors[0].id == "labs.E001" and "broken.yaml" in errors[0].msg


def test_every_rule_location_maps_to_an_input_the_builder_renders(learner_client, course):
    """A finding's "Go to the field" link must point at an input that exists on its step's page."""
    import sys

    from labs.builder import field_id, step_of

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from apigw import test_rules as cases  # the failing design of every rule

    attempt = start(learner_client, "rest-order-service")
    pages: dict[tuple[str, str], str] = {}
    for rule_id, case in cases.CASES.items():
        design = cases.factory.valid(case.api_type)
        case.fail(design)
        for finding in cases._fired(design, rule_id):
            target = field_id(finding.location)
            if not target:
                continue
            step = step_of(finding.location)
            LabAttempt.objects.filter(pk=attempt.pk).update(design=design.to_dict())
            key = (rule_id, step)
            if key not in pages:
                pages[key] = learner_client.get(builder(attempt, step)).content.decode()
            assert f'id="{target}"' in pages[key], (rule_id, finding.location, target, step)


def test_a_pasted_document_up_to_six_megabytes_is_read(learner_client, course):
    doc = "openapi: 3.0.1\ninfo: {title: t, version: '1', description: d}\npaths: {}\n" + "#" * (5 * 1024 * 1024) + "\n"
    response = learner_client.post(reverse("labs:import"), {"document": doc})
    assert response.status_code == 200 and "Findings" in response.content.decode()
