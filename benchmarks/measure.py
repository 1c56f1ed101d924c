"""Timing whole processes: wall time and peak memory of each run, and their summary.

Each run is started with :func:`subprocess.Popen` and reaped with :func:`os.wait4`, which
returns the resource usage of that one child: ``ru_maxrss`` is its peak resident memory
(KiB on Linux, bytes on macOS). Output goes to ``/dev/null`` (or a file), so a slow reader
never slows the process down.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_bytes: int
    exit_code: int
    cpu_seconds: float = 0.0  # user + system time of the child: what it costs, whatever else runs


@dataclass
class Series:
    """The runs of one command."""

    label: str
    runs: list[Run] = field(default_factory=list)

    @property
    def times(self) -> list[float]:
        return [run.seconds for run in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def low(self) -> float:
        return min(self.times)

    @property
    def high(self) -> float:
        return max(self.times)

    @property
    def cpu_median(self) -> float:
        return statistics.median(run.cpu_seconds for run in self.runs)

    @property
    def peak_mib(self) -> float:
        return max(run.peak_bytes for run in self.runs) / 2**20

    @property
    def exit_codes(self) -> set[int]:
        return {run.exit_code for run in self.runs}


def run_once(argv: Sequence[str], *, env: dict[str, str] | None = None, cwd: str | None = None) -> Run:
    """Run ``argv`` to completion; its wall time, peak memory and exit code."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    scale = 1 if sys.platform == "darwin" else 1024
    return Run(seconds, usage.ru_maxrss * scale, process.returncode, usage.ru_utime + usage.ru_stime)


def measure(
    commands: dict[str, Sequence[str]],
    *,
    runs: int,
    env: dict[str, str] | None = None,
    prepare: Callable[[str], None] | None = None,
    warmup: int = 1,
) -> dict[str, Series]:
    """Run every command ``runs`` times, interleaved (A B A B ...), after ``warmup`` untimed rounds.

    Interleaving exposes the commands to the same background noise, which matters when one is
    compared with another. ``prepare(label)`` runs before every run, outside the timing (for
    example to restore a file an edit changes).
    """
    series = {label: Series(label) for label in commands}
    for round_number in range(warmup + runs):
        for label, argv in commands.items():
            if prepare is not None:
                prepare(label)
            result = run_once(argv, env=env)
            if round_number >= warmup:
                series[label].runs.append(result)
    return series


def in_process(function: Callable[[], object], *, runs: int) -> list[float]:
    """Wall times of ``function()`` called ``runs`` times in this process (after one warm-up call)."""
    function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times
