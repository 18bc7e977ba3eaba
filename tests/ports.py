"""Ports for the servers tests start, which no other test or connection can take first.

A server started as its own process (or aiosmtpd's controller) is told its port before it
binds. A port from ``bind(("127.0.0.1", 0))`` then closed is free only for a moment: it lies
in the kernel's ephemeral range, which any outgoing connection may take before the server
binds, and under pytest-xdist another worker may be handed the same one. So ports here come
from outside the ephemeral range (nothing outgoing uses them), from a band of their own
for each xdist worker (a process without xdist takes one of a separate set), walked in
order so that one process never hands a port out twice, and each checked free by binding
it.
"""

from __future__ import annotations

import itertools
import os
import random
import socket
from collections.abc import Iterator
from pathlib import Path

LOWEST = 10_000
"""Ports below this are left to services (PostgreSQL, Redis, …)."""
OUTSIDE_XDIST = 8
"""Bands for processes without xdist (chosen by process ID)."""
SMALLEST_BAND = 50


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[:2]
        return int(low), int(high)
    except (OSError, ValueError):
        return 32_768, 60_999  # Linux's default


def _band() -> list[int]:
    """This process's ports. Those outside the ephemeral range are split in two halves:
    the first among the xdist workers of this run, the second among processes without
    xdist (a stress run, say), so that one can run beside the whole suite."""
    low, high = _ephemeral_range()
    usable = [*range(LOWEST, low), *range(max(LOWEST, high + 1), 65_536)]
    half = len(usable) // 2
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1" …; unset without xdist
    if worker is not None:
        count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
        pool, slots, slot = usable[:half], count, int(worker.removeprefix("gw") or 0)
    else:
        pool, slots, slot = usable[half:], OUTSIDE_XDIST, os.getpid() % OUTSIDE_XDIST
    size = len(pool) // slots
    if size < SMALLEST_BAND:
        raise RuntimeError(
            f"too few ports outside the ephemeral range ({low}-{high}) for {slots} test"
            " processes: run fewer (pytest -n N)"
        )
    return pool[slot * size : (slot + 1) * size]


def _walk(band: list[int]) -> Iterator[int]:
    # A random start: two test runs at once on one machine (a stress run beside the suite)
    # are unlikely to walk the same ports at the same time.
    start = random.randrange(len(band))
    return itertools.cycle([*band[start:], *band[:start]])


_BAND = _band()
_PORTS = _walk(_BAND)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on and that no other call here returns
    (until this process has used its whole band)."""
    for port in itertools.islice(_PORTS, len(_BAND)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use, or still in TIME_WAIT from an earlier server
            return port
    raise RuntimeError(f"no free port in {_BAND[0]}-{_BAND[-1]}")
