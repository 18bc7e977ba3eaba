"""Throughput load with wrk and `declare.lua`; latency sampling with one sequential client."""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

LUA = Path(__file__).with_name("declare.lua")


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    rate: float
    non_2xx: int
    socket_errors: int
    p99_ms: float
    raw: str


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(
    url: str, args: list[str], *, seconds: int, threads: int, connections: int
) -> WrkResult:
    """Run wrk with `declare.lua` against `url` (`args` go to the script's init)."""
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        "--",
        *args,
    ]
    raw = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(m?s)", raw)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", raw)
    if done is None or rate is None:
        raise RuntimeError(f"cannot parse wrk output:\n{raw}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", raw)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", raw)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", raw, re.MULTILINE)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return WrkResult(
        requests=int(done.group(1)),
        seconds=float(done.group(2)) / (1000 if done.group(3) == "ms" else 1),
        rate=float(rate.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        p99_ms=float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan"),
        raw=raw,
    )


@dataclass(frozen=True)
class Latency:
    kind: str
    count: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    samples: list[float]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def sample_latency(
    client: httpx.Client,
    kind: str,
    urls: list[str],
    *,
    count: int,
    budget_s: float,
) -> Latency:
    """GET the `urls` round-robin, one at a time, `count` times (or until `budget_s`)."""
    client.get(urls[0]).raise_for_status()  # one warm-up, not counted
    samples: list[float] = []
    started = time.perf_counter()
    for i in range(count):
        begin = time.perf_counter()
        response = client.get(urls[i % len(urls)])
        samples.append((time.perf_counter() - begin) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{kind}: {response.status_code} {response.text[:300]}")
        if time.perf_counter() - started > budget_s:
            break
    return Latency(
        kind,
        len(samples),
        statistics.median(samples),
        percentile(samples, 0.99),
        max(samples),
        samples,
    )
