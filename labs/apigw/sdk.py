"""Client code for a design, in the spirit of API Gateway's SDK generation.

``generate_client(design, "python" | "javascript")`` returns the source of one module with one class:
the stage URL is a constructor parameter and there is one method per route.  Path parameters are
percent-encoded per segment (``"a/b"`` can't escape its segment; ``"."`` and ``".."`` are refused), and a
greedy ``{proxy+}`` keeps its slashes.  The Python client uses only the standard library (urllib); the
JavaScript client uses ``fetch`` (browsers, Node 18+).

Everything taken from the design (names, paths, route keys) is user input, so it only ever reaches the
generated code as a string literal (``repr`` / JSON) or as a sanitised identifier, never as raw code.

WebSocket designs get a message builder: one method per custom route that sends
``{"<selection field>": "<route key>", ...fields}`` through a ``send`` callable (Python has no
standard-library WebSocket client) or the browser ``WebSocket``.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .model import Design
from .openapi_export import ExportNotSupported
from .resolved import ResolvedApi, resolve

LANGUAGES = ("python", "javascript")
_JS_RESERVED = frozenset(
    "break case catch class const continue debugger default delete do else export extends finally for function "
    "if import in instanceof new return super switch this throw try typeof var void while with yield let static "
    "enum await implements package protected interface private public null true false undefined arguments eval".split()
)
_PY_RESERVED = frozenset(keyword.kwlist) | {"self", "query", "headers", "body", "method", "path"}
_PARAM = re.compile(r"\{([^{}/]+?)(\+?)\}")


@dataclass(frozen=True)
class _Op:
    """One client method: its name, the HTTP method (or None for "caller chooses"), the path pieces."""

    name: str
    method: str | None
    pieces: tuple[tuple[str, str, bool], ...]  # (kind "text"|"param", value or param name, greedy)
    params: tuple[str, ...]
    key: str
    raw_path: bool = False  # $default: the caller passes the whole path


def _words(text: str) -> list[str]:
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    return [w.lower() for w in re.split(r"[^A-Za-z0-9]+", text) if w]


def _identifier(words: list[str], style: str, reserved: frozenset[str]) -> str:
    if not words:
        words = ["call"]
    if style == "snake":
        name = "_".join(words)
    else:
        name = words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])
    if name[0].isdigit():
        name = "op_" + name if style == "snake" else "op" + name
    if name in reserved:
        name += "_"
    return name


def _default_words(method: str, path: str) -> list[str]:
    words = [method.lower()]
    for part in path.split("/")[1:]:
        m = _PARAM.fullmatch(part)
        if m:
            words += ["by", *_words(m.group(1))]
        else:
            words += _words(part)
    return words if len(words) > 1 else [method.lower(), "root"]


def _operations(design: ResolvedApi, style: str, reserved: frozenset[str]) -> list[_Op]:
    ops: list[_Op] = []
    used: set[str] = set()

    def unique(name: str) -> str:
        candidate, n = name, 2
        while candidate in used:
            candidate = f"{name}_{n}" if style == "snake" else f"{name}{n}"
            n += 1
        used.add(candidate)
        return candidate

    for route in design.routes:
        if route.key.strip() == "$default":
            name = unique(_identifier(_words(route.operation_id) or ["call", "default"], style, reserved))
            ops.append(_Op(name, None, (), (), route.key, raw_path=True))
            continue
        method, path = route.method, route.path
        if not path:
            continue
        words = _words(route.operation_id) if route.operation_id else _default_words(method, path)
        name = unique(_identifier(words, style, reserved))
        pieces: list[tuple[str, str, bool]] = []
        params: list[str] = []
        for part in path.split("/")[1:]:
            pieces.append(("text", "/", False))
            m = _PARAM.fullmatch(part)
            if m:
                pname = _identifier(_words(m.group(1)) or ["param"], style, reserved)
                while pname in params:
                    pname += "_"
                params.append(pname)
                pieces.append(("param", pname, bool(m.group(2))))
            else:
                pieces.append(("text", part, False))
        if not pieces:
            pieces.append(("text", "/", False))
        merged: list[tuple[str, str, bool]] = []
        for piece in pieces:  # join adjacent literal text so the generated code stays short
            if merged and piece[0] == "text" and merged[-1][0] == "text":
                merged[-1] = ("text", merged[-1][1] + piece[1], False)
            else:
                merged.append(piece)
        ops.append(_Op(name, None if method == "ANY" else method, tuple(merged), tuple(params), route.key))
    return ops


def _class_name(design: ResolvedApi) -> str:
    words = _words(design.name) or ["api"]
    name = "".join(w[:1].upper() + w[1:] for w in words)
    if name[0].isdigit():
        name = "Api" + name
    return name if name.endswith("Client") else name + "Client"


def _comment(text: str, limit: int = 200) -> str:
    """User text for a ``//`` or ``#`` comment: one line of printable ASCII, no comment terminators."""
    ascii_text = text.encode("ascii", "backslashreplace").decode("ascii")
    one_line = re.sub(r"[\x00-\x1f\x7f]+", " ", ascii_text).replace("*/", "* /")
    return one_line[:limit]


