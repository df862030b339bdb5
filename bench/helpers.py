#!/usr/bin/env python3
"""Small helpers for bench/run (standard library, plus boto3 for `warmup`).

    helpers.py freeport                    a free TCP port on 127.0.0.1
    helpers.py wait URL SECONDS            until URL answers (exit 1 on timeout)
    helpers.py warmup URL                  one read per service, so moto builds its backends first
    helpers.py calls URL                   recorded calls since the last reset: "MUTATING TOTAL NAMES"
    helpers.py zip DIR OUT                 a deterministic zip of DIR's files (the Lambda code)
    helpers.py table RESULTS.tsv RUNS      the figures, median per step, as a text table
"""

import base64
import json
import os
import socket
import statistics
import sys
import time
import urllib.request
import zipfile

READ_PREFIXES = ("Describe", "List", "Get", "Head")


def freeport() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def wait(url: str, seconds: str) -> None:
    deadline = time.time() + float(seconds)
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=2).read()
            return
        except Exception:
            time.sleep(0.1)
    sys.exit(f"{url} did not answer within {seconds}s")


def warmup(url: str) -> None:
    import boto3

    def c(service):
        return boto3.client(
            service,
            region_name="us-east-1",
            endpoint_url=url,
            aws_access_key_id="x",
            aws_secret_access_key="x",
        )

    c("sts").get_caller_identity()
    c("ec2").describe_vpcs()
    c("ec2").describe_subnets()
    c("rds").describe_db_instances()
    c("elasticache").describe_replication_groups()
    c("iam").list_roles()
    c("lambda").list_functions()
    c("apigatewayv2").get_apis()
    c("s3").list_buckets()
    c("cloudfront").list_distributions()
    c("events").list_rules()
    c("budgets").describe_budgets(AccountId="123456789012")
    c("secretsmanager").list_secrets()


def parse(v: dict) -> tuple[str, str, str | None]:
    """(method, path, op) of one recorded request: tests/it/harness.rs `Call::parse`."""
    method = v.get("method") or ""
    url = v.get("url") or ""
    parts = url.split("/", 3)
    path = "/" + parts[3] if len(parts) > 3 else ""
    headers = v.get("headers") or {}
    target = next((x for k, x in headers.items() if k.lower() == "x-amz-target"), None)
    body = v.get("body") or ""
    if body and v.get("body_encoded"):
        try:
            body = base64.b64decode(body).decode("utf-8", "replace")
        except Exception:
            body = ""
    op = None
    if isinstance(target, str):
        op = target.rsplit(".", 1)[-1]
    elif isinstance(body, str):
        op = next((kv[len("Action="):] for kv in body.split("&") if kv.startswith("Action=")), None)
    return method, path, op


def is_mutating(method: str, op: str | None) -> bool:
    """tests/it/harness.rs `Call::is_mutating`."""
    if op is not None:
        return not op.startswith(READ_PREFIXES)
    return method not in ("GET", "HEAD")


def calls(url: str) -> None:
    raw = urllib.request.urlopen(url + "/moto-api/recorder/download-recording", timeout=30).read()
    total, names = 0, []
    for line in raw.decode("utf-8", "replace").splitlines():
        if not line.strip():
            continue
        method, path, op = parse(json.loads(line))
        if path.startswith("/moto-api"):
            continue
        total += 1
        if is_mutating(method, op):
            names.append(op or f"{method} {path.split('?')[0]}")
    print(len(names), total, ",".join(names) or "-")


def make_zip(src: str, out: str) -> None:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for root, dirs, files in os.walk(src):
            dirs.sort()
            for f in sorted(files):
                p = os.path.join(root, f)
                info = zipfile.ZipInfo(os.path.relpath(p, src), (1980, 1, 1, 0, 0, 0))
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(p, "rb") as fh:
                    z.writestr(info, fh.read())


STEPS = [
    ("apply", "fresh apply"),
    ("noop_plan", "no-op plan"),
    ("noop_apply", "no-op apply"),
    ("change_plan", "change plan (api 512 -> 1024 MB)"),
    ("change_apply", "change apply"),
    ("destroy", "destroy"),
]


def table(path: str, runs: str) -> None:
    # tool  run  step  wall_ms  rss_kb  ok  extra
    rows = [l.rstrip("\n").split("\t") for l in open(path) if l.strip()]
    tools = [t for t in ("fintech", "terraform") if any(r[0] == t for r in rows)]

    def cell(tool: str, step: str) -> str:
        rs = [r for r in rows if r[0] == tool and r[2] == step]
        if not rs:
            return "-"
        wall = statistics.median(float(r[3]) for r in rs) / 1000
        rss = statistics.median(float(r[4]) for r in rs) / 1024
        bad = sum(1 for r in rs if r[5] != "ok")
        s = f"{wall:8.2f} s {rss:6.0f} MB"
        if bad:
            s += f" ({bad} FAILED)"
        return s

    def extra(tool: str, step: str) -> list[str]:
        return [r[6] for r in rows if r[0] == tool and r[2] == step and len(r) > 6 and r[6]]

    w = 42
    print(f"{'step':<{w}}" + "".join(f"{t:>24}" for t in tools))
    for step, label in STEPS:
        print(f"{label:<{w}}" + "".join(f"{cell(t, step):>24}" for t in tools))
    print()
    print(f"{'API calls: mutating / all':<{w}}" + "".join(f"{t:>24}" for t in tools))
    for step, label in STEPS:
        line = f"{label:<{w}}"
        for t in tools:
            ex = [e.split(" ", 2) for e in extra(t, step)]
            if ex:
                mut = statistics.median(int(e[0]) for e in ex)
                tot = statistics.median(int(e[1]) for e in ex)
                line += f"{f'{mut:g} / {tot:g}':>24}"
            else:
                line += f"{'-':>24}"
        print(line)
    for t in tools:
        for e in extra(t, "noop_apply"):
            parts = e.split(" ", 2)
            if len(parts) == 3 and parts[2] != "-":
                print(f"    {t} no-op apply mutated: {parts[2]}")
    print()
    for r in rows:
        if r[2] == "cost":
            print(f"{'fintech cost (no AWS call)':<{w}}{r[6]:>24}")
    print(f"(wall time and peak RSS: median of {runs} run(s); RSS is /usr/bin/time's maximum resident set of the largest single process)")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {
        "freeport": freeport,
        "wait": wait,
        "warmup": warmup,
        "calls": calls,
        "zip": make_zip,
        "table": table,
    }[cmd](*args)
