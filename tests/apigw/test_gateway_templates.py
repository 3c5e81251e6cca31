"""Mapping templates: Velocity (airspeed-ext) with $input, $util, $context, $stageVariables — and the
limits a learner's template runs under."""

from __future__ import annotations

import time

import pytest

from labs.apigw.gateway import vtl


def render(text: str, body: str = "", **kw) -> str:
    return vtl.render(text, body=body, **kw).output


def test_input_path_json_params_and_body():
    body = '{"Item": {"id": {"S": "1"}, "name": {"S": "blue"}}, "list": [1, {"a": 2}], "q": "it\'s"}'
    params = {"path": {"id": "42"}, "querystring": {"page": "2"}, "header": {"X-Trace": "t1"}}
    out = render('#set($item = $input.path("$.Item"))$item.name.S|$input.json("$.Item.name")|$input.params("id")|'
                 '$input.params("page")|$input.params("x-trace")|$input.params().path.id|$input.path("$.list[1].a")|'
                 '$input.body.length()', body, params=params)
    assert out == f'blue|{{"S":"blue"}}|42|2|t1|42|2|{len(body)}'


def test_maps_and_lists_print_as_api_gateway_prints_them():
    out = render("$input.path('$.m') $input.path('$.l')", '{"m": {"a": 1, "b": [1, 2]}, "l": [1, "x"]}')
    assert out == '{a=1, b=[1,2]} [1,"x"]'


def test_util_functions():
    out = render("$util.escapeJavaScript($input.path('$.s'))|$util.urlEncode('a b&c')|$util.urlDecode('a+b%26c')|"
                 "$util.base64Encode('hi')|$util.base64Decode('aGk=')|#set($o = $util.parseJson('{\"k\": [5]}'))$o.k[0]",
                 '{"s": "it\'s \\"q\\""}')
    assert out == "it\\'s \\\"q\\\"|a+b%26c|a b&c|aGk=|hi|5"


def test_context_and_stage_variables_and_foreach():
    out = render('$context.requestId $context.identity.sourceIp $stageVariables.alias '
                 '#foreach($x in $input.path("$.xs"))$x#if($foreach.hasNext),#end#end',
                 '{"xs": [1, 2, 3]}', context={"requestId": "r-1", "identity": {"sourceIp": "1.2.3.4"}},
                 stage_variables={"alias": "live"})
    assert out == "r-1 1.2.3.4 live 1,2,3"


def test_response_override_status_and_headers():
    r = vtl.render('#set($context.responseOverride.status = 404)#set($context.responseOverride.header.X-Why = "gone")x')
    assert r.output == "x" and r.response_override == {"status": 404, "header": {"X-Why": "gone"}}


def test_java_string_methods():
    out = render("#set($s = 'Hello World')$s.toUpperCase() $s.replaceAll('o', '0') $s.substring(0, 5) "
                 "$s.indexOf('W') $s.split(' ').size() $s.contains('World') $s.replaceAll('(\\w+) (\\w+)', '$2 $1')")
    assert out == "HELLO WORLD Hell0 W0rld Hello 6 2 true World Hello"


def test_foreach_stops_at_1000_iterations_like_api_gateway():
    r = vtl.render("#set($n = 0)#foreach($i in [1..1500])#set($n = $n + 1)#end$n")
    assert r.output == "1000" and "stopped after 1000" in r.notes[0]


@pytest.mark.parametrize("template", [
    "$util.__class__", "$input.__init__.__globals__", "$input._body", "#evaluate('$util')", "#include('x')",
    "#parse('x')",
])
def test_python_internals_and_dynamic_templates_are_refused(template):
    with pytest.raises(vtl.TemplateFailure) as exc:
        render(template)
    assert exc.value.kind == "refused"


def test_only_documented_names_reach_our_objects():
    assert render("[$input.getClass()][$util.toJson('x')][$input.body.format('x')]") == "[][][]"


@pytest.mark.parametrize("template,kind", [
    ("#foreach($i in [1..999])#foreach($j in [1..999])#set($x = 1)#end#end", "limit"),
    ("#set($s = 'ab')#foreach($i in [1..60])#set($s = \"$s$s\")#end", "limit"),
    ("#set($s = 'ab')#foreach($i in [1..60])#set($s = $s + $s)#end", "limit"),
    ("#foreach($i in [1..100000])x#end", "limit"),
    ("#macro(f $n)#f($n)#end#f(1)", "limit"),
    ("#set($s = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab')$s.matches('(a+)+$')", "refused"),
    ("#set($x = 'a' * 1000000)", "error"),
    ("#foreach($x)#end", "syntax"),
])
def test_runaway_templates_are_stopped_quickly(template, kind):
    started = time.perf_counter()
    with pytest.raises(vtl.TemplateFailure) as exc:
        render(template)
    assert exc.value.kind == kind
    assert time.perf_counter() - started < 3.0


def test_template_over_300_kb_is_refused():
    with pytest.raises(vtl.TemplateFailure) as exc:
        render("x" * (300 * 1024 + 1))
    assert "300 KB" in exc.value.message


def test_input_json_on_a_non_json_body():
    with pytest.raises(vtl.InputJsonError):
        render("$input.json('$')", "not json")


def test_unsupported_jsonpath_is_named():
    with pytest.raises(vtl.TemplateFailure) as exc:
        render("$input.path('$..a')", '{"a": 1}')
    assert "simple JSONPath" in exc.value.message