def _selection_field(design: ResolvedApi) -> list[str] | None:
    expr = design.route_selection_expression.strip()
    m = re.fullmatch(r"\$\{?request\.body\.([A-Za-z0-9_.]+)\}?", expr)
    return m.group(1).split(".") if m else None


# ==================================================================================================
# Python
# ==================================================================================================

_PY_RUNTIME = '''
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None


class ApiError(Exception):
    """Raised for HTTP status 400 and above; the response is in ``.response``."""

    def __init__(self, response: ApiResponse) -> None:
        super().__init__(f"HTTP {response.status}")
        self.response = response


def _segment(value: Any, greedy: bool = False) -> str:
    """One path parameter, percent-encoded so it can't change the path (greedy values keep their '/')."""
    text = str(value)
    parts = text.split("/") if greedy else [text]
    if any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"path parameter value {text!r} is empty or a relative path part")
    return "/".join(urllib.parse.quote(p, safe="") for p in parts)


class _BaseClient:
    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        sign: Callable[[str, str, dict[str, str], bytes | None], dict[str, str]] | None = None,
    ) -> None:
        """``base_url`` is the stage URL, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/prod.

        ``sign`` receives (method, url, headers, body) and returns the headers to send; use it for
        Signature Version 4 on routes with IAM authorization (e.g. botocore's SigV4Auth).
        """
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.sign = sign

    def _request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> ApiResponse:
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query, doseq=True)
        sent = {**self.headers, **(headers or {})}
        if self.api_key:
            sent["x-api-key"] = self.api_key
        data = None
        if body is not None:
            if isinstance(body, (bytes, bytearray)):
                data = bytes(body)
            else:
                data = json.dumps(body).encode("utf-8")
                sent.setdefault("Content-Type", "application/json")
        if self.sign is not None:
            sent = self.sign(method, url, sent, data)
        request = urllib.request.Request(url, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return ApiResponse(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            raise ApiError(ApiResponse(error.code, dict(error.headers), error.read())) from None
'''


def _py_path_expr(op: _Op) -> str:
    parts = []
    for kind, value, greedy in op.pieces:
        if kind == "text":
            parts.append(repr(value))
        else:
            parts.append(f"_segment({value}, greedy=True)" if greedy else f"_segment({value})")
    return " + ".join(parts) if parts else "'/'"


def _python_rest(design: ResolvedApi, ops: list[_Op], cls: str) -> list[str]:
    lines = [f"class {cls}(_BaseClient):", f"    {repr('Client for the ' + (design.name or 'API') + ' API.')}", ""]
    for op in ops:
        args = ["self"]
        if op.raw_path:
            args += ["method: str", "path: str"]
        elif op.method is None:
            args.append("method: str")
        args += [f"{p}: str" for p in op.params]
        args += ["*", "query: Mapping[str, Any] | None = None", "body: Any = None", "headers: Mapping[str, str] | None = None"]
        lines.append(f"    def {op.name}({', '.join(args)}) -> ApiResponse:")
        lines.append(f"        {repr(op.key)}")
        if op.raw_path:
            lines.append("        parts = path.strip('/')")
            lines.append("        target = '/' + '/'.join(_segment(p) for p in parts.split('/')) if parts else '/'")
            method_expr, path_expr = "method.upper()", "target"
        else:
            method_expr = "method.upper()" if op.method is None else repr(op.method)
            path_expr = _py_path_expr(op)
        lines.append(f"        return self._request({method_expr}, {path_expr}, query=query, body=body, headers=headers)")
        lines.append("")
    if not ops:
        lines.append("    pass")
    return lines


