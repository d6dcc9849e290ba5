"""The providers' half of the desk overview (the admin index): how each provider's fetch jobs went
lately. One query whatever the number of jobs; the median is computed in the database
(`factcheck.aggregates.Median`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q

from claims.selectors import may_view_tickets
from evidence.models import FetchJob, FetchStatus, Provider
from evidence.selectors import VIEW_FETCHJOB_PERMISSION
from factcheck.aggregates import Median

if TYPE_CHECKING:
    from claims.selectors import User

COMPLETED = (FetchStatus.SUCCEEDED, FetchStatus.FAILED)


@dataclass(frozen=True)
class ProviderRuns:
    """One provider's jobs that finished in the period. A run is a job that succeeded or failed;
    skipped jobs (provider disabled, no key, ticket decided meanwhile) are counted apart and are
    in neither the success rate nor the run time."""

    provider: str
    label: str
    succeeded: int
    failed: int
    skipped: int
    median_run_time: timedelta | None  # started -> finished, over the runs

    @property
    def runs(self) -> int:
        return self.succeeded + self.failed

    @property
    def success_rate(self) -> float | None:
        """Succeeded runs as a fraction of all runs; None without runs."""
        return self.succeeded / self.runs if self.runs else None


def provider_runs(*, user: User, since: datetime) -> list[ProviderRuns] | None:
    """Every provider (in the order of `Provider`) with its jobs finished after `since`; None if
    the user may not see fetch jobs."""
    if not (may_view_tickets(user) and user.has_perm(VIEW_FETCHJOB_PERMISSION)):
        return None
    run_time = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    rows = (
        FetchJob.objects.filter(finished_at__gt=since)
        .values("provider")
        .annotate(
            succeeded=Count("pk", filter=Q(status=FetchStatus.SUCCEEDED)),
            failed=Count("pk", filter=Q(status=FetchStatus.FAILED)),
            skipped=Count("pk", filter=Q(status=FetchStatus.SKIPPED)),
            median_run_time=Median(
                run_time, filter=Q(status__in=COMPLETED, started_at__isnull=False)
            ),
        )
        .order_by("provider")
    )
    by_provider = {row["provider"]: row for row in rows}
    return [
        ProviderRuns(
            provider=provider.value,
            label=provider.label,
            succeeded=by_provider.get(provider.value, {}).get("succeeded", 0),
            failed=by_provider.get(provider.value, {}).get("failed", 0),
            skipped=by_provider.get(provider.value, {}).get("skipped", 0),
            median_run_time=by_provider.get(provider.value, {}).get("median_run_time"),
        )
        for provider in Provider
    ]
