"""Benchmark of the API Gateway domain on a 300-route design (the route quota).

Prints the median time to validate, to export OpenAPI and CloudFormation, to render the diagram and to
import the OpenAPI export back, for each API type.  Target: validate and each export under 20 ms.

    .venv/bin/python bench/bench_apigw.py [--runs 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labs.apigw.cloudformation import export_cloudformation  # noqa: E402
from labs.apigw.diagram import render_svg  # noqa: E402
from labs.apigw.model import Design  # noqa: E402
from labs.apigw.openapi import export_openapi, import_openapi  # noqa: E402
from labs.apigw.rules import validate  # noqa: E402

TARGET_MS = 20.0
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:orders"


def build_design(api_type: str, n: int = 300) -> Design:
    """300 routes with a mix of integrations, authorization, a stage and CORS: a worst-case realistic API."""
    kinds = ["lambda_proxy", "http_proxy", "mock"] if api_type != "http" else ["lambda_proxy", "http_proxy"]
    routes = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        integration = {"kind": kind, "lambda_arn": LAMBDA, "uri": "https://backend.example.com/x", "timeout_ms": 5000}
        if api_type == "http" and kind == "lambda_proxy":
            integration["payload_format_version"] = "2.0"
        if api_type == "websocket":
            key = f"action{i}"
        elif api_type == "rest":
            key = f"{'GET' if i % 2 else 'POST'} /orders{i // 2}/{{orderId}}" if i < 280 else f"GET /misc{i}"
        else:
            key = f"{'GET' if i % 2 else 'POST'} /orders{i // 2}/{{orderId}}"
        routes.append({"key": key, "integration": integration,
                       "authorization": "AWS_IAM" if api_type != "websocket" or key == "$connect" else "NONE"})
    data = {
        "name": f"bench-{api_type}",
        "api_type": api_type,
        "route_selection_expression": "$request.body.action" if api_type == "websocket" else "",
        "routes": routes,
        "stages": [{"name": "$default" if api_type == "http" else "prod", "throttle_rate": 100, "throttle_burst": 200,
                    "auto_deploy": api_type == "http"}],
        "client_retries": True,
    }
    if api_type != "websocket":
        data["cors"] = {"allow_origins": ["https://app.example.com"]}
    if api_type == "rest":
        data["endpoint_types"] = ["REGIONAL"]
    return Design.from_dict(data)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    print(f"API Gateway domain, 300 routes, median of {args.runs} runs (target < {TARGET_MS:.0f} ms)")
    print(f"{'api':<10} {'validate':>9} {'openapi':>9} {'cfn':>9} {'svg':>9} {'import':>9}  findings")
    slow = []
    for api_type in ("rest", "http", "websocket"):
        design = build_design(api_type)
        findings = validate(design)
        row = {"validate": median_ms(lambda: validate(design), args.runs)}
        if api_type != "websocket":
            doc = export_openapi(design)
            row["openapi"] = median_ms(lambda: export_openapi(design), args.runs)
            row["import"] = median_ms(lambda: import_openapi(doc), args.runs)
        row["cfn"] = median_ms(lambda: export_cloudformation(design), args.runs)
        row["svg"] = median_ms(lambda: render_svg(design), args.runs)
        cells = [f"{row[k]:8.2f}ms" if k in row else f"{'n/a':>10}" for k in ("validate", "openapi", "cfn", "svg", "import")]
        errors = sum(f.severity == "error" for f in findings)
        print(f"{api_type:<10} {' '.join(cells)}  {len(findings)} ({errors} errors)")
        slow += [f"{api_type} {k}" for k in ("validate", "openapi", "cfn") if row.get(k, 0) > TARGET_MS]
    if slow:
        print("over target: " + ", ".join(slow))
        return 1
    print("all validate/export timings under target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
