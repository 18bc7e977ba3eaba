"""Timer benchmark: how late `fireline worker` fires, and how many timers it fires a second.

    .venv/bin/python bench/timers.py              # 100,000 Sev-1 incidents, 60 s window
    .venv/bin/python bench/timers.py --quick      # smoke test: 10,000 incidents, 20 s window

On a fresh PostgreSQL database: declare N open Sev-1 incidents under handbook_004 without
its `notifications` section (8 timers each: the clocks and the escalation matrix) so that
their first timers come due evenly over a window while 2 real workers run (lateness); then
make every timer still to come due at once and let 2 workers fire that backlog (actions per
second); then a bare SKIP LOCKED claim loop over as many rows, in the same run (the
ceiling). See docs/benchmarks.md, "Timers and the worker". The table is also
written to bench/results/timers.md.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import yaml
from rich.console import Console
from rich.table import Table

from fireline.adapters.db import upgrade_database
from fireline.adapters.policy_file import load_preset
from fireline.bootstrap import build_context
from fireline.domain.incident import Draft, Incident
from fireline.services.incidents import declare_incidents
from fireline.settings import load_settings
from run import Row, pg_create

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATA = RESULTS / "data" / "timers"
LOGS = RESULTS / "logs"
FIRELINE = str(ROOT / ".venv" / "bin" / "fireline")
DATABASE = "fireline_bench_timers"
POLICY = "handbook_004"
POLICY_FILE = DATA / "handbook_004-timers.yaml"
"""The preset without `notifications`: its initial notice and update reminders would change
what each incident plans (and reminders re-plan as they fire), and this bench measures the
timer machinery on the same 8 timers per incident as before they existed."""
TIMER_KINDS = ("sla_warning", "sla_breach", "escalation", "notify", "review_due")
FIRST_TIMER = timedelta(minutes=11, seconds=15)
"""handbook_004, Sev-1: the response warning (75 % of 15 min) is each incident's first timer."""
PARKED = timedelta(hours=1)
"""While loading, the first timers are planned this far after the load began, so workers
started early find nothing due until the re-timing moves them into the window."""
console = Console(width=160)


@dataclass
class Lateness:
    count: int
    unfired: int
    early: int
    steps: int
    p50: float
    p99: float
    max: float


@dataclass
class Backlog:
    rows: int
    fired: int
    steps: int
    seconds: float
    events: int
    distinct_keys: int
    fired_total: int
    problems: list[str]

    @property
    def rate(self) -> float:
        return self.fired / self.seconds if self.seconds > 0 else 0.0

    @property
    def exactly_once(self) -> bool:
        return self.events == self.fired_total == self.distinct_keys


