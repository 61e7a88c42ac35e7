"""Shared by the benchmark scripts: peak memory of a child process."""

from __future__ import annotations

import contextlib
import time

import psutil


def watch_peak_rss(proc: psutil.Popen, interval: float = 0.05) -> float:
    """Poll ``proc`` (and its children) until it exits; return its peak RSS in MiB."""
    peak = 0.0
    while proc.poll() is None:
        try:
            rss = proc.memory_info().rss
            rss += sum(c.memory_info().rss for c in proc.children(recursive=True))
            peak = max(peak, rss / 2**20)
        except psutil.Error:
            pass
        time.sleep(interval)
    return peak


def watch_peak_pss(proc: psutil.Popen, interval: float = 0.25) -> float:
    """Poll ``proc`` and its children until it exits; return the peak of their summed PSS
    in MiB (proportional set size: a page shared by a forked worker and its parent counts
    once, where summed RSS would count it in each)."""
    peak = 0.0
    while proc.poll() is None:
        try:
            total = proc.memory_full_info().pss
            for child in proc.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_full_info().pss
            peak = max(peak, total / 2**20)
        except psutil.Error:
            pass
        time.sleep(interval)
    return peak
