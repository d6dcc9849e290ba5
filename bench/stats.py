"""Percentiles and medians, the only statistics the benchmark reports."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The p-th percentile of already sorted values, by linear interpolation between ranks."""
    if not sorted_values:
        raise ValueError("no values")
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    rank = (len(sorted_values) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return float(sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low))


def median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(statistics.median(present)) if present else None


def median_run(runs: list[dict], key: str) -> dict:
    """The run whose `key` is the median of the repeats (for odd counts an actual run; the other
    figures reported beside it come from the same run, so they stay consistent)."""
    ordered = sorted(runs, key=lambda r: (r.get(key) is None, r.get(key) or 0))
    return ordered[(len(ordered) - 1) // 2]
