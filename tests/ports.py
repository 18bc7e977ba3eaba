"""Ports for the servers tests start, which no other test or connection can take first.

A server started as its own process (or aiosmtpd's controller) is told its port before it
binds. A port from ``bind(("127.0.0.1", 0))`` then closed is free only for a moment: it lies
in the kernel's ephemeral range, which any outgoing connection may take before the server
binds, and under pytest-xdist another worker may be handed the same one. So ports here come
from below the ephemeral range (nothing outgoing uses it), from a band of their own for
each xdist worker (the lower half of the bands; a process without xdist takes one of the
upper half), walked in order so that one process never hands a port out twice, and
each checked free by binding it.
"""

from __future__ import annotations

import itertools
import os
import random
import socket
from collections.abc import Iterator
from pathlib import Path

BAND = 800
"""Ports per xdist worker."""
LOWEST = 10_000


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default, and below the IANA range other systems use


def _band() -> range:
    bands = max(2, (_ephemeral_start() - LOWEST) // BAND)
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1" …; unset without xdist
    if worker is not None:
        index = int(worker.removeprefix("gw") or 0) % (bands // 2)
    else:
        # A run without xdist (a stress run, say) takes a band from the upper half, which
        # xdist workers leave alone, so that it can run beside the whole suite.
        index = bands // 2 + os.getpid() % (bands - bands // 2)
    first = LOWEST + index * BAND
    return range(first, first + BAND)


def _walk() -> Iterator[int]:
    band = _band()
    # A random start: two test runs at once on one machine (a stress run beside the suite)
    # are unlikely to walk the same ports at the same time.
    start = random.randrange(len(band))
    return itertools.cycle([*band[start:], *band[:start]])


_PORTS = _walk()


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on and that no other call here returns
    (until this process has used its whole band)."""
    for port in itertools.islice(_PORTS, BAND):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use, or still in TIME_WAIT from an earlier server
            return port
    raise RuntimeError(f"no free port in {_band()}")
