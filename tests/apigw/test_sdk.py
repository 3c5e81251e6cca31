"""Generated clients: the Python one really calls a local HTTP server; the JavaScript one too (Node)."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import threading
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from labs.apigw.model import Design, DesignError
from labs.apigw.sdk import client_class_name, generate_client

from .factories import factory

NODE = shutil.which("node")


class _Recorder(BaseHTTPRequestHandler):
    """Answers every request with JSON describing what it received (status 404 for /missing)."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        payload = json.dumps({
            "method": self.command,
            "path": self.path,
            "body": body,
            "api_key": self.headers.get("x-api-key"),
            "auth": self.headers.get("Authorization"),
            "content_type": self.headers.get("Content-Type"),
        }).encode()
        self.send_response(404 if "/missing" in self.path else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/prod"
    httpd.shutdown()
    httpd.server_close()


def sdk_design() -> Design:
    d = factory.valid("rest")
    d.name = "Shop \"orders\" API\n'''*/"
    d.routes[1].operation_id = "createItem"
    extra = Design.from_dict({"api_type": "rest", "routes": [
        {"key": "ANY /files/{proxy+}", "integration": {"kind": "mock"}},
        {"key": "DELETE /class/{class}", "integration": {"kind": "mock"}},
        {"key": "GET /missing", "integration": {"kind": "mock"}},
        {"key": "GET /", "integration": {"kind": "mock"}},
    ]})
    d.routes += extra.routes
    return d


def load_python_client(design: Design) -> types.ModuleType:
    """Import the generated source as a module (registered, as dataclasses need, then removed)."""
    source = generate_client(design, "python")
    module = types.ModuleType("generated_client")
    sys.modules[module.__name__] = module
    try:
        exec(compile(source, "generated_client.py", "exec"), module.__dict__)  # noqa: S102 - our own generated code
    finally:
        del sys.modules[module.__name__]
    return module


def test_python_client_calls_the_api(server):
    d = sdk_design()
    module = load_python_client(d)
    client = getattr(module, client_class_name(d))(server + "/", api_key="k-123", headers={"Authorization": "Bearer t"})

    seen = client.get_items_by_id(id="a/b c?").json()
    assert seen["method"] == "GET" and seen["path"] == "/prod/items/a%2Fb%20c%3F"
    assert seen["api_key"] == "k-123" and seen["auth"] == "Bearer t"

    seen = client.create_item(body={"name": "widget"}, query={"dry": "1"}).json()
    assert seen["method"] == "POST" and seen["path"] == "/prod/items?dry=1"
    assert json.loads(seen["body"]) == {"name": "widget"} and seen["content_type"] == "application/json"

    seen = client.any_files_by_proxy("put", proxy="docs/a b.txt").json()
    assert seen["method"] == "PUT" and seen["path"] == "/prod/files/docs/a%20b.txt"

    assert client.delete_class_by_class(class_="x").json()["path"] == "/prod/class/x"
    assert client.get_root().json()["path"] == "/prod/"

    with pytest.raises(module.ApiError) as exc:
        client.get_missing()
    assert exc.value.response.status == 404

    for bad in ("", ".", ".."):
        with pytest.raises(ValueError):
            client.get_items_by_id(id=bad)
    with pytest.raises(ValueError):
        client.any_files_by_proxy("GET", proxy="a/../b")


def test_python_client_sign_hook_and_default_route(server):
    d = factory.valid("http")
    d.routes.append(Design.from_dict({"api_type": "http", "routes": [{"key": "$default", "integration": {"kind": "http_proxy"}}]}).routes[0])
    module = load_python_client(d)

    def sign(method, url, headers, body):
        return {**headers, "Authorization": f"signed {method} {url.rsplit('/', 1)[-1]}"}

    client = getattr(module, client_class_name(d))(server, sign=sign)
    seen = client.call_default("patch", "/some/deep path").json()
    assert seen["method"] == "PATCH" and seen["path"] == "/prod/some/deep%20path"
    assert seen["auth"] == "signed PATCH deep%20path"


def test_websocket_python_client_builds_messages():
    d = factory.valid("websocket")
    d.route_selection_expression = "$request.body.meta.action"
    module = load_python_client(d)
    sent: list[str] = []
    client = getattr(module, client_class_name(d))("wss://example", sent.append)
    text = client.send_message(room="general", text="hi")
    assert json.loads(text) == {"room": "general", "text": "hi", "meta": {"action": "sendMessage"}}
    assert sent == [text]
    assert not hasattr(client, "connect")  # predefined routes are connection events, not methods


def test_generated_code_is_safe_for_hostile_names(tmp_path):
    d = Design.from_dict({"name": 'x"""; import os; os.system("boom") #', "api_type": "rest", "routes": [
        {"key": "GET /a/{id}\"; import os", "operation_id": "class", "integration": {"kind": "mock"}},
        {"key": "GET /*/b", "operation_id": "'); alert(1); //", "integration": {"kind": "mock"}},
        {"key": "GET /\u2028x\n*/ alert(2)", "integration": {"kind": "mock"}},
    ]})
    tree = ast.parse(generate_client(d, "python"))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    imported = {a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    assert "os" not in names and "os" not in imported  # user text only ever appears inside string constants
    module = load_python_client(d)
    assert callable(getattr(module, client_class_name(d)).class_)
    if NODE:
        (tmp_path / "client.mjs").write_text(generate_client(d, "javascript"), encoding="utf-8")
        script = 'globalThis.alert = () => { throw new Error("injected"); };\nconst m = await import("./client.mjs");\n' \
                 f'console.log(Object.getOwnPropertyNames(m.{client_class_name(d)}.prototype).join(","));'
        (tmp_path / "run.mjs").write_text(script, encoding="utf-8")
        proc = subprocess.run([NODE, "run.mjs"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == ["constructor,class_,alert1,getXAlert2"]  # sanitised names; alert() never ran


def test_unknown_language():
    with pytest.raises(DesignError, match="no client generator"):
        generate_client(factory.valid("rest"), "cobol")


def _node_check(source: str, tmp: Path) -> None:
    proc = subprocess.run([NODE, "--input-type=module", "--check"], input=source, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_javascript_client_calls_the_api(server, tmp_path):
    d = sdk_design()
    (tmp_path / "client.mjs").write_text(generate_client(d, "javascript"), encoding="utf-8")
    script = f"""
import {{ {client_class_name(d)} as Client, ApiError }} from "./client.mjs";
const client = new Client({json.dumps(server)}, {{ apiKey: "k-1" }});
const out = [];
out.push((await client.getItemsById("a/b c")).data);
out.push((await client.createItem({{ body: {{ n: 1 }}, query: {{ dry: "1" }} }})).data);
out.push((await client.anyFilesByProxy("put", "docs/x y")).data);
try {{ await client.getMissing(); out.push("no error"); }} catch (e) {{ out.push(e instanceof ApiError ? e.status : String(e)); }}
try {{ await client.getItemsById(".."); out.push("no error"); }} catch (e) {{ out.push("refused"); }}
console.log(JSON.stringify(out));
"""
    (tmp_path / "run.mjs").write_text(script, encoding="utf-8")
    proc = subprocess.run([NODE, "run.mjs"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    got, posted, put, missing, refused = json.loads(proc.stdout)
    assert got["path"] == "/prod/items/a%2Fb%20c" and got["api_key"] == "k-1"
    assert posted["method"] == "POST" and posted["path"] == "/prod/items?dry=1" and json.loads(posted["body"]) == {"n": 1}
    assert put["method"] == "PUT" and put["path"] == "/prod/files/docs/x%20y"
    assert missing == 404 and refused == "refused"


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize("api_type", ["rest", "http", "websocket"])
def test_javascript_clients_parse(api_type, tmp_path):
    _node_check(generate_client(factory.kitchen_sink_rest() if api_type == "rest" else factory.valid(api_type), "javascript"), tmp_path)
