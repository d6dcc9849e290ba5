"""Claims with dates at the ends of the calendar (0001-01-01, 9999-12-31) saved without the API's
validation: every provider answers with evidence or a ProviderError that says why, never a crash,
and what it sends the service is a date the service can read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from claims.workflow import State
from evidence.models import FetchJob, FetchStatus, Provider
from evidence.providers import registry
from evidence.providers._claim import claim_window
from evidence.providers.errors import ProviderError
from tests.factories import ClaimFactory, TicketFactory
from tests.stubs.server import StubServer
from workers.http import HttpClient
from workers.runner import fetch_job_run

FIRST = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
LAST = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
EAST = dt.timezone(dt.timedelta(hours=3))
WEST = dt.timezone(dt.timedelta(hours=-5))
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)  # no claim date is searched before it

EXTREMES = {
    "whole calendar": {"event_start": FIRST, "event_end": LAST},
    "whole calendar, local zones": {
        "event_start": dt.datetime(1, 1, 1, tzinfo=EAST),
        "event_end": dt.datetime(9999, 12, 31, 23, 59, tzinfo=WEST),
    },
    "first day only": {"event_start": FIRST, "event_end": None},
    "last day only": {"event_start": None, "event_end": LAST},
    "claimed on the first day": {"claimed_at": dt.date(1, 1, 1)},
    "claimed on the last day": {"claimed_at": dt.date(9999, 12, 31)},
}


def extreme_claim(stub: StubServer, dates: dict) -> object:
    return ClaimFactory.build(
        latitude=57.98,
        longitude=33.25,
        source_url=f"{stub.url}/pages/article.html",
        **dates,
    )


@pytest.mark.parametrize("provider_name", sorted(registry.MODULES))
@pytest.mark.parametrize("dates", EXTREMES.values(), ids=EXTREMES.keys())
def test_every_provider_survives_extreme_claim_dates(
    stub_settings: StubServer, provider_name: str, dates: dict
) -> None:
    provider = registry.get(provider_name)
    claim = extreme_claim(stub_settings, dates)
    try:
        with HttpClient(provider_name) as http:
            found = provider.fetch(claim, http=http, extra_urls=[])
    except ProviderError as error:
        assert error.permanent is True  # a date will not get better by retrying
        assert error.message
    else:
        assert isinstance(found, list)


def test_the_whole_calendar_saturates_at_sane_bounds() -> None:
    now = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)
    claim = ClaimFactory.build(event_start=FIRST, event_end=LAST)
    assert claim_window(claim, days_before=7, days_after=7, now=now) == (EARLIEST, now)


def test_a_window_in_local_zones_at_the_ends_of_the_calendar_saturates() -> None:
    now = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)
    claim = ClaimFactory.build(**EXTREMES["whole calendar, local zones"])
    assert claim_window(claim, days_before=1, days_after=1, now=now) == (EARLIEST, now)


def test_a_claim_on_the_last_day_is_in_the_future() -> None:
    claim = ClaimFactory.build(claimed_at=dt.date(9999, 12, 31))
    with pytest.raises(ProviderError, match="in the future") as caught:
        claim_window(claim, days_before=7, days_after=7)
    assert caught.value.permanent is True


def test_a_window_before_the_earliest_covered_date_says_so() -> None:
    claim = ClaimFactory.build(event_start=FIRST, event_end=None)
    with pytest.raises(ProviderError, match="1 January 1900") as caught:
        claim_window(claim, days_before=7, days_after=7)
    assert caught.value.permanent is True


def test_gdelt_is_asked_for_its_own_coverage_in_its_timestamp_format(
    stub_settings: StubServer,
) -> None:
    claim = extreme_claim(stub_settings, EXTREMES["whole calendar"])
    provider = registry.get("news_coverage")
    with HttpClient(provider.name) as http:
        found = provider.fetch(claim, http=http, extra_urls=[])
    assert found
    (asked,) = stub_settings.requests("/gdelt/api/v2/doc/doc")
    assert asked.param("startdatetime") == "20170101000000"  # the DOC API searches back to 2017
    end = dt.datetime.strptime(asked.param("enddatetime"), "%Y%m%d%H%M%S")
    assert end.date() == timezone.now().date()


def test_firms_refuses_a_window_of_centuries_without_asking(stub_settings: StubServer) -> None:
    claim = extreme_claim(stub_settings, EXTREMES["whole calendar"])
    provider = registry.get("thermal_anomalies")
    with HttpClient(provider.name) as http, pytest.raises(ProviderError) as caught:
        provider.fetch(claim, http=http, extra_urls=[])
    assert caught.value.permanent is True
    assert "narrower event window" in caught.value.message
    assert stub_settings.requests(prefix="/firms/") == []


def test_firms_day_ranges_stay_within_its_archive(stub_settings: StubServer) -> None:
    claim = extreme_claim(
        stub_settings,
        {"event_start": FIRST, "event_end": dt.datetime(2000, 11, 3, tzinfo=dt.UTC)},
    )
    provider = registry.get("thermal_anomalies")
    with HttpClient(provider.name) as http:
        provider.fetch(claim, http=http, extra_urls=[])
    dates = {s.path.rsplit("/", 2)[-2:][1] for s in stub_settings.requests(prefix="/firms/")}
    days = {s.path.rsplit("/", 2)[-2] for s in stub_settings.requests(prefix="/firms/")}
    assert dates == {"2000-11-01"}  # the MODIS archive begins on 1 November 2000
    assert days == {"4"}  # to the day after the event


@pytest.mark.parametrize(
    ("claimed_at", "stamp"),
    [(dt.date(1, 1, 1), "19960101"), (dt.date(9999, 12, 31), None)],
    ids=["first day", "last day"],
)
def test_wayback_is_asked_for_a_timestamp_it_can_read(
    stub_settings: StubServer, claimed_at: dt.date, stamp: str | None
) -> None:
    claim = extreme_claim(stub_settings, {"claimed_at": claimed_at})
    provider = registry.get("archive")
    with HttpClient(provider.name) as http:
        found = provider.fetch(claim, http=http, extra_urls=[])
    assert found
    expected = stamp or timezone.now().strftime("%Y%m%d")  # nothing is archived in the future
    assert stub_settings.requests("/archive/wayback/available")[0].param("timestamp") == expected
    assert stub_settings.requests("/archive/cdx/search/cdx")[0].param("closest") == expected


@pytest.mark.django_db
@pytest.mark.parametrize("provider", list(Provider))
def test_no_job_on_a_claim_saved_with_extreme_dates_ends_in_an_internal_error(
    stub_settings: StubServer, provider: str
) -> None:
    # Saved around the API's validation (a migration, the shell, an import).
    claim = ClaimFactory(
        source_url=f"{stub_settings.url}/pages/article.html",
        latitude=57.98,
        longitude=33.25,
        claimed_at=dt.date(1, 1, 1),
        event_start=FIRST,
        event_end=LAST,
    )
    job = FetchJob.objects.create(
        ticket=TicketFactory(claim=claim, state=State.RESEARCHING), provider=provider
    )

    fetch_job_run(job.pk, task_id="t1")

    job.refresh_from_db()
    assert "Internal error" not in job.last_error, job.last_error
    if provider == Provider.THERMAL_ANOMALIES:  # 26 years of FIRMS in 5-day pieces: refused
        assert job.status == FetchStatus.FAILED
        assert "narrower event window" in job.last_error
    else:  # the window saturated at sane bounds: searched
        assert job.status == FetchStatus.SUCCEEDED, job.last_error
