"""The builder's shape (issue 9): short views, one validation per request, one table of steps."""

from __future__ import annotations

import ast
from pathlib import Path

from django.urls import reverse

from labs import builder
from labs.apigw import rules
from labs.models import LabAttempt

from .labs_support import post_data
from .test_labs import start

VIEWS = Path(__file__).resolve().parents[1] / "labs" / "views"


def test_every_labs_view_function_is_at_most_40_lines():
    long = []
    for path in VIEWS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno + 1 > 40:
                long.append(f"{path.name}:{node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert long == []


def test_a_builder_check_validates_the_design_once(learner_client, course, monkeypatch):
    attempt = start(learner_client, "rest-order-service")
    calls = []
    real = rules.validate
    monkeypatch.setattr(rules, "validate", lambda design: calls.append(1) or real(design))
    solution = builder.Analysis(attempt.read_design()[0], None).design
    response = learner_client.post(reverse("labs:check", args=[attempt.pk, "routes"]), post_data("routes", solution),
                                   HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and len(calls) == 1
    calls.clear()
    assert learner_client.get(reverse("labs:builder", args=[attempt.pk, "integrations"])).status_code == 200
    assert len(calls) == 1


def test_each_step_binds_applies_and_names_its_inputs(learner_client, course):
    attempt = start(learner_client, "canary-release")
    design = LabAttempt.objects.get(pk=attempt.pk).read_design()[0]
    for step in builder.STEPS:
        bound = builder.BoundStep.of(step.id, design)
        assert not bound.is_bound and bound.parts
        assert step.field_ids, f"{step.id} links no finding to an input"
    assert builder.step_of("routes[3].integration.timeout_ms") == "integrations"
    assert builder.field_id("routes[3].integration.timeout_ms") == "id_integrations-3-timeout_ms"
    assert builder.step_of("stages[0].canary.percent_traffic") == "stages"


def test_large_designs_page_their_routes_and_keep_input_ids(learner_client, learner, course):
    routes = [{"key": f"GET /r{i}", "integration": {"kind": "mock"}} for i in range(60)]
    routes[40]["integration"] = {"kind": "http_proxy", "uri": "not a url"}  # a finding on the second page
    attempt = LabAttempt.objects.create(user=learner, design={"schema": 1, "api_type": "rest", "name": "big", "routes": routes},
                                        steps_saved=list(builder.STEP_IDS))
    page = learner_client.get(reverse("labs:builder", args=[attempt.pk, "integrations"])).content.decode()
    assert "Routes 26–50" in page and "Routes 51–60" in page
    assert 'id="id_integrations-0-kind"' in page and 'id="id_integrations-25-kind"' not in page
    assert 'href="?from=25#id_integrations-40-target"' in page  # the finding links to its page
    second = learner_client.get(reverse("labs:builder", args=[attempt.pk, "integrations"]) + "?from=25").content.decode()
    assert 'id="id_integrations-40-target"' in second and 'id="id_integrations-0-kind"' not in second
    design = attempt.read_design()[0]
    data = post_data("integrations", design)  # page 1's rows, as that page posts them
    bound = builder.BoundStep.of("integrations", design, offset=25)
    data = {"route_offset": "25", "integrations-TOTAL_FORMS": str(len(bound.parts["formset"].forms)),
            "integrations-INITIAL_FORMS": "0", "stay": "1"}
    for i in range(25, 50):
        data[f"integrations-{i}-kind"] = "mock"
    data["integrations-40-kind"] = "lambda_proxy"
    data["integrations-40-target"] = "arn:aws:lambda:us-east-1:123456789012:function:orders"
    response = learner_client.post(reverse("labs:builder", args=[attempt.pk, "integrations"]), data)
    assert response.status_code == 302 and response.url.endswith("?from=25")
    saved = LabAttempt.objects.get(pk=attempt.pk).read_design()[0]
    assert saved.routes[40].integration.kind == "lambda_proxy" and saved.routes[5].integration.kind == "mock"
    assert len(saved.routes) == 60
