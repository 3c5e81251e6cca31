"""Plain functions behind the ``apigw`` management command (the command only parses arguments).

Input files can be a design (JSON/YAML with ``"schema": 1``, as ``Design.to_dict`` writes it) or an
OpenAPI 3.0 / Swagger 2.0 definition with API Gateway extensions.

Exit codes of ``validate_file``: 0 = no error findings, 1 = at least one error finding, 2 = the file
could not be read or understood (the output says why).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml

from . import cloudformation, openapi
from .model import MAX_DESIGN_ROUTES, Design, DesignError
from .openapi import ImportNote, import_openapi
from .rules import Finding, validate

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2
_API_LABEL = {"rest": "REST", "http": "HTTP", "websocket": "WebSocket"}


class CliError(DesignError):
    """The input file can't be used; the message is meant for the terminal."""


def _is_design(data: Mapping[str, Any]) -> bool:
    return "schema" in data or ("openapi" not in data and "swagger" not in data and "routes" in data)


def load_design_file(path: str | Path, api_type: str | None = None) -> tuple[Design, list[ImportNote]]:
    """A design from a design file or an OpenAPI/Swagger file, with the import notes (if any)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CliError(f"{path}: can't read the file ({exc.strerror or exc})") from None
    data = openapi.parse_document(raw)
    if _is_design(data):
        if api_type is not None:
            data = {**data, "api_type": api_type}
        routes = data.get("routes")
        if isinstance(routes, list) and len(routes) > MAX_DESIGN_ROUTES:
            raise CliError(f"{path}: the design has {len(routes):,} routes; at most {MAX_DESIGN_ROUTES} are read")
        return Design.from_dict(data), []
    result = import_openapi(data, api_type)
    return result.design, result.notes


def _summary(findings: list[Finding]) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "tip": 0}
    for f in findings:
        counts[f.severity] += 1
    return counts


def _text_report(path: Path, design: Design, findings: list[Finding], notes: list[ImportNote]) -> str:
    counts = _summary(findings)
    lines = [
        f"{path}: {_API_LABEL[design.api_type]} API {design.name or '(unnamed)'!r} — "
        f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['tip']} tip(s)"
    ]
    for f in findings:
        lines.append(f"{f.severity:<8} {f.rule_id}  {f.location} ({f.label})")
        lines.append(f"         {f.message}")
        lines.append(f"         lesson: {f.lesson} · source: {f.source}")
    if notes:
        lines.append(f"import notes ({len(notes)}):")
        lines += [f"  [{n.kind}] {n.location}: {n.message}" for n in notes]
    return "\n".join(lines) + "\n"


def validate_file(path: str | Path, api_type: str | None = None, fmt: Literal["text", "json"] = "text") -> tuple[int, str]:
    """Validate a design or OpenAPI file: (exit code, report in ``fmt``)."""
    path = Path(path)
    if fmt not in ("text", "json"):
        return EXIT_UNREADABLE, f"unknown output format {fmt!r}; use text or json\n"
    try:
        design, notes = load_design_file(path, api_type)
        findings = validate(design)
    except DesignError as exc:
        message = f"{path}: {exc}"
        if fmt == "json":
            return EXIT_UNREADABLE, json.dumps({"file": str(path), "error": message}, indent=2) + "\n"
        return EXIT_UNREADABLE, message + "\n"
    code = EXIT_FINDINGS if any(f.severity == "error" for f in findings) else EXIT_OK
    if fmt == "json":
        report = {
            "file": str(path),
            "api_type": design.api_type,
            "name": design.name,
            "summary": _summary(findings),
            "findings": [f.to_dict() for f in findings],
            "import_notes": [{"location": n.location, "message": n.message, "kind": n.kind} for n in notes],
        }
        return code, json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    return code, _text_report(path, design, findings, notes)


def export_file(
    path: str | Path,
    to: Literal["openapi", "cloudformation"] = "openapi",
    fmt: Literal["yaml", "json"] = "yaml",
    api_type: str | None = None,
) -> str:
    """Export a design or OpenAPI file as OpenAPI or CloudFormation text; ``CliError``/``DesignError`` on bad input."""
    if to not in ("openapi", "cloudformation"):
        raise CliError(f"unknown export target {to!r}; use openapi or cloudformation")
    if fmt not in ("yaml", "json"):
        raise CliError(f"unknown format {fmt!r}; use yaml or json")
    design, _ = load_design_file(path, api_type)
    if to == "openapi":
        doc = openapi.export_openapi(design)
        return openapi.to_yaml(doc) if fmt == "yaml" else openapi.to_json(doc)
    template = cloudformation.export_cloudformation(design)
    return cloudformation.to_yaml(template) if fmt == "yaml" else openapi.to_json(template)


def dump_design(design: Design, fmt: Literal["yaml", "json"] = "json") -> str:
    """A design file's text (the inverse of ``load_design_file`` for design files)."""
    data = design.to_dict()
    if fmt == "yaml":
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------------------------------
# AWS deployments (the deployer lives in labs/apigw/deploy/; imported here only when used: boto3)
# --------------------------------------------------------------------------------------------------


