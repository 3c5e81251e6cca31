"""The functions behind the management command: validate_file and export_file."""

from __future__ import annotations

import json

import pytest
import yaml

from labs.apigw.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, CliError, dump_design, export_file, validate_file
from labs.apigw.openapi import export_openapi, to_json

from .factories import factory


def test_valid_design_file_exits_0(tmp_path):
    path = tmp_path / "design.json"
    path.write_text(dump_design(factory.valid("rest")), encoding="utf-8")
    code, out = validate_file(path)
    assert code == EXIT_OK and "0 error(s), 0 warning(s), 0 tip(s)" in out


def test_errors_exit_1_with_rule_ids_and_locations(tmp_path):
    d = factory.valid("http")
    d.endpoint_types = ["PRIVATE"]
    d.routes[0].integration.timeout_ms = 40_000
    path = tmp_path / "design.yaml"
    path.write_text(dump_design(d, "yaml"), encoding="utf-8")
    code, out = validate_file(path)
    assert code == EXIT_FINDINGS
    assert "endpoint.private-rest-only  endpoint_types[0]" in out
    assert "integration.timeout-range  routes[0].integration.timeout_ms" in out
    assert "lesson: endpoint-types#private" in out


def test_json_output(tmp_path):
    d = factory.valid("rest")
    d.stages[0].throttle_rate = d.stages[0].throttle_burst = None
    path = tmp_path / "d.json"
    path.write_text(dump_design(d), encoding="utf-8")
    code, out = validate_file(path, fmt="json")
    report = json.loads(out)
    assert code == EXIT_OK and report["summary"] == {"error": 0, "warning": 1, "tip": 0}
    assert report["findings"][0]["rule_id"] == "stage.no-throttling"


def test_openapi_file_with_type_override_and_notes(tmp_path):
    doc = export_openapi(factory.valid("rest"))
    doc["x-amazon-apigateway-gateway-responses"] = {}
    path = tmp_path / "api.json"
    path.write_text(to_json(doc), encoding="utf-8")
    code, out = validate_file(path, api_type="http")
    assert code == EXIT_FINDINGS  # a Cognito authorizer on an HTTP API
    assert "auth.type-by-api-type" in out and "import notes (1)" in out and "gateway-responses" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "can't read the file"), ("{not: [valid", "neither valid JSON nor valid YAML"),
     ("AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n", "CloudFormation template"),
     ('{"schema": 1, "api_type": "soap"}', "api_type must be one of")],
)
def test_unreadable_files_exit_2(tmp_path, content, message):
    path = tmp_path / "in.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, out = validate_file(path)
    assert code == EXIT_UNREADABLE and message in out
    code, out = validate_file(path, fmt="json")
    assert code == EXIT_UNREADABLE and message in json.loads(out)["error"]


def test_unknown_format():
    assert validate_file("x", fmt="xml")[0] == EXIT_UNREADABLE


def test_export_file(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(dump_design(factory.valid("http")), encoding="utf-8")
    assert yaml.safe_load(export_file(path, "openapi", "yaml"))["openapi"] == "3.0.1"
    assert json.loads(export_file(path, "openapi", "json"))["info"]["title"] == "notes-api"
    template = yaml.safe_load(export_file(path, "cloudformation", "yaml"))
    assert template["Resources"]["Api"]["Type"] == "AWS::ApiGatewayV2::Api"
    assert json.loads(export_file(path, "cloudformation", "json"))["AWSTemplateFormatVersion"] == "2010-09-09"
    with pytest.raises(CliError, match="unknown export target"):
        export_file(path, "terraform")
    with pytest.raises(CliError, match="unknown format"):
        export_file(path, "openapi", "xml")
