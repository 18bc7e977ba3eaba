"""Fireline benchmark: prints one table of measured figures next to their targets.

    .venv/bin/python bench/run.py                 # full run: 1,000,000 incidents, both backends
    .venv/bin/python bench/run.py --quick         # smoke test: 50,000 incidents, 5 s loads
    .venv/bin/python bench/run.py --backends sqlite --only declare,rss

See docs/benchmarks.md for what each row means. Results go to bench/results/latest.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

import dataload
import loadgen
from listing import query_mix
from procs import Server, free_port
from vocab import SERVICES

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATA = RESULTS / "data"
FIRELINE = str(ROOT / ".venv" / "bin" / "fireline")
PYTHON = sys.executable
SECTIONS = ("ceiling", "declare", "rss", "list")
console = Console(width=160)


@dataclass
class Row:
    measure: str
    backend: str
    value: str
    target: str
    notes: str


def pg_create(admin_url: str, name: str) -> str:
    """Drop and create database `name` on the server of `admin_url`; returns its URL."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def fresh_database(backend: str, name: str, admin_url: str) -> tuple[str, Path]:
    directory = DATA / f"{backend}-{name}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    if backend == "sqlite":
        return f"sqlite:///{directory / 'fireline.db'}", directory
    return pg_create(admin_url, f"fireline_bench_{name}".replace("-", "_")), directory


def server(url: str, data_dir: Path, log: str, *, workers: int = 1) -> Server:
    port = free_port()
    env = {"FIRELINE_DATABASE_URL": url, "FIRELINE_DATA_DIR": str(data_dir)}
    command = [FIRELINE, "serve", f"--port={port}", f"--workers={workers}"]
    return Server(command, env, port, RESULTS / "logs" / f"{log}.log")


def wrk_note(result: loadgen.WrkResult, args: argparse.Namespace) -> str:
    return (
        f"wrk {args.threads}t/{args.connections}c/{args.seconds}s, p99 {result.p99_ms:.0f} ms, "
        f"non-2xx {result.non_2xx}, socket errors {result.socket_errors}"
    )


def measure_ceiling(args: argparse.Namespace, rows: list[Row]) -> float:
    """Bare FastAPI under the same load, served the way `fireline serve` serves (no access log)."""
    port = free_port()
    command = [PYTHON, str(ROOT / "bench" / "servers.py"), "ceiling", f"--port={port}"]
    with Server(command, {}, port, RESULTS / "logs" / "ceiling.log") as s:
        loadgen.run_wrk(s.url, ["echo"], seconds=2, threads=args.threads, connections=8)
        result = loadgen.run_wrk(
            s.url,
            ["echo"],
            seconds=args.seconds,
            threads=args.threads,
            connections=args.connections,
        )
    rows.append(
        Row("ceiling: bare FastAPI POST /echo", "-", f"{result.rate:,.0f} req/s", "-",
            wrk_note(result, args))
    )  # fmt: skip
    return result.rate


