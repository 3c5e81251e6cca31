"""``apigw invoke``: deploy a design file to a throw-away sandbox and send it requests.

``invoke(design, ...)`` returns (exit code, text): 0 when every response is below 400, 1 when one is
not, 2 when the request can't be made (the text says why). ``--repeat N --rate R`` sends N requests R
per second of virtual time (default: all at one instant). JSON output: one object per request
(``status``, ``headers``, ``body``, ``arm``, ``trace``...), a list when N > 1.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..model import Design
from .core import Request, Response
from .sandbox import Sandbox, SandboxError, default_stage_name
from .websocket import Conversation, WsResult

EXIT_OK, EXIT_HTTP_ERROR, EXIT_UNUSABLE = 0, 1, 2


def parse_headers(values: Sequence[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition(":")
        if not sep or not name.strip():
            raise SandboxError(f"--header {value!r}: write it as 'Name: value'")
        headers[name.strip()] = text.strip()
    return headers


def _response_json(r: Response) -> dict[str, Any]:
    data = r.to_dict()
    return {k: data[k] for k in ("status", "headers", "body", "arm", "trace", "request_id", "seed", "latency_ms",
                                 "error_type", "at_ms")}


def _response_text(r: Response, index: int | None = None, *, trace: bool = True) -> list[str]:
    where = f"#{index + 1} " if index is not None else ""
    lines = [f"{where}t={r.at_ms:g} ms  {r.status}  ({r.arm}, {r.latency_ms:g} ms, seed {r.seed})"
             + (f"  {r.error_type}" if r.error_type else "")]
    if trace:
        for s in r.trace:
            lines.append(f"  [{s.step}] {s.decision} — {s.detail}" + (f" ({s.ms:g} ms)" if s.ms else ""))
        lines += [f"  < {k}: {v}" for k, v in r.headers.items()]
        if r.body:
            lines.append("  " + r.body.replace("\n", "\n  "))
    return lines


def invoke(design: Design, *, stage: str | None = None, method: str = "GET", path: str = "/",
           headers: Sequence[str] = (), query: str = "", body: str = "", source_vpce: str = "", identity: str = "",
           repeat: int = 1, rate: float | None = None, seed: int = 0, fmt: str = "text",
           sample_token: bool = False) -> tuple[int, str]:
    """``sample_token``: add ``Authorization: <a JWT the API's Cognito/JWT authorizer accepts>``."""
    try:
        sandbox = Sandbox(seed)
        sandbox.deploy(design, stage=stage)
        stage_name = stage or next(iter(sandbox.stages), default_stage_name(design.api_type))
        parsed = parse_headers(headers)
        if sample_token:
            scopes = sorted({s for r in design.routes for s in r.scopes})
            parsed["Authorization"] = sandbox.sample_token(scopes=scopes, stage=stage_name)
        if design.api_type == "websocket":
            return _conversation(sandbox, stage_name, parsed, query, body, repeat, fmt)
        request = Request(method=method, path=path, stage=stage_name, headers=parsed, query=query, body=body,
                          source_vpce=source_vpce, identity=identity)
        responses = list(sandbox.load_test(request, repeat, rate).responses)
    except SandboxError as exc:
        return EXIT_UNUSABLE, f"{exc}\n"
    code = EXIT_OK if all(r.status < 400 for r in responses) else EXIT_HTTP_ERROR
    if fmt == "json":
        data: Any = [_response_json(r) for r in responses] if len(responses) > 1 else _response_json(responses[0])
        return code, json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    head = [f"{design.api_type.upper()} API {design.name or '(unnamed)'!r} deployed to a sandbox: stage {stage_name}, "
            f"{sandbox.invoke_url(stage_name)}"]
    keys = sandbox.api_keys()
    if keys:
        head.append("API keys: " + ", ".join(f"{k} = {v}" for k, v in keys.items()))
    lines = head + [f"{method.upper()} {path}" + (f"?{query}" if query else "")]
    if len(responses) == 1:
        lines += _response_text(responses[0])
    else:
        for i, r in enumerate(responses):
            lines += _response_text(r, i, trace=False)
        counts: dict[int, int] = {}
        for r in responses:
            counts[r.status] = counts.get(r.status, 0) + 1
        lines.append("statuses: " + ", ".join(f"{s} x{n}" for s, n in sorted(counts.items())))
        lines.append("trace of the last request:")
        lines += _response_text(responses[-1], len(responses) - 1)
    return code, "\n".join(lines) + "\n"


def _conversation(sandbox: Sandbox, stage: str, headers: dict[str, str], query: str, body: str, repeat: int,
                  fmt: str) -> tuple[int, str]:
    conversation = Conversation()
    opened = sandbox.ws_connect(stage, headers=headers, query=query)
    conversation.results.append(opened)
    if opened.accepted:
        for _ in range(max(1, repeat) if body else 0):
            conversation.results.append(sandbox.ws_send(opened.connection_id, body))
        conversation.results.append(sandbox.ws_disconnect(opened.connection_id))
    code = EXIT_OK if opened.accepted and not any(r.body for r in conversation.results) else EXIT_HTTP_ERROR
    if fmt == "json":
        return code, json.dumps([_ws_json(r) for r in conversation.results], indent=2, ensure_ascii=False) + "\n"
    lines = [f"WebSocket API deployed to a sandbox: stage {stage}, {sandbox.invoke_url(stage)}"]
    lines += conversation.lines()
    for r in conversation.results:
        lines.append(f"trace of {r.kind}:")
        lines += [f"  [{s.step}] {s.decision} — {s.detail}" + (f" ({s.ms:g} ms)" if s.ms else "") for s in r.trace]
    return code, "\n".join(lines) + "\n"


def _ws_json(r: WsResult) -> dict[str, Any]:
    data = r.to_dict()
    return {"status": data["status"], "headers": {}, "body": data["body"], "arm": "base", **data}
