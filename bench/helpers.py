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
    ("change_plan", "change plan (one function's memory)"),
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


APPLY_VERBS = ("creating", "updating", "replacing", "deleting")


def critical(path: str, latency_ms: str = "0") -> None:
    """The critical path of one fintech run from its --timings file: the longest chain of resources,
    each waiting for what it depends on, weighted by how long each took (its reads or its writes).
    A deploy first reads everything (the plan), then applies: its critical path is the longest chain
    of reads plus the longest chain of applies."""
    t = json.load(open(path))
    deps = t["deps"]
    early = set(t.get("reads_early", []))
    lat = float(latency_ms)

    def chain(verbs: tuple[str, ...]) -> tuple[float, list[str]]:
        took: dict[str, float] = {}
        for sp in t["spans"]:
            if sp["verb"] in verbs:
                took[sp["id"]] = took.get(sp["id"], 0.0) + sp["end_ms"] - sp["start_ms"]
        best: dict[str, tuple[float, list[str]]] = {}

        def longest(r: str) -> tuple[float, list[str]]:
            if r not in best:
                up = [longest(d) for d in deps.get(r, []) if d in deps]
                before = max(up, default=(0.0, []))
                own = took.get(r, 0.0)
                if r in early and "reading" in verbs:
                    # Read at once, beside its dependencies: done when the later of the two is.
                    best[r] = max(before, (own, [r]))
                else:
                    best[r] = (before[0] + own, before[1] + ([r] if r in took else []))
            return best[r]

        return max((longest(r) for r in deps), default=(0.0, []))

    reads = chain(("packaging", "reading"))
    applies = chain(APPLY_VERBS)
    total = reads[0] + applies[0]
    wall = t["wall_ms"]
    for name, (ms, ids) in (("reads", reads), ("applies", applies)):
        if ms:
            trips = f", ~{ms / lat:.0f} round trips of {lat:g} ms" if lat else ""
            print(f"  critical path of the {name}: {ms / 1000:.2f} s{trips}: {' -> '.join(ids)}")
    print(f"  critical path {total / 1000:.2f} s; the run took {wall / 1000:.2f} s ({wall / total:.2f}x)" if total else "  no spans")


def grow(small: str, big: str) -> None:
    """How each tool's figures grow from one bench/run result file (the small stack) to another."""

    def load(path: str) -> list[list[str]]:
        return [l.rstrip("\n").split("\t") for l in open(path) if l.strip()]

    def median(rows: list[list[str]], tool: str, step: str, col: int) -> float | None:
        vs = [float(r[col]) for r in rows if r[0] == tool and r[2] == step and r[5] == "ok"]
        return statistics.median(vs) if vs else None

    def calls(rows: list[list[str]], tool: str, step: str) -> float | None:
        vs = [int(r[6].split(" ")[1]) for r in rows if r[0] == tool and r[2] == step and len(r) > 6 and r[6]]
        return statistics.median(vs) if vs else None

    a, b = load(small), load(big)
    tools = [t for t in ("fintech", "terraform") if any(r[0] == t for r in a + b)]
    count = {(t, id(rows)): median(rows, t, "resources", 6) for t in tools for rows in (a, b)}
    for t in tools:
        na, nb = count[(t, id(a))], count[(t, id(b))]
        print(f"{t}: {na:g} -> {nb:g} resources (x{nb / na:.1f})" if na and nb else f"{t}: resources unknown")
        print(f"  {'step':<36}{'small':>10}{'big':>10}{'ratio':>8}{'calls/resource':>18}{'MB (big)':>10}")
        for step, label in STEPS:
            ta, tb = median(a, t, step, 3), median(b, t, step, 3)
            if ta is None or tb is None:
                print(f"  {label:<36}{'-':>10}{'-':>10}")
                continue
            ca, cb = calls(a, t, step), calls(b, t, step)
            per = f"{ca / na:.1f} -> {cb / nb:.1f}" if None not in (ca, cb) and na and nb else "-"
            mb = median(b, t, step, 4) / 1024
            print(f"  {label:<36}{ta / 1000:>9.2f}s{tb / 1000:>9.2f}s{tb / ta:>7.1f}x{per:>18}{mb:>10.0f}")
    if len(tools) == 2:
        print()
        for step, label in STEPS:
            f, t = median(b, "fintech", step, 3), median(b, "terraform", step, 3)
            if f and t:
                print(f"  big stack, {label}: fintech is {t / f:.0f}x faster")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {
        "freeport": freeport,
        "wait": wait,
        "warmup": warmup,
        "calls": calls,
        "zip": make_zip,
        "table": table,
        "grow": grow,
        "critical": critical,
    }[cmd](*args)
