"""Presentation of the desk overview (claims.overview): durations and rates as text, and the
geometry of its small server-rendered SVG charts. No figures are computed here, only drawn."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import template

from claims.overview import AGE_BUCKETS, OpenState, ReviewQueue
from evidence.overview import ProviderRuns

register = template.Library()

AGE_CHART_WIDTH = 500
AGE_LABEL_WIDTH = 100
AGE_BAR_WIDTH = 350
AGE_ROW_HEIGHT = 30
AGE_BAR_HEIGHT = 20
MINI_BAR_WIDTH = 80
MINI_BAR_HEIGHT = 12
NONE = "\N{EN DASH}"  # no figure
# A segment narrower than this shows its count only in its tooltip.
MIN_LABELLED_WIDTH = 18


@register.filter
def duration(value: timedelta | None) -> str:
    """A duration as a person says it: "0.4 s", "42 s", "3 min 5 s", "5 h 12 min", "3 d 4 h"."""
    if value is None:
        return NONE
    seconds = max(value.total_seconds(), 0.0)
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{round(seconds)} s"
    minutes, seconds = divmod(round(seconds), 60)
    if minutes < 10:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes + (seconds >= 30), 60)
    if hours == 0:
        return f"{minutes} min"
    days, hours = divmod(hours, 24)
    if days == 0:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{days} d {hours} h" if hours else f"{days} d"


@register.filter
def percent(fraction: float | None) -> str:
    return NONE if fraction is None else f"{round(fraction * 100)} %"


@dataclass(frozen=True)
class Segment:
    bucket: str
    label: str
    index: int
    count: int
    x: float
    width: float

    @property
    def labelled(self) -> bool:
        return self.width >= MIN_LABELLED_WIDTH

    @property
    def text_x(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class AgeRow:
    state: OpenState
    y: int
    segments: list[Segment]
    end_x: float

    @property
    def text_y(self) -> float:
        return self.y + AGE_BAR_HEIGHT / 2


def _scaled(value: float, largest: float, width: int) -> float:
    return round(value / largest * width, 1) if largest else 0.0


@register.inclusion_tag("admin/desk/age_chart.html")
def age_chart(open_states: list[OpenState], changelist_url: str) -> dict[str, Any]:
    """Stacked bars: one per open state, one segment per age bucket with tickets in it."""
    largest = max((s.total for s in open_states), default=0)
    rows = []
    for row_index, state in enumerate(open_states):
        x = float(AGE_LABEL_WIDTH)
        segments = []
        for index, (bucket, count) in enumerate(zip(AGE_BUCKETS, state.counts, strict=True)):
            width = _scaled(count, largest, AGE_BAR_WIDTH)
            if count:
                segments.append(Segment(bucket.key, bucket.label, index, count, x, width))
            x += width
        top = row_index * AGE_ROW_HEIGHT + (AGE_ROW_HEIGHT - AGE_BAR_HEIGHT) // 2
        rows.append(AgeRow(state, top, segments, x + 6))
    return {
        "rows": rows,
        "buckets": [(index, bucket.label) for index, bucket in enumerate(AGE_BUCKETS)],
        "width": AGE_CHART_WIDTH,
        "height": len(rows) * AGE_ROW_HEIGHT,
        "label_width": AGE_LABEL_WIDTH,
        "bar_height": AGE_BAR_HEIGHT,
        "changelist_url": changelist_url,
    }


@register.inclusion_tag("admin/desk/mini_bar.html")
def wait_bar(queue: ReviewQueue, waited: timedelta) -> dict[str, Any]:
    """A bar of a ticket's wait, to the scale of the longest wait in the queue."""
    longest = max((t.waited.total_seconds() for t in queue.tickets), default=0.0)
    width = _scaled(waited.total_seconds(), longest, MINI_BAR_WIDTH)
    return {
        "width": MINI_BAR_WIDTH,
        "height": MINI_BAR_HEIGHT,
        "parts": [("wait", 0, max(width, 1.0))],
        "title": f"waiting {duration(waited)}",
    }


@register.inclusion_tag("admin/desk/mini_bar.html")
def success_bar(runs: ProviderRuns) -> dict[str, Any]:
    """Succeeded and failed runs side by side, the whole bar being all runs."""
    succeeded = _scaled(runs.succeeded, runs.runs, MINI_BAR_WIDTH)
    parts = [("succeeded", 0.0, succeeded), ("failed", succeeded, MINI_BAR_WIDTH - succeeded)]
    return {
        "width": MINI_BAR_WIDTH,
        "height": MINI_BAR_HEIGHT,
        "parts": [p for p in parts if p[2] > 0] if runs.runs else [],
        "title": f"{runs.succeeded} succeeded, {runs.failed} failed",
    }


@register.inclusion_tag("admin/desk/mini_bar.html")
def run_time_bar(runs: ProviderRuns, providers: list[ProviderRuns]) -> dict[str, Any]:
    """A provider's median run time, to the scale of the slowest provider's."""
    slowest = max(
        (p.median_run_time.total_seconds() for p in providers if p.median_run_time), default=0.0
    )
    seconds = runs.median_run_time.total_seconds() if runs.median_run_time else 0.0
    width = _scaled(seconds, slowest, MINI_BAR_WIDTH)
    return {
        "width": MINI_BAR_WIDTH,
        "height": MINI_BAR_HEIGHT,
        "parts": [("run-time", 0.0, max(width, 1.0))] if runs.median_run_time else [],
        "title": f"median run time {duration(runs.median_run_time)}",
    }
