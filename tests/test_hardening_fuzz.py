"""Fuzzing the doors untrusted input comes through (issue 8): the import page, the CLI and every
builder step, fed random and adversarial documents and values.

Each request must answer (never a 500), within 2 s and 200 MB (measured per request with
tracemalloc, which also slows it: the real figures are lower), and whatever it stored must open on
every builder step and export again. APIGW_HYPOTHESIS_EXAMPLES raises the number of examples.
"""

from __future__ import annotations

import functools
import json
import os
import time
import tracemalloc

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings, strategies as st

from labs.apigw import cli
from labs.builder import STEP_IDS
from labs.models import LabAttempt

from .labs_support import post_data
from .test_labs import builder

EXAMPLES = int(os.environ.get("APIGW_HYPOTHESIS_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
MAX_SECONDS, MAX_BYTES = 2.0, 200 * 1024 * 1024
DOWNLOADS = ("openapi.yaml", "openapi.json", "cloudformation.yaml", "client.js", "client.py", "design.json")

# --- What an attacker sends ---------------------------------------------------------------------------

nasty_text = st.one_of(
    st.text(max_size=30),
    st.text(st.characters(codec=None, categories=None), max_size=10),  # surrogates and controls included
    st.sampled_from(["\ud800", "a\udfffb", "\x00", "\x1b[31m", "\r\nSet-Cookie: a=b", '"; filename="x.exe',
                     "\u202e", "${stageVariables.x}", "<script>alert(1)</script>", "{proxy+}", "*/", "\ufeff"]),
    st.integers(min_value=1, max_value=6).map(lambda n: "x" * 10**n),
)
nasty_numbers = st.one_of(st.integers(), st.floats(), st.sampled_from([10**30, -(10**40), 1e308]))
scalars = st.one_of(st.none(), st.booleans(), nasty_numbers, nasty_text)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty_text, inner, max_size=4),
                      max_leaves=25)
deep = st.integers(min_value=50, max_value=20_000).map(lambda n: "[" * n + "]" * n)
operation = st.fixed_dictionaries({"responses": st.just({"200": {"description": "ok"}})},
                                  optional={"x-amazon-apigateway-integration": values, "security": values,
                                            "parameters": values, "summary": nasty_text})
openapi_docs = st.fixed_dictionaries(
    {"openapi": st.sampled_from(["3.0.1", "3.0.0"]),
     "info": st.fixed_dictionaries({"title": nasty_text, "version": nasty_text}),
     "paths": st.dictionaries(st.text(max_size=12).map(lambda p: "/" + p), st.dictionaries(
         st.sampled_from(["get", "post", "x-amazon-apigateway-any-method", "parameters"]), operation, max_size=2),
         max_size=6)},
    optional={"x-amazon-apigateway-policy": values, "tags": values, "components": values,
              "x-amazon-apigateway-cors": values, "x-amazon-apigateway-endpoint-configuration": values,
              "servers": values},
)


def _as_json(doc) -> str:
    return json.dumps(doc, allow_nan=True)  # NaN and Infinity written as such: the parser must refuse them


def _aliases(levels: int, where: str) -> str:
    lines = ['openapi: "3.0.1"', "info: {title: t, version: '1'}", "paths: {}", 'a0: &a0 "lol"']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels + 1)]
    return "\n".join([*lines, f"{where}: *a{levels}"]) + "\n"


documents = st.one_of(
    openapi_docs.map(_as_json),
    openapi_docs.map(lambda d: _as_json(d).replace('"x', '"\\ud83d\\ude00x').replace('"/', '"/\\udfff')),
    st.builds(_aliases, st.integers(1, 9), st.sampled_from(["tags", "x-amazon-apigateway-policy", "info"])),
    deep, deep.map(lambda d: "a: " + d), values.map(_as_json), st.text(max_size=200),
    st.sampled_from(["{", "- [", "a: !Ref", "!!python/object:os.system [ls]", "a: &x 1\nb: *x\n",
                     '{"openapi": "3.0.1", "paths": {"/a": ' * 30]),
)