def _message_routes(design: ResolvedApi, style: str, reserved: frozenset[str], used: set[str]) -> list[tuple[str, str]]:
    """(method name, route key) for each custom WebSocket route a client can send, names unique."""
    if _selection_field(design) is None:
        return []
    out = []
    for route in design.routes:
        if not route.key or route.key.startswith("$"):
            continue
        name = _identifier(_words(route.operation_id or route.key), style, reserved)
        while name in used:
            name += "_"
        used.add(name)
        out.append((name, route.key))
    return out


def _python_websocket(design: ResolvedApi, cls: str) -> list[str]:
    field_path = _selection_field(design)
    lines = [
        f"class {cls}:",
        f"    {repr('Message builder for the ' + (design.name or 'API') + ' WebSocket API.')}",
        "",
        "    def __init__(self, url: str, send: Callable[[str], Any]) -> None:",
        "        '''``url`` is the wss:// stage URL; ``send`` sends one text frame (e.g. a websockets connection's send).'''",
        "        self.url = url",
        "        self.send = send",
        "",
        "    def send_raw(self, message: Mapping[str, Any]) -> str:",
        "        text = json.dumps(dict(message))",
        "        self.send(text)",
        "        return text",
        "",
    ]
    for name, key in _message_routes(design, "snake", _PY_RESERVED, {"send_raw", "send", "url"}):
        lines += [
            f"    def {name}(self, **fields: Any) -> str:",
            f"        {repr('Sends a ' + key + ' message.')}",
            "        message: dict[str, Any] = dict(fields)",
            "        target = message",
        ]
        for part in field_path[:-1]:
            lines.append(f"        target = target.setdefault({part!r}, {{}})")
        lines += [f"        target[{field_path[-1]!r}] = {key!r}", "        return self.send_raw(message)", ""]
    return lines


def _python(design: ResolvedApi) -> str:
    cls = _class_name(design)
    header = [
        repr(f"Client for the {design.name or 'API'} API ({design.api_type}), generated by Gateway Academy."),
        "",
        "from __future__ import annotations",
    ]
    if design.api_type == "websocket":
        body = _python_websocket(design, cls)
    else:
        body = _python_rest(design, _operations(design, "snake", _PY_RESERVED), cls)
    return "\n".join(header) + "\n" + _PY_RUNTIME + "\n\n" + "\n".join(body).rstrip() + "\n"


# ==================================================================================================
# JavaScript
# ==================================================================================================

_JS_RUNTIME = """
export class ApiError extends Error {
  constructor(status, data, headers) {
    super(`HTTP ${status}`);
    this.status = status;
    this.data = data;
    this.headers = headers;
  }
}

export function segment(value, greedy = false) {
  const text = String(value);
  const parts = greedy ? text.split("/") : [text];
  if (parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new Error(`path parameter value ${JSON.stringify(text)} is empty or a relative path part`);
  }
  return parts.map(encodeURIComponent).join("/");
}

class BaseClient {
  /**
   * @param {string} baseUrl the stage URL, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/prod
   * @param {{apiKey?: string, headers?: Record<string, string>, fetch?: typeof fetch}} [options]
   */
  constructor(baseUrl, { apiKey, headers = {}, fetch: fetchImpl } = {}) {
    this.baseUrl = String(baseUrl).replace(/\\/+$/, "");
    this.apiKey = apiKey;
    this.headers = { ...headers };
    this.fetch = fetchImpl ?? globalThis.fetch.bind(globalThis);
  }

  async request(method, path, { query, body, headers } = {}) {
    let url = this.baseUrl + path;
    if (query) {
      const qs = new URLSearchParams(query).toString();
      if (qs) url += "?" + qs;
    }
    const sent = { ...this.headers, ...(headers ?? {}) };
    if (this.apiKey) sent["x-api-key"] = this.apiKey;
    const init = { method, headers: sent };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      if (!("Content-Type" in sent)) sent["Content-Type"] = "application/json";
    }
    const response = await this.fetch(url, init);
    const text = await response.text();
    let data = text;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    if (!response.ok) throw new ApiError(response.status, data, response.headers);
    return { status: response.status, headers: response.headers, data };
  }
}
"""


