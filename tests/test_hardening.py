"""Hostile input, broken databases and abuse (issue 8): each finding as the attacker sent it.

Every test here failed before its fix; the payloads are the ones that took a worker down or gave
a 500. The fuzzing of the same doors is in test_hardening_fuzz.py.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.db.utils import ConnectionHandler
from django.urls import reverse

from courseware import health
from labs.apigw import cli
from labs.models import LabAttempt

from .factories import PASSWORD
from .labs_support import post_data
from .test_labs import builder, start

ROOT = Path(__file__).resolve().parents[1]
OK_PATH = {"get": {"responses": {"200": {"description": "ok"}}}}


def billion_laughs(levels: int, use: str = "x-amazon-apigateway-policy: {Statement: *a%d}") -> str:
    lines = ['openapi: "3.0.1"', "info: {title: lol, version: '1'}", "paths: {}", 'a0: &a0 "lol"']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]")
    lines.append(use % levels)
    return "\n".join(lines) + "\n"


def import_page(client, document: str, **extra):
    return client.post(reverse("labs:import"), {"document": document, **extra})


# --- 1. YAML aliases and deep nesting ---------------------------------------------------------------


@pytest.mark.parametrize("use", ["x-amazon-apigateway-policy: {Statement: *a%d}", "tags: *a%d"])
def test_yaml_alias_expansion_is_refused_at_once(client, db, use):
    document = billion_laughs(9, use)
    assert len(document) < 700
    started = time.perf_counter()
    response = import_page(client, document)
    assert time.perf_counter() - started < 1
    assert response.status_code == 400
    assert "YAML alias" in response.content.decode()
    assert len(response.content) < 100_000


@pytest.mark.parametrize("document", ["[" * 10_000 + "]" * 10_000, '{"a":' * 5000 + "1" + "}" * 5000,
                                      "a: " + "[" * 10_000 + "]" * 10_000])
def test_deep_nesting_is_an_error_message(client, db, document):
    response = import_page(client, document)
    assert response.status_code == 400
    assert "nest" in response.content.decode()


def test_the_cli_applies_the_same_limits(tmp_path):
    path = tmp_path / "lol.yaml"
    path.write_text(billion_laughs(9))
    code, out = cli.validate_file(path)
    assert code == cli.EXIT_UNREADABLE and "YAML alias" in out
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 10_000 + "]" * 10_000)
    code, out = cli.validate_file(deep, fmt="json")
    assert code == cli.EXIT_UNREADABLE and "nested more than" in json.loads(out)["error"]


# --- 2. Lone surrogates -------------------------------------------------------------------------------


SURROGATE_PATH = ('{"openapi":"3.0.1","info":{"title":"ok","version":"1"},'
                  '"paths":{"/a\\udfff":{"get":{"responses":{"200":{"description":"ok"}}}}}}')


def test_a_surrogate_in_an_import_is_refused_and_nothing_is_stored(learner_client, learner):
    response = import_page(learner_client, SURROGATE_PATH, **{"continue": "1"})
    assert response.status_code == 400
    assert "surrogate" in response.content.decode()
    assert not LabAttempt.objects.filter(user=learner).exists()


def test_a_surrogate_title_on_the_anonymous_preview_is_refused(client, db):
    document = json.dumps({"openapi": "3.0.1", "info": {"title": "x", "version": "1"}, "paths": {}})
    response = import_page(client, document.replace('"x"', '"\\ud800"'))
    assert response.status_code == 400 and "surrogate" in response.content.decode()


def test_a_surrogate_typed_in_the_policy_is_a_form_error(learner_client, course):
    attempt = start(learner_client, "private-api")
    data = post_data("security", attempt.read_design()[0])
    data["resource_policy"] = '{"Statement":"\\ud800"}'
    response = learner_client.post(builder(attempt, "security"), data)
    assert response.status_code == 200 and "surrogate" in response.content.decode()
    attempt.refresh_from_db()
    assert "resource_policy" not in attempt.design


def test_a_design_stored_with_a_surrogate_still_opens_and_exports(learner_client, learner, settings):
    if settings.DATABASES["default"]["ENGINE"] != "config.db.sqlite3":
        pytest.skip("PostgreSQL refuses such text in a jsonb column, so no such design can exist there")
    attempt = LabAttempt.objects.create(user=learner, design={
        "schema": 1, "api_type": "rest", "name": "bad\udfff", "routes": [{"key": "GET /a\udfff"}]})
    for step in ("api", "routes", "integrations", "security", "stages", "endpoint"):
        response = learner_client.get(builder(attempt, step))
        assert response.status_code == 200
        assert "could not be saved or exported as UTF-8" in response.content.decode()
    for name in ("openapi.yaml", "cloudformation.yaml", "client.py", "design.json"):
        assert learner_client.get(reverse("labs:download", args=[attempt.pk, name])).status_code == 200


# --- 3. Resource policies --------------------------------------------------------------------------


@pytest.mark.parametrize("policy, message", [
    ("[" * 10_000 + "]" * 10_000, "nested more than"),
    ('{"Statement": NaN}', "NaN is not a number JSON allows"),
    ('{"Statement": ' + "1" * 4301 + "}", "too large"),
    ('{"Statement": 1e999}', "too large"),
    ('{"Statement": "' + "x" * 9000 + '"}', "more than"),
    ('{"Statement": "\\u0000"}', "NUL"),
])
@pytest.mark.parametrize("autosave", [False, True])
def test_a_hostile_policy_is_refused_with_a_message(learner_client, course, policy, message, autosave):
    attempt = start(learner_client, "private-api")
    data = post_data("security", attempt.read_design()[0])
    data["resource_policy"] = policy
    url = reverse("labs:check", args=[attempt.pk, "security"]) if autosave else builder(attempt, "security")
    response = learner_client.post(url, data, **({"HTTP_HX_REQUEST": "true"} if autosave else {}))
    assert response.status_code == 200
    assert message in response.content.decode()
    attempt.refresh_from_db()
    assert "resource_policy" not in attempt.design


def test_a_deep_policy_in_an_import_is_dropped_with_a_note(learner_client, learner):
    policy = {"Statement": json.loads("[" * 900 + "]" * 900)}
    document = {"openapi": "3.0.1", "info": {"title": "deep", "version": "1"}, "paths": {"/a": OK_PATH},
                "x-amazon-apigateway-policy": policy}
    response = import_page(learner_client, json.dumps(document))
    assert response.status_code == 400  # past the document's own nesting limit
    shallow = {**document, "x-amazon-apigateway-policy": {"Statement": json.loads("[" * 40 + "]" * 40)}}
    response = import_page(learner_client, json.dumps(shallow), **{"continue": "1"})
    assert response.status_code == 302
    attempt = LabAttempt.objects.get(user=learner)
    assert "resource_policy" not in attempt.design
    assert learner_client.get(builder(attempt, "security")).status_code == 200


# --- 4. Download names ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["evil\r\nSet-Cookie: a=b", 'x"; filename="other.exe', "naïve API ü"])
def test_download_names_are_built_safely(learner_client, learner, name):
    attempt = LabAttempt.objects.create(user=learner, design={"schema": 1, "api_type": "rest", "name": name})
    response = learner_client.get(reverse("labs:download", args=[attempt.pk, "openapi.yaml"]))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "Set-Cookie" not in response.headers
    assert len(re.findall(r";\s*filename\*?=", disposition)) == 1  # no parameter smuggled in
    assert re.fullmatch(r"""attachment; filename(="[\w.-]+"|\*=utf-8''[\w.%-]+)""", disposition), disposition
    assert disposition.rstrip('"').endswith("-openapi.yaml")


# --- 5. /healthz proves the database is usable ------------------------------------------------------


def _sqlite(name: str, **options):
    handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": name, "OPTIONS": options}})
    return handler["default"]


def _migrated_copy(tmp_path: Path) -> Path:
    path = tmp_path / "site.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE django_migrations (id integer primary key, app text, name text, applied text)")
        db.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('courseware', '0001', '')")
    return path


def test_healthz_probe_accepts_a_working_database(db, tmp_path):
    connection = _sqlite(str(_migrated_copy(tmp_path)))
    assert health.database_problem(connection) == ""
    connection.close()


def test_healthz_probe_refuses_an_empty_file_sqlite_created(db, tmp_path):
    connection = _sqlite(str(tmp_path / "moved-away.sqlite3"))  # SQLite creates it, empty
    assert "no schema" in health.database_problem(connection)
    connection.close()


def test_healthz_probe_refuses_a_read_only_database(db, tmp_path):
    path = _migrated_copy(tmp_path)
    connection = _sqlite(f"file:{path}?mode=ro", uri=True)
    assert "does not take writes" in health.database_problem(connection)
    connection.close()


def test_healthz_answers_503_for_an_unusable_database(client, db, monkeypatch, tmp_path):
    monkeypatch.setattr("courseware.views.pages.connection", _sqlite(str(tmp_path / "empty.sqlite3")))
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == "down"


# --- 6. SQLite chosen by DATABASE_URL keeps its settings -------------------------------------------


def test_database_url_sqlite_gets_the_same_sqlite_settings(tmp_path):
    from .test_foundation import _env

    code = "import config.settings as s, json; print(json.dumps(s.DATABASES['default']['OPTIONS']))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            env=_env(DJANGO_DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3"))
    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout)
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"] and "busy_timeout" in options["init_command"]


# --- 7. Password reset and change are throttled -------------------------------------------------------


@pytest.fixture
def fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_password_reset_mails_are_limited_per_address(client, learner, fresh_cache):
    learner.email = "ada@example.com"
    learner.save()
    statuses = [client.post(reverse("password_reset"), {"email": "ada@example.com"}).status_code for _ in range(20)]
    assert statuses[:3] == [302, 302, 302] and set(statuses[3:]) == {429}
    assert len(mail.outbox) == 3
    page = client.post(reverse("password_reset"), {"email": "ADA@example.com"}).content.decode()
    assert "try again in 1 hour" in page


def test_password_reset_for_an_unknown_address_is_limited_the_same_way(client, db, fresh_cache):
    statuses = [client.post(reverse("password_reset"), {"email": "nobody@example.com"}).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429] and len(mail.outbox) == 0


def test_wrong_old_passwords_lock_the_change_form_for_a_while(learner_client, learner, fresh_cache):
    wrong = {"old_password": "not-it", "new_password1": "a-Fresh-pass-42", "new_password2": "a-Fresh-pass-42"}
    statuses = [learner_client.post(reverse("password_change"), wrong).status_code for _ in range(8)]
    assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {429}
    right = {**wrong, "old_password": PASSWORD}
    response = learner_client.post(reverse("password_change"), right)
    assert response.status_code == 429 and "Too many wrong current passwords" in response.content.decode()
    learner.refresh_from_db()
    assert not learner.check_password("a-Fresh-pass-42")


def test_a_right_old_password_resets_the_count(learner_client, learner, fresh_cache):
    wrong = {"old_password": "not-it", "new_password1": "a-Fresh-pass-42", "new_password2": "a-Fresh-pass-42"}
    for _ in range(4):
        learner_client.post(reverse("password_change"), wrong)
    right = {**wrong, "old_password": PASSWORD}
    assert learner_client.post(reverse("password_change"), right).status_code == 302


# --- 8. Sizes match AWS and the forms -----------------------------------------------------------------


def test_an_import_past_the_builders_route_limit_names_the_limit(client, db):
    document = {"openapi": "3.0.1", "info": {"title": "big", "version": "1"},
                "paths": {f"/r{i}": OK_PATH for i in range(2000)}}
    started = time.perf_counter()
    response = import_page(client, json.dumps(document))
    assert time.perf_counter() - started < 2
    assert response.status_code == 400
    assert "at most 400 routes" in response.content.decode()


def test_a_large_yaml_import_is_bounded(client, db):
    schemas = {f"S{i}": {"type": "object", "properties": {f"p{j}": {"type": "string"} for j in range(40)}}
               for i in range(3000)}
    from labs.apigw.documents import dump_yaml

    document = dump_yaml({"openapi": "3.0.1", "info": {"title": "big", "version": "1"}, "paths": {"/a": OK_PATH},
                          "components": {"schemas": schemas}})
    assert len(document) > 4_000_000
    started = time.perf_counter()
    response = import_page(client, document)
    assert time.perf_counter() - started < 2
    assert response.status_code == 400 and "more than 100,000 values" in response.content.decode()


# --- Also: pages for a signed-in learner are private -----------------------------------------------


def test_signed_in_pages_are_not_kept_by_shared_caches(learner_client, client, course):
    assert "private" in learner_client.get("/course/").headers.get("Cache-Control", "")
    assert "private" not in client.get("/course/").headers.get("Cache-Control", "")


def test_a_parameter_that_is_not_an_object_is_dropped_with_a_note(client, db):
    """Found by the fuzz test: `"parameters": [null]` on an operation gave a 500."""
    document = {"openapi": "3.0.1", "info": {"title": "", "version": ""},
                "paths": {"/": {"get": {"responses": {"200": {"description": "ok"}}, "parameters": [None]}}}}
    response = import_page(client, json.dumps(document))
    assert response.status_code == 200 and "(not an object)" in response.content.decode()