# --- Measuring one request ---------------------------------------------------------------------------


def bounded(call):
    """Run one request; fail if it took more than its share of time or memory."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        response = call()
    finally:
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert elapsed < MAX_SECONDS, f"request took {elapsed:.2f} s"
    assert peak < MAX_BYTES, f"request peaked at {peak / 1e6:.0f} MB"
    return response


def assert_opens_and_exports(client, attempt: LabAttempt) -> None:
    """Whatever was stored can be shown on every step and exported again."""
    for step in STEP_IDS:
        response = client.get(builder(attempt, step))
        assert response.status_code == 200, (step, response.status_code)
    for name in DOWNLOADS:
        response = client.get(reverse("labs:download", args=[attempt.pk, name]))
        assert response.status_code in (200, 302), (name, response.status_code)  # 302: "not available" message
        if response.status_code == 200:
            response.content.decode("utf-8")  # a body that is real UTF-8 text


@functools.cache
def _solution():
    from django.conf import settings as django_settings

    from labs.apigw.scenarios import load_all

    return next(s for s in load_all(django_settings.LAB_SCENARIOS_DIR) if s.slug == "private-api").reference_solution


# --- The doors ----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@FUZZ
@given(document=documents, keep=st.booleans(), api_type=st.sampled_from(["", "rest", "http", "websocket", "\x00"]))
def test_the_import_page_answers_any_document(client, learner_client, learner, course, document, keep, api_type):
    who = learner_client if keep else client
    data = {"document": document, "api_type": api_type, **({"continue": "1"} if keep else {})}
    response = bounded(lambda: who.post(reverse("labs:import"), data))
    assert response.status_code in (200, 302, 400)
    assert len(response.content) < 4 * len(document.encode("utf-8", "surrogatepass")) + 500_000  # no amplification
    if response.status_code == 302:
        assert_opens_and_exports(learner_client, LabAttempt.objects.filter(user=learner).latest("pk"))
        LabAttempt.objects.filter(user=learner).delete()


@FUZZ
@given(document=documents)
def test_the_cli_answers_any_file(tmp_path_factory, document):
    path = tmp_path_factory.mktemp("fuzz") / "api.txt"
    path.write_bytes(document.encode("utf-8", "surrogatepass"))
    for fmt in ("text", "json"):
        code, out = bounded(lambda: cli.validate_file(path, fmt=fmt))
        assert code in (cli.EXIT_OK, cli.EXIT_FINDINGS, cli.EXIT_UNREADABLE)
        out.encode("utf-8")  # printable on any terminal that takes UTF-8


form_values = st.one_of(nasty_text.map(lambda t: t if isinstance(t, str) else str(t)),
                        deep, st.sampled_from(["1e309", "nan", "-0", "9" * 4301, "١٢", '{"Statement": NaN}', "400",
                                               "100000", "-1", "PRIVATE", "websocket"]))


@pytest.mark.django_db(transaction=True)
@FUZZ
@given(step=st.sampled_from(STEP_IDS), data=st.data(), autosave=st.booleans())
def test_every_builder_step_answers_any_values_and_stays_exportable(learner_client, learner, course, step, data,
                                                                      autosave):
    attempt, _ = LabAttempt.objects.get_or_create(user=learner, scenario="private-api",
                                                  defaults={"design": {"schema": 1, "api_type": "rest"}})
    post = post_data(step, _solution())
    fields = sorted(k for k in post if not k.endswith(("TOTAL_FORMS", "INITIAL_FORMS")))
    for name in data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=4, unique=True)) if fields else []:
        # A browser cannot send a lone surrogate (it is not UTF-8); Django's decoding would make it U+FFFD.
        post[name] = data.draw(form_values).encode("utf-8", "replace").decode("utf-8")
    url = reverse("labs:check", args=[attempt.pk, step]) if autosave else builder(attempt, step)
    response = bounded(lambda: learner_client.post(url, post, **({"HTTP_HX_REQUEST": "true"} if autosave else {})))
    assert response.status_code in (200, 302)
    assert_opens_and_exports(learner_client, attempt)