def bench_headers(s: Server, role: str = "incident_manager") -> dict[str, str]:
    """A bearer token for a person with `role`, made with the CLI on the server's database."""
    env = {**os.environ, **s.env}
    name = f"bench-{role.replace('_', '-')}"
    subprocess.run(
        [FIRELINE, "user", "create", name, "--email", f"{name}@bench.invalid", "--role", role,
         "--no-password"],
        env=env, check=False, capture_output=True,
    )  # fmt: skip
    made = subprocess.run(
        [FIRELINE, "token", "create", "--user", name, "--scope", "write"],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return {"Authorization": f"Bearer {made.stdout.strip()}"}


def create_services(base: str, headers: dict[str, str]) -> None:
    with httpx.Client(base_url=base, headers=headers) as client:
        for name, tier, team in SERVICES:
            body = {"name": name, "criticality": tier, "team": team, "customer_facing": True}
            client.post("/api/v1/services", json=body).raise_for_status()


def measure_declare(
    backend: str, args: argparse.Namespace, ceiling: float | None, rows: list[Row]
) -> None:
    variants = [(f"{w} worker{'s' if w > 1 else ''}", w) for w in args.workers]
    for label, workers in variants:
        url, directory = fresh_database(backend, "declare", args.pg_admin_url)
        log = f"declare-{backend}-{workers}w"
        with server(url, directory, log, workers=workers) as s:
            headers = bench_headers(s)
            create_services(s.url, headers)
            token = headers["Authorization"].removeprefix("Bearer ")
            loadgen.run_wrk(s.url, ["declare", ",".join(n for n, _, _ in SERVICES), token],
                            seconds=2, threads=args.threads, connections=8)  # fmt: skip
            time.sleep(1)  # let the warm-up's last requests commit before counting
            before = dataload.count_incidents(url)
            result = loadgen.run_wrk(
                s.url,
                ["declare", ",".join(name for name, _, _ in SERVICES), token],
                seconds=args.seconds,
                threads=args.threads,
                connections=args.connections,
            )
            time.sleep(0.5)
            stored = dataload.count_incidents(url) - before
        ok = result.requests - result.non_2xx
        check = "rows match" if 0 <= stored - ok <= args.connections else "ROWS DIFFER"
        share = f"{result.rate / ceiling:.0%} of ceiling; " if ceiling else ""
        rows.append(
            Row(
                f"declare POST /api/v1/incidents ({label})",
                backend,
                f"{result.rate:,.0f} req/s",
                "≥ 1,000/s",
                f"{share}{wrk_note(result, args)}; {stored} rows stored vs {ok} 2xx: {check}",
            )
        )


def measure_rss(backend: str, args: argparse.Namespace, rows: list[Row]) -> None:
    url, directory = fresh_database(backend, "rss", args.pg_admin_url)
    with server(url, directory, f"rss-{backend}") as s:
        headers = bench_headers(s)
        create_services(s.url, headers)
        with httpx.Client(base_url=s.url, headers=headers) as client:
            for i in range(10):
                body = {"title": f"rss probe {i}", "type": "data", "services": ["login"]}
                client.post("/api/v1/incidents", json=body).raise_for_status()
                client.get("/api/v1/incidents", params={"q": "probe"}).raise_for_status()
        time.sleep(3)
        rss = s.rss_mb()
    rows.append(
        Row("idle RSS, fireline serve (1 worker)", backend, f"{rss:.0f} MiB", "≤ 150 MB",
            "VmRSS of the process tree after start-up, 10 declares and 10 searches")
    )  # fmt: skip


def measure_list(backend: str, args: argparse.Namespace, rows: list[Row]) -> None:
    name = f"list-{args.incidents}"
    directory = DATA / f"{backend}-{name}"
    if backend == "sqlite":
        url = f"sqlite:///{directory / 'fireline.db'}"
    else:
        url = args.pg_admin_url.rsplit("/", 1)[0] + f"/fireline_bench_list_{args.incidents}"
    try:
        have = dataload.count_incidents(url) if directory.exists() else -1
    except Exception:
        have = -1
    if args.reload or (have != args.incidents and not args.skip_load):
        url, directory = fresh_database(backend, name, args.pg_admin_url)
        began = time.monotonic()
        dataload.prepare_database(url, directory)
        dataload.load(url, args.incidents)
        have = dataload.count_incidents(url)
        console.print(f"{backend}: loaded {have:,} incidents in {time.monotonic() - began:.0f} s")
    samples: list[float] = []
    with (
        server(url, directory, f"list-{backend}") as s,
        # By default a responder: every listing then carries the restricted-incident filter.
        httpx.Client(
            base_url=s.url, headers=bench_headers(s, args.list_role), timeout=60
        ) as client,
    ):
        for kind, urls in query_mix(client).items():
            result = loadgen.sample_latency(
                client, kind, urls, count=args.per_kind, budget_s=args.kind_budget
            )
            samples.extend(result.samples)
            verdict = "ok" if result.p99_ms <= 50 else "OVER"
            rows.append(
                Row(f"list {kind}", backend,
                    f"p50 {result.p50_ms:.1f} / p99 {result.p99_ms:.1f} ms", "p99 ≤ 50 ms",
                    f"{verdict}; n={result.count}, max {result.max_ms:.0f} ms")
            )  # fmt: skip
    overall = loadgen.percentile(samples, 0.99)
    rows.append(
        Row("list/search p99, all kinds", backend, f"p99 {overall:.1f} ms", "≤ 50 ms",
            f"{'ok' if overall <= 50 else 'OVER'}; {len(samples)} requests at {have:,} incidents")
    )  # fmt: skip


def render(rows: list[Row], args: argparse.Namespace) -> str:
    table = Table(title=f"Fireline benchmark ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")
    for column in ("measure", "backend", "value", "target", "ceiling/notes"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row.measure, row.backend, row.value, row.target, row.notes)
    console.print(table)
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPUs; "
        f"load generator: wrk; list data: {args.incidents:,} incidents.",
        "",
        "| measure | backend | value | target | ceiling/notes |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.measure} | {r.backend} | {r.value} | {r.target} | {r.notes} |".replace("\n", " ")
        for r in rows
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="50k incidents, 5 s loads")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"of {','.join(SECTIONS)}")
    parser.add_argument("--skip-load", action="store_true", help="use cached list data as is")
    parser.add_argument("--reload", action="store_true", help="bulk-load the list data again")
    parser.add_argument("--incidents", type=int, help="incidents for list (default 1,000,000)")
    parser.add_argument("--seconds", type=int, help="wrk duration (default 10, quick 5)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", default="1,2", help="declare rows: worker counts")
    parser.add_argument("--per-kind", type=int, default=200, help="requests per list kind")
    parser.add_argument(
        "--list-role", default="responder", help="access role that lists (admin: no filter)"
    )
    parser.add_argument("--kind-budget", type=float, default=60.0, help="seconds per list kind")
    parser.add_argument(
        "--pg-admin-url",
        default=os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    args.incidents = args.incidents or (50_000 if args.quick else 1_000_000)
    args.seconds = args.seconds or (5 if args.quick else 10)
    args.workers = [int(w) for w in args.workers.split(",")]
    only, backends = args.only.split(","), args.backends.split(",")
    if not loadgen.have_wrk():
        sys.exit("wrk not found: apt-get install -y wrk")
    rows: list[Row] = []
    ceiling = measure_ceiling(args, rows) if "ceiling" in only else None
    for backend in backends:
        if "declare" in only:
            measure_declare(backend, args, ceiling, rows)
        if "rss" in only:
            measure_rss(backend, args, rows)
    for backend in backends:
        if "list" in only:
            measure_list(backend, args, rows)
    markdown = render(rows, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text(markdown)
    console.print(f"written to {RESULTS / 'latest.md'}")


if __name__ == "__main__":
    main()
