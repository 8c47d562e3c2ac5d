"""Memory and CPU time of a server process and everything it started, read from /proc."""
from __future__ import annotations

import os
from pathlib import Path

from harness.processes import descendants


def rss_bytes(pid: int) -> int:
    """Resident memory (VmRSS) of a process plus all its descendants, in bytes."""
    total = 0
    for each in [pid, *descendants(pid)]:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def stat_cpu_ticks(stat: str) -> int:
    """Clock ticks in /proc/<pid>/stat text: utime + stime, plus cutime + cstime (children it waited for).

    The command name (field 2) is in parentheses and may hold spaces, so fields are counted after
    its last ')'. Children that ended and were waited for count in their parent, so summing this
    over a live process tree counts every process once, ended ones (e.g. PostgreSQL backends) too.
    """
    fields = stat.rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14))  # fields 14-17 of proc(5)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time used so far by a process and its descendants (ended ones included)."""
    ticks = 0
    for each in [pid, *descendants(pid)]:
        try:
            ticks += stat_cpu_ticks(Path(f"/proc/{each}/stat").read_text())
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")