def deploy_file(path: str | Path, *, region: str, api_type: str | None = None, stage: str | None = None,
                endpoint_url: str | None = None, plan_only: bool = False, records: str | None = None,
                deployment: str | None = None, out=print) -> int:
    """Plan and deploy a design file to AWS (or moto/LocalStack): prints the plan, each call, and last
    ``deployment <ID>``; returns the exit code (0 deployed or planned, 1 failed and rolled back, 2 unusable)."""
    from .deploy.commands import EXIT_UNUSABLE, deploy_design

    try:
        design, notes = load_design_file(path, api_type)
    except DesignError as exc:
        out(f"{path}: {exc}")
        return EXIT_UNUSABLE
    return deploy_design(design, path, region=region, notes=notes, stage=stage, endpoint_url=endpoint_url,
                         plan_only=plan_only, records=records, deployment=deployment, out=out)


def teardown_deployment(deployment_id: str, *, endpoint_url: str | None = None, records: str | None = None,
                        out=print) -> int:
    """Tear a deployment down and list what is left by its tags; 0 only when nothing is."""
    from .deploy.commands import teardown_deployment as run

    return run(deployment_id, endpoint_url=endpoint_url, records=records, out=out)


def reap_deployments(*, records: str | None = None, endpoint_url: str | None = None, out=print) -> int:
    """Tear down every deployment left up past its time (safe to run from cron on several machines)."""
    from .deploy.commands import reap_records as run

    return run(records=records, endpoint_url=endpoint_url, out=out)


# --------------------------------------------------------------------------------------------------
# The sandbox gateway: apigw invoke
# --------------------------------------------------------------------------------------------------


def invoke_file(path: str | Path, *, api_type: str | None = None, stage: str | None = None, method: str = "GET",
                request_path: str = "/", headers: list[str] | tuple[str, ...] = (), query: str = "", body: str = "",
                source_vpce: str = "", identity: str = "", repeat: int = 1, rate: float | None = None, seed: int = 0,
                fmt: Literal["text", "json"] = "text", sample_token: bool = False) -> tuple[int, str]:
    """Deploy a design or OpenAPI file to a throw-away sandbox and send it ``repeat`` requests, ``rate`` per
    second of virtual time: (exit code, report). 0 = every response below 400, 1 = not, 2 = unusable input."""
    from .gateway import commandline

    if fmt not in ("text", "json"):
        return EXIT_UNREADABLE, f"unknown output format {fmt!r}; use text or json\n"
    try:
        design, _ = load_design_file(path, api_type)
    except DesignError as exc:
        message = f"{path}: {exc}"
        return EXIT_UNREADABLE, (json.dumps({"file": str(path), "error": message}) if fmt == "json" else message) + "\n"
    return commandline.invoke(design, stage=stage, method=method, path=request_path, headers=headers, query=query,
                              body=body, source_vpce=source_vpce, identity=identity, repeat=repeat, rate=rate,
                              seed=seed, fmt=fmt, sample_token=sample_token)
