"""CloudFormation export: the resources each API type needs, and cfn-lint finds no error (nor warning)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


from labs.apigw.cloudformation import export_cloudformation, sub_literal, to_yaml
from labs.apigw.model import API_TYPES, Canary, Design
from labs.apigw.scenarios import SCENARIO_DIR, load_all

from .factories import factory

CFN_LINT = Path(sys.executable).with_name("cfn-lint")


def types(template: dict) -> dict[str, int]:
    counts: dict[str, int] = {}
    for resource in template["Resources"].values():
        counts[resource["Type"]] = counts.get(resource["Type"], 0) + 1
    return counts


def lint_designs(designs: dict[str, Design], tmp_path: Path) -> dict[str, list[dict]]:
    """Run cfn-lint once over the exports of all designs; returns findings per name."""
    paths = {}
    for name, design in designs.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(to_yaml(export_cloudformation(design)), encoding="utf-8")
        paths[str(path)] = name
    proc = subprocess.run([str(CFN_LINT), "--format", "json", *paths], capture_output=True, text=True, timeout=300)
    assert proc.stdout.strip(), proc.stderr
    results: dict[str, list[dict]] = {name: [] for name in designs}
    for match in json.loads(proc.stdout):
        results[paths[match["Filename"]]].append(match)
    return results


def _lint_corpus_of_designs() -> dict[str, Design]:
    designs = {f"scenario-{s.slug}": s.reference_solution for s in load_all(SCENARIO_DIR)}
    designs |= {f"valid-{t}": factory.valid(t) for t in API_TYPES}
    designs |= {"sink-rest": factory.kitchen_sink_rest(), "sink-http": factory.kitchen_sink_http()}
    waf = factory.valid("rest")
    waf.stages[0].waf_web_acl_arn = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shop/abc"
    waf.stages[0].cache_enabled = True
    waf.stages[0].cache_size = "1.6"
    waf.stages[0].cache_ttl = 60
    waf.stages[0].logging_level = "ERROR"
    waf.stages[0].canary = Canary(percent_traffic=5, stage_variable_overrides={"v": "2"}, use_stage_cache=True)
    designs["rest-features"] = waf
    ws = factory.valid("websocket")
    ws.routes[0].api_key_required = True
    ws.api_key_source = "AUTHORIZER"
    ws.stages[0].auto_deploy = True
    designs["ws-keys"] = Design.from_dict(ws.to_dict() | {
        "api_keys": [{"name": "partner"}],
        "usage_plans": [{"name": "p", "stages": ["production"], "api_keys": ["partner"], "throttle_rate": 5, "throttle_burst": 10,
                         "quota_limit": 1000, "quota_period": "MONTH"}],
    })
    return designs


def test_exports_pass_cfn_lint(tmp_path):
    results = lint_designs(_lint_corpus_of_designs(), tmp_path)
    problems = {name: [f"{m['Rule']['Id']}: {m['Message']}" for m in matches] for name, matches in results.items() if matches}
    assert problems == {}


def test_rest_template_resources():
    t = export_cloudformation(factory.kitchen_sink_rest())
    counts = types(t)
    for kind in ("AWS::ApiGateway::RestApi", "AWS::ApiGateway::Resource", "AWS::ApiGateway::Method", "AWS::ApiGateway::Deployment",
                 "AWS::ApiGateway::Stage", "AWS::ApiGateway::Authorizer", "AWS::ApiGateway::RequestValidator", "AWS::Lambda::Permission"):
        assert counts.get(kind), kind
    api = t["Resources"]["Api"]["Properties"]
    assert api["EndpointConfiguration"] == {"Types": ["REGIONAL"]} and api["ApiKeySourceType"] == "HEADER"
    assert "Policy" in api
    assert all(p["Type"] == "String" for p in t["Parameters"].values())
    assert t["Parameters"]["ItemsFunctionArn"]["Default"] == "arn:aws:lambda:us-east-1:123456789012:function:items"
    permissions = [r["Properties"] for r in t["Resources"].values() if r["Type"] == "AWS::Lambda::Permission"]
    sources = [p["SourceArn"]["Fn::Sub"] for p in permissions]
    assert "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*/GET/items" in sources
    assert any(s.endswith("/*/GET/items/*") for s in sources)  # path parameters become *
    assert any("/authorizers/${" in s for s in sources)
    assert all(p["Principal"] == "apigateway.amazonaws.com" for p in permissions)
    methods = [r["Properties"] for r in t["Resources"].values() if r["Type"] == "AWS::ApiGateway::Method"]
    options = [m for m in methods if m["HttpMethod"] == "OPTIONS"]
    assert options and all(m["Integration"]["Type"] == "MOCK" for m in options)
    lambda_proxy = next(m for m in methods if m["HttpMethod"] == "GET" and m["Integration"]["Type"] == "AWS_PROXY")
    assert lambda_proxy["Integration"]["IntegrationHttpMethod"] == "POST"
    assert "${ItemsFunctionArn}" in lambda_proxy["Integration"]["Uri"]["Fn::Sub"]


def test_canary_uses_stage_setting_and_deployment_settings():
    [scenario] = [s for s in load_all(SCENARIO_DIR) if s.slug == "canary-release"]
    t = export_cloudformation(scenario.reference_solution)
    stage = next(r for r in t["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage")["Properties"]
    assert stage["CanarySetting"]["PercentTraffic"] == 10 and stage["CanarySetting"]["StageVariableOverrides"] == {"lambdaAlias": "next"}
    assert stage["Variables"] == {"lambdaAlias": "live"}
    canary = [r for r in t["Resources"].values() if r["Type"] == "AWS::ApiGateway::Deployment" and "DeploymentCanarySettings" in r["Properties"]]
    assert len(canary) == 1 and canary[0]["Properties"]["StageName"] == "prod"
    # a stage-variable function ARN stays literal in the URI and gets a permission per alias value
    functions = sorted({r["Properties"]["FunctionName"] for r in t["Resources"].values() if r["Type"] == "AWS::Lambda::Permission"})
    assert functions == ["arn:aws:lambda:us-east-1:123456789012:function:pricing:live", "arn:aws:lambda:us-east-1:123456789012:function:pricing:next"]
    uri = next(r for r in t["Resources"].values() if r["Type"] == "AWS::ApiGateway::Method")["Properties"]["Integration"]["Uri"]["Fn::Sub"]
    assert "${!stageVariables.lambdaAlias}" in uri


def test_http_template_resources():
    t = export_cloudformation(factory.kitchen_sink_http())
    counts = types(t)
    for kind in ("AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration",
                 "AWS::ApiGatewayV2::Stage", "AWS::ApiGatewayV2::Authorizer", "AWS::Lambda::Permission"):
        assert counts.get(kind), kind
    api = t["Resources"]["Api"]["Properties"]
    assert api["ProtocolType"] == "HTTP" and api["CorsConfiguration"]["MaxAge"] == -1
    stage = next(r for r in t["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Stage")["Properties"]
    assert stage["StageName"] == "$default" and stage["AutoDeploy"] is True and "DeploymentId" not in stage
    integrations = [r["Properties"] for r in t["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Integration"]
    assert {i["PayloadFormatVersion"] for i in integrations} <= {"1.0", "2.0"}
    jwt = next(r for r in t["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Authorizer" and r["Properties"]["AuthorizerType"] == "JWT")
    assert jwt["Properties"]["IdentitySource"] == ["$request.header.Authorization"]
    sources = [r["Properties"]["SourceArn"]["Fn::Sub"] for r in t["Resources"].values() if r["Type"] == "AWS::Lambda::Permission"]
    assert any(s.endswith("${Api}/*/GET/notes") for s in sources)


def test_websocket_template_resources():
    t = export_cloudformation(factory.valid("websocket"))
    api = t["Resources"]["Api"]["Properties"]
    assert api["ProtocolType"] == "WEBSOCKET" and api["RouteSelectionExpression"] == "$request.body.action"
    assert types(t)["AWS::ApiGatewayV2::Deployment"] == 1  # no auto-deploy: an explicit deployment
    routes = {r["Properties"]["RouteKey"]: r["Properties"] for r in t["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Route"}
    assert routes["$connect"]["AuthorizationType"] == "CUSTOM" and "AuthorizerId" in routes["$connect"]
    sources = [r["Properties"]["SourceArn"]["Fn::Sub"] for r in t["Resources"].values() if r["Type"] == "AWS::Lambda::Permission"]
    assert any(s.endswith("${Api}/*/$connect") for s in sources)
    mock = next(r["Properties"] for r in t["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Integration" and r["Properties"]["IntegrationType"] == "MOCK")
    assert mock["TemplateSelectionExpression"] == "\\$default"


def test_user_text_in_sub_strings_is_escaped():
    d = factory.valid("websocket")
    d.routes[2].key = "say${AWS::AccountId}"
    t = export_cloudformation(d)
    sources = [r["Properties"]["SourceArn"]["Fn::Sub"] for r in t["Resources"].values() if r["Type"] == "AWS::Lambda::Permission"]
    assert any("say${!AWS::AccountId}" in s for s in sources)
    assert sub_literal("a${b}") == "a${!b}"


def test_export_accepts_dicts_and_drafts():
    assert export_cloudformation(factory.valid_dict("rest"))["Resources"]["Api"]["Type"] == "AWS::ApiGateway::RestApi"
    draft = export_cloudformation({"api_type": "http", "routes": [{"key": "GET /x"}]})
    assert draft["Resources"]["Api"]["Properties"]["Name"] == "Untitled"