def conninfo(url: str) -> str:
    """psycopg's form of a SQLAlchemy URL."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def sql(info: str, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run one statement in its own autocommit connection; the rows it returns, if any."""
    with psycopg.connect(info, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall() if cur.description else []


def worker_env(url: str) -> dict[str, str]:
    return {
        "FIRELINE_DATABASE_URL": url,
        "FIRELINE_POLICY": str(POLICY_FILE),
        "FIRELINE_DATA_DIR": str(DATA),
        "FIRELINE_MIGRATE_ON_START": "0",
        "FIRELINE_LOG_LEVEL": "info",
    }


# -- loading -------------------------------------------------------------------------------


def draft(number: int) -> Draft:
    """An outage the reporter calls Sev-1: under handbook_004 it gets 8 timers."""
    return Draft(
        title=f"Timer bench outage {number}", type="infrastructure", reporter="bench", severity=1
    )


def load_incidents(url: str, count: int, window: float, batch: int) -> float:
    """Declare `count` open Sev-1 incidents through `declare_incidents`, `batch` per call.

    Incident i is declared at `parked + i * window / count - FIRST_TIMER`, so the first timers
    are spread evenly over `window` seconds from `parked`, an hour after the load began;
    `retime` later moves them all into the real window. Returns the load's seconds."""
    began = time.monotonic()
    upgrade_database(url)
    context = build_context(load_settings(worker_env(url)))
    parked = datetime.now(UTC) + PARKED
    step = timedelta(seconds=window / count)
    for start in range(0, count, batch):
        requests = [
            (draft(i), parked + step * i - FIRST_TIMER)
            for i in range(start, min(count, start + batch))
        ]
        results = declare_incidents(context.database, context.policies, requests)
        refused = [r for r in results if not isinstance(r, Incident)]
        if refused:
            raise RuntimeError(f"declaring refused {len(refused)} drafts: {refused[0]!r}")
        done = start + len(requests)
        if done % max(batch, count // 10) < batch or done == count:
            console.print(f"  declared {done:,} incidents ({time.monotonic() - began:.0f} s)")
    context.database.dispose()
    return time.monotonic() - began


def retime(info: str, lead: float) -> tuple[datetime, datetime]:
    """Move every timer by one offset so the first comes due `lead` seconds from now.

    One offset for all rows keeps every incident's timers (and the incidents' order) as
    planned. Returns the window's start and when the change committed."""
    with psycopg.connect(info) as conn, conn.cursor() as cur:
        cur.execute("SELECT now() + make_interval(secs => %s)", (lead,))
        (start,) = cur.fetchone()  # type: ignore[misc]
        cur.execute(
            "UPDATE timers SET due_at = due_at + (%(start)s - first.due),"
            " planned_at = planned_at + (%(start)s - first.due)"
            " FROM (SELECT min(due_at) AS due FROM timers) AS first",
            {"start": start},
        )
    return start, datetime.now(UTC)


# -- workers -------------------------------------------------------------------------------


class Workers:
    """`count` real `fireline worker` processes, each in its own session; stopped on exit."""

    def __init__(self, url: str, count: int, batch: int, label: str) -> None:
        self.url, self.count, self.batch, self.label = url, count, batch, label
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs = [LOGS / f"timers-{label}-{n}.log" for n in range(count)]

    def __enter__(self) -> Workers:
        LOGS.mkdir(parents=True, exist_ok=True)
        for log in self.logs:
            with log.open("wb") as out:
                self.processes.append(
                    subprocess.Popen(
                        [FIRELINE, "worker", f"--batch={self.batch}"],
                        env={**os.environ, **worker_env(self.url)},
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_started(self, timeout: float = 60) -> None:
        """Until every worker has logged that its loop started."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.processes):
                raise RuntimeError(f"a worker exited early; see {LOGS}/timers-{self.label}-*.log")
            if all("worker started" in log.read_text() for log in self.logs):
                return
            time.sleep(0.1)
        raise RuntimeError(f"workers not started after {timeout:.0f} s")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # the worker's clean stop
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the session we started, nothing else
                process.wait(timeout=10)

    def problems(self) -> list[str]:
        """Log lines other than the start and stop notices (warnings, tracebacks)."""
        lines = []
        for log in self.logs:
            for line in log.read_text(errors="replace").splitlines():
                if line.strip() and not line.startswith("INFO fireline.worker: worker st"):
                    lines.append(f"{log.name}: {line}")
        return lines


# -- the three measurements ----------------------------------------------------------------


def measure_lateness(info: str, start: datetime, end: datetime) -> Lateness:
    """Wait for the window to pass, then read fired_at - due_at of the timers due in it."""
    unfired_due = (
        "SELECT count(*) FROM timers WHERE fired_at IS NULL AND due_at >= %s AND due_at <= %s"
    )
    while datetime.now(UTC) < end + timedelta(seconds=3):
        time.sleep(0.5)
    deadline = time.monotonic() + 60
    while sql(info, unfired_due, (start, end))[0][0] and time.monotonic() < deadline:
        time.sleep(0.5)
    ((count, unfired, steps, p50, p99, worst),) = sql(
        info,
        "SELECT count(*), count(*) FILTER (WHERE fired_at IS NULL), count(DISTINCT fired_at),"
        " percentile_cont(0.5) WITHIN GROUP (ORDER BY late),"
        " percentile_cont(0.99) WITHIN GROUP (ORDER BY late), max(late)"
        " FROM (SELECT fired_at, extract(epoch FROM fired_at - due_at)::float8 AS late"
        "       FROM timers WHERE due_at >= %s AND due_at <= %s) AS due",
        (start, end),
    )
    ((early,),) = sql(info, "SELECT count(*) FROM timers WHERE fired_at < due_at")
    return Lateness(count, unfired, early, steps, p50 or 0.0, p99 or 0.0, worst or 0.0)


def make_backlog(info: str) -> int:
    """Make every unfired timer due now (one offset: order and spacing kept), and fill the raw
    claim table with as many rows with the same due times. Returns the backlog's size."""
    with psycopg.connect(info) as conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE timers SET due_at = due_at - (last.due - now() + interval '1 second')"
            " FROM (SELECT max(due_at) AS due FROM timers WHERE fired_at IS NULL) AS last"
            " WHERE fired_at IS NULL"
        )
        rows = cur.rowcount
        cur.execute("DROP TABLE IF EXISTS bench_raw_claims")
        cur.execute(
            "CREATE TABLE bench_raw_claims"
            " (id serial PRIMARY KEY, due_at timestamptz NOT NULL, fired_at timestamptz)"
        )
        cur.execute(
            "INSERT INTO bench_raw_claims (due_at)"
            " SELECT due_at FROM timers WHERE fired_at IS NULL ORDER BY id"
        )
        cur.execute(
            "CREATE INDEX ix_bench_raw_claims_due ON bench_raw_claims (due_at)"
            " WHERE fired_at IS NULL"
        )
    for table in ("timers", "timeline", "bench_raw_claims"):
        sql(info, f"VACUUM ANALYZE {table}")
    return rows


def measure_backlog(info: str, url: str, rows: int, args: argparse.Namespace) -> Backlog:
    """Start the workers on the backlog; rows fired / seconds from the first claim until a
    poll (every 0.25 s) finds nothing due. Then check that each timer fired exactly once."""
    began = datetime.now(UTC)
    due = "SELECT EXISTS (SELECT 1 FROM timers WHERE fired_at IS NULL AND due_at <= now())"
    with Workers(url, args.workers, args.batch, "backlog") as workers:
        workers.wait_started()
        last_report = time.monotonic()
        while sql(info, due)[0][0]:
            time.sleep(0.25)
            if time.monotonic() - last_report >= 10:
                ((left,),) = sql(info, "SELECT count(*) FROM timers WHERE fired_at IS NULL")
                console.print(f"  backlog: {left:,} timers left")
                last_report = time.monotonic()
        emptied = datetime.now(UTC)
    ((fired, steps, first),) = sql(
        info,
        "SELECT count(*), count(DISTINCT fired_at), min(fired_at) FROM timers WHERE fired_at >= %s",
        (began,),
    )
    seconds = (emptied - first).total_seconds() if first else 0.0
    ((events, keys),) = sql(
        info,
        "SELECT count(*), count(DISTINCT (incident_id, after_value::json->>'key'))"
        " FROM timeline WHERE kind = ANY(%s)",
        (list(TIMER_KINDS),),
    )
    ((fired_total,),) = sql(info, "SELECT count(*) FROM timers WHERE fired_at IS NOT NULL")
    return Backlog(rows, fired, steps, seconds, events, keys, fired_total, workers.problems())


def raw_claimer(info: str, batch: int, gate: Any, results: Any) -> None:
    """One raw claimer: BEGIN; claim up to `batch` due rows SKIP LOCKED; mark them; COMMIT;
    until no unfired row is left. Puts (rows claimed, monotonic end) on `results`."""
    claimed = 0
    with psycopg.connect(info, autocommit=True) as conn, conn.cursor() as cur:
        gate.wait()
        while True:
            with conn.transaction():
                cur.execute(
                    "SELECT id FROM bench_raw_claims WHERE fired_at IS NULL AND due_at <= now()"
                    " ORDER BY due_at LIMIT %s FOR UPDATE SKIP LOCKED",
                    (batch,),
                )
                ids = [row[0] for row in cur.fetchall()]
                if ids:
                    cur.execute(
                        "UPDATE bench_raw_claims SET fired_at = now() WHERE id = ANY(%s)", (ids,)
                    )
            if ids:
                claimed += len(ids)
                continue
            cur.execute("SELECT EXISTS (SELECT 1 FROM bench_raw_claims WHERE fired_at IS NULL)")
            if not cur.fetchone()[0]:  # type: ignore[index]
                break
            time.sleep(0.001)  # the rest is locked by the other claimer's step
    results.put((claimed, time.monotonic()))


def measure_raw(info: str, processes: int, batch: int) -> tuple[int, float, int]:
    """The raw loop in `processes` processes released together: (rows, seconds, unfired)."""
    ctx = mp.get_context("fork")
    gate, results = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=raw_claimer, args=(info, batch, gate, results)) for _ in range(processes)
    ]
    for proc in procs:
        proc.start()
    time.sleep(1)  # let each connect before the clock starts
    began = time.monotonic()
    gate.set()
    done = [results.get(timeout=900) for _ in procs]
    for proc in procs:
        proc.join()
    ((unfired,),) = sql(info, "SELECT count(*) FROM bench_raw_claims WHERE fired_at IS NULL")
    return sum(n for n, _ in done), max(end for _, end in done) - began, unfired


# -- report --------------------------------------------------------------------------------


def render(rows: list[Row], header: str, phases: list[tuple[str, float]]) -> str:
    table = Table(title=f"Fireline timer benchmark ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")
    for column in ("measure", "backend", "value", "target", "ceiling/notes"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row.measure, row.backend, row.value, row.target, row.notes)
    console.print(header)
    console.print(table)
    timing = "Phases: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in phases) + "."
    console.print(timing)
    lines = [
        header,
        "",
        "| measure | backend | value | target | ceiling/notes |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.measure} | {r.backend} | {r.value} | {r.target} | {r.notes} |".replace("\n", " ")
        for r in rows
    ]
    return "\n".join([*lines, "", timing]) + "\n"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 incidents, 20 s window")
    parser.add_argument("--incidents", type=int, help="open Sev-1 incidents (default 100,000)")
    parser.add_argument("--window", type=float, help="seconds the first timers spread over")
    parser.add_argument(
        "--lead", type=float, default=30.0, help="seconds from re-timing to the window"
    )
    parser.add_argument("--workers", type=int, default=2, help="fireline worker processes")
    parser.add_argument("--batch", type=int, default=500, help="timers per worker step")
    parser.add_argument("--load-batch", type=int, default=1000, help="drafts per declare call")
    parser.add_argument(
        "--pg-admin-url",
        default=os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    args.incidents = args.incidents or (10_000 if args.quick else 100_000)
    args.window = args.window or (20.0 if args.quick else 60.0)
    phases: list[tuple[str, float]] = []

    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    document = dict(load_preset(POLICY).document)
    del document["notifications"]
    POLICY_FILE.write_text(yaml.safe_dump(document), encoding="utf-8")
    url = pg_create(args.pg_admin_url, DATABASE)
    info = conninfo(url)
    console.print(
        f"declaring {args.incidents:,} Sev-1 incidents ({POLICY_FILE.stem}) into {DATABASE}"
    )
    phases.append(("load", load_incidents(url, args.incidents, args.window, args.load_batch)))
    ((timers,),) = sql(info, "SELECT count(*) FROM timers")
    sql(info, "VACUUM ANALYZE timers")

    console.print(f"lateness: {args.workers} workers, {timers:,} timers, window {args.window} s")
    began = time.monotonic()
    with Workers(url, args.workers, args.batch, "lateness") as workers:
        workers.wait_started()
        start, committed = retime(info, args.lead)
        end = start + timedelta(seconds=args.window)
        margin = (start - committed).total_seconds()
        console.print(
            f"  window {start:%H:%M:%S}–{end:%H:%M:%S} UTC; re-timed {margin:.1f} s before"
        )
        lateness = measure_lateness(info, start, end)
    problems = workers.problems()
    phases.append(("lateness", time.monotonic() - began))

    console.print("backlog: making every timer still to come due now")
    began = time.monotonic()
    rows = make_backlog(info)
    phases.append(("backlog set-up", time.monotonic() - began))
    console.print(f"backlog: {rows:,} timers, {args.workers} workers")
    began = time.monotonic()
    backlog = measure_backlog(info, url, rows, args)
    problems += backlog.problems
    phases.append(("backlog", time.monotonic() - began))

    console.print(f"raw claim loop: {rows:,} rows, {args.workers} processes")
    began = time.monotonic()
    raw_rows, raw_seconds, raw_unfired = measure_raw(info, args.workers, args.batch)
    raw_rate = raw_rows / raw_seconds
    phases.append(("raw loop", time.monotonic() - began))
    for problem in problems:
        console.print(f"[yellow]worker log:[/yellow] {problem}", highlight=False)

    verdict = "ok" if lateness.p99 <= 1.0 else "OVER"
    share = backlog.rate / raw_rate if raw_rate else 0.0
    fired = "all fired" if lateness.unfired == 0 else f"{lateness.unfired} NOT FIRED"
    once = "exactly once: ok" if backlog.exactly_once else "exactly once: MISMATCH"
    result_rows = [
        Row(
            f"timer lateness p50/p99 ({args.workers} workers)",
            "postgresql",
            f"p50 {ms(lateness.p50)} / p99 {ms(lateness.p99)}",
            "p99 ≤ 1 s",
            f"{verdict}; n={lateness.count:,} first timers due over {args.window:.0f} s "
            f"({lateness.count / args.window:,.0f}/s), max {ms(lateness.max)}, {fired}, "
            f"{lateness.early} fired early, {lateness.steps:,} steps; {args.incidents:,} open "
            f"incidents, {timers:,} timers; batch {args.batch}; lateness = fired_at - due_at, "
            "fired_at being the step's clock read just before its claim (the commit follows "
            "within the step); "
            f"window began {margin:.1f} s after the re-timing committed",
        ),
        Row(
            f"timer actions/s ({args.workers} workers, backlog {rows:,})",
            "postgresql",
            f"{backlog.rate:,.0f}/s",
            "≥ 10,000/s",
            f"{'ok' if backlog.rate >= 10_000 else 'UNDER'}; {share:.0%} of raw loop; "
            f"{backlog.fired:,} fired in {backlog.seconds:.1f} s (first claim to empty), "
            f"{backlog.steps:,} steps; batch {args.batch}; {once} ({backlog.events:,} timeline "
            f"events, {backlog.distinct_keys:,} distinct incident+key, "
            f"{backlog.fired_total:,} of {timers:,} timers fired); worker log problems: "
            f"{len(problems)}",
        ),
        Row(
            f"raw SKIP LOCKED claim loop ({args.workers} procs)",
            "postgresql",
            f"{raw_rate:,.0f} rows/s",
            "-",
            f"ceiling; {raw_rows:,} rows in {raw_seconds:.1f} s, {raw_unfired} left; psycopg 3, "
            f"BEGIN / SELECT … LIMIT {args.batch} FOR UPDATE SKIP LOCKED / UPDATE … "
            "SET fired_at = now() / COMMIT",
        ),
    ]
    ((version,),) = sql(info, "SHOW server_version")
    header = (
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPUs; "
        f"PostgreSQL {version}; {args.incidents:,} open Sev-1 incidents ({POLICY_FILE.stem}), "
        f"{args.workers} × `fireline worker --batch {args.batch}`."
    )
    markdown = render(result_rows, header, phases)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "timers.md").write_text(markdown)
    console.print(f"written to {RESULTS / 'timers.md'}")
    if problems or not backlog.exactly_once or lateness.unfired:
        sys.exit(1)


if __name__ == "__main__":
    main()
