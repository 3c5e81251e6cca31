"""Benchmark of the sandbox gateway.

Prints, for a 300-route design (the route quota) of each API type: the median time to deploy it to a
sandbox (resolve + route index, in a process that hasn't resolved it before; target under 200 ms), to
store and restore the sandbox (once the process has resolved its deployments, and the first time), and how many
requests per second the gateway function itself serves (a Lambda proxy route, a mapping-template route,
a throttled burst). Figures only: nothing here asserts on time.

    .venv/bin/python bench/bench_sandbox.py [--runs 20] [--requests 2000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labs.apigw.gateway import Request, Sandbox  # noqa: E402
from labs.apigw.gateway.deployment import RESOLVED  # noqa: E402

TARGET_MS = 200.0
ECHO = "arn:aws:lambda:us-east-1:123456789012:function:echo"


def build_design(api_type: str, n: int = 300) -> dict:
    routes = []
    for i in range(n):
        if api_type == "websocket":
            key = f"action{i}"
        else:
            key = f"{'GET' if i % 2 else 'POST'} /orders{i // 2}/{{orderId}}"
        integration: dict = {"kind": "lambda_proxy", "lambda_arn": ECHO, "timeout_ms": 5000}
        if api_type == "http":
            integration["payload_format_version"] = "2.0"
        if api_type == "rest" and i % 3 == 0:
            integration = {"kind": "mock", "response_templates": {
                "application/json": '{"order": "$input.params(\'orderId\')", "id": "$context.requestId"}'}}
        routes.append({"key": key, "integration": integration})
    stage = "$default" if api_type == "http" else "prod"
    return {"schema": 1, "name": f"bench-{api_type}", "api_type": api_type, "routes": routes,
            "route_selection_expression": "$request.body.action" if api_type == "websocket" else "",
            "stages": [{"name": stage, "throttle_rate": 100_000, "throttle_burst": 100_000}]}


def median_ms(fn, runs: int, *, cold: bool = False) -> float:
    """``cold``: the process forgets the designs it has resolved before each run (a first deploy)."""
    times = []
    for _ in range(runs):
        if cold:
            RESOLVED.clear()
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def requests_per_second(sandbox: Sandbox, request: Request, n: int) -> float:
    t = time.perf_counter()
    for i in range(n):
        sandbox.invoke(request.with_(at_ms=i))  # spread over virtual time so buckets refill
    return n / (time.perf_counter() - t)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    print(f"sandbox gateway, 300 routes; medians of {args.runs} runs; target: deploy under {TARGET_MS:g} ms")
    for api_type in ("rest", "http", "websocket"):
        design = build_design(api_type)
        deploy_ms = median_ms(lambda: Sandbox(1).deploy(design), args.runs, cold=True)
        sb = Sandbox(1)
        sb.deploy(design)
        stored = sb.to_dict()
        first_ms = median_ms(lambda: Sandbox.from_dict(json.loads(json.dumps(stored))), args.runs, cold=True)
        restore_ms = median_ms(lambda: Sandbox.from_dict(json.loads(json.dumps(stored))), args.runs)
        line = (f"  {api_type:<9} deploy {deploy_ms:7.1f} ms   store+restore {restore_ms:6.1f} ms "
                f"(first in a process {first_ms:6.1f} ms)")
        if api_type == "websocket":
            conn = sb.ws_connect().connection_id
            t = time.perf_counter()
            for _ in range(args.requests // 4):
                sb.ws_send(conn, '{"action": "action7"}')
            line += f"   messages/s {args.requests // 4 / (time.perf_counter() - t):8.0f}"
        else:
            stage = "$default" if api_type == "http" else "prod"
            proxy_rps = requests_per_second(sb, Request("GET", "/orders0/42", stage=stage), args.requests)
            line += f"   Lambda proxy req/s {proxy_rps:8.0f}"
            if api_type == "rest":
                template_rps = requests_per_second(sb, Request("POST", "/orders0/42", stage=stage), args.requests)
                line += f"   mapping template req/s {template_rps:8.0f}"
        print(line)
    burst = Sandbox(1)
    burst.deploy(build_design("rest") | {"stages": [{"name": "prod", "throttle_rate": 10, "throttle_burst": 20}]})
    t = time.perf_counter()
    result = burst.load_test(Request("GET", "/orders0/1", stage="prod"), args.requests)
    elapsed = time.perf_counter() - t
    print(f"  throttled burst: {args.requests} requests at one instant in {elapsed * 1000:.0f} ms "
          f"({args.requests / elapsed:.0f} req/s), statuses {result.summary()['by_status']}")


if __name__ == "__main__":
    main()