def _js_path_expr(op: _Op) -> str:
    parts = []
    for kind, value, greedy in op.pieces:
        parts.append(json.dumps(value) if kind == "text" else f"segment({value}{', true' if greedy else ''})")
    return " + ".join(parts) if parts else '"/"'


def _javascript_rest(design: ResolvedApi, cls: str) -> list[str]:
    ops = _operations(design, "camel", _JS_RESERVED | {"request", "constructor"})
    lines = [f"// Client for the {_comment(design.name or 'API')} API.", f"export class {cls} extends BaseClient {{"]
    for op in ops:
        args = []
        if op.raw_path:
            args += ["method", "path"]
        elif op.method is None:
            args.append("method")
        args += list(op.params)
        args.append("options = {}")
        lines.append(f"  // {_comment(op.key)}")
        lines.append(f"  {op.name}({', '.join(args)}) {{")
        if op.raw_path:
            lines.append('    const parts = String(path).split("/").filter(Boolean);')
            lines.append('    const target = "/" + parts.map((p) => segment(p)).join("/");')
            lines.append("    return this.request(String(method).toUpperCase(), target, options);")
        else:
            method_expr = "String(method).toUpperCase()" if op.method is None else json.dumps(op.method)
            lines.append(f"    return this.request({method_expr}, {_js_path_expr(op)}, options);")
        lines.append("  }")
        lines.append("")
    lines.append("}")
    return lines


def _javascript_websocket(design: ResolvedApi, cls: str) -> list[str]:
    field_path = _selection_field(design)
    lines = [
        f"// Message builder for the {_comment(design.name or 'API')} WebSocket API.",
        f"export class {cls} {{",
        "  /** @param {string} url the wss:// stage URL; @param {typeof WebSocket} [WebSocketImpl] */",
        "  constructor(url, WebSocketImpl = globalThis.WebSocket) {",
        "    this.socket = new WebSocketImpl(url);",
        "  }",
        "",
        "  sendRaw(message) {",
        "    const text = JSON.stringify(message);",
        "    this.socket.send(text);",
        "    return text;",
        "  }",
        "",
    ]
    for name, key in _message_routes(design, "camel", _JS_RESERVED, {"sendRaw", "socket", "constructor"}):
        lines += [f"  // {_comment(key)}", f"  {name}(fields = {{}}) {{"]
        lines += ["    const message = { ...fields };", "    let target = message;"]
        for part in field_path[:-1]:
            lines.append(f"    target = target[{json.dumps(part)}] ??= {{}};")
        lines += [f"    target[{json.dumps(field_path[-1])}] = {json.dumps(key)};", "    return this.sendRaw(message);", "  }", ""]
    lines.append("}")
    return lines


def _javascript(design: ResolvedApi) -> str:
    cls = _class_name(design)
    header = f"// Client for the {_comment(design.name or 'API')} API ({design.api_type}), generated by Gateway Academy.\n"
    if design.api_type == "websocket":
        return header + "\n".join(_javascript_websocket(design, cls)) + "\n"
    return header + _JS_RUNTIME + "\n" + "\n".join(_javascript_rest(design, cls)) + "\n"


def generate_client(design: Design | Mapping[str, Any] | ResolvedApi, language: str) -> str:
    """Source code of a client for the design: ``language`` is "python" or "javascript"."""
    design = resolve(design)
    aliases = {"py": "python", "js": "javascript"}
    language = aliases.get(language, language)
    if language == "python":
        return _python(design)
    if language == "javascript":
        return _javascript(design)
    raise ExportNotSupported(f"no client generator for {language!r}; choose one of {', '.join(LANGUAGES)}")


def client_class_name(design: Design | ResolvedApi) -> str:
    return _class_name(resolve(design))


__all__ = ["LANGUAGES", "client_class_name", "generate_client"]
