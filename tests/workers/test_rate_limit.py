"""Per-provider rate limits shared by all worker processes through Redis. Asserted by counting
requests at the stub and by the waits the limiter hands out, never by the clock."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings as django_settings

from factcheck.ratelimit import KEY_PREFIX, LocalLimiter, Rate, RateLimitExceeded, SharedLimiter
from tests.stubs.server import Canned, StubServer
from workers.http import HttpClient, HttpError


@pytest.fixture
def key() -> Iterator[str]:
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    redis.Redis.from_url(django_settings.REDIS_URL).delete(KEY_PREFIX + name)


def test_two_processes_share_one_budget_through_redis(key: str) -> None:
    # Two limiters with their own connections stand for two worker processes.
    first, second = (
        SharedLimiter(django_settings.REDIS_URL),
        SharedLimiter(django_settings.REDIS_URL),
    )
    rate = Rate(per_second=1.0, burst=2)
    waits = [
        first.reserve(key, rate, max_wait=10),
        second.reserve(key, rate, max_wait=10),
        first.reserve(key, rate, max_wait=10),
        second.reserve(key, rate, max_wait=10),
    ]
    assert waits[0] == 0 and waits[1] == 0  # the burst
    assert 0 < waits[2] <= 1.0  # then one a second, whoever asks
    assert 1.0 < waits[3] <= 2.0


def test_a_slot_further_than_the_longest_wait_is_refused_and_not_reserved(key: str) -> None:
    limiter = SharedLimiter(django_settings.REDIS_URL)
    rate = Rate(per_second=0.01)  # one request per 100 s
    assert limiter.reserve(key, rate, max_wait=5) == 0
    with pytest.raises(RateLimitExceeded):
        limiter.reserve(key, rate, max_wait=5)
    with pytest.raises(RateLimitExceeded) as caught:
        limiter.reserve(key, rate, max_wait=5)
    assert caught.value.wait <= 100  # the refused attempt did not push the slot further away


def test_without_redis_each_process_limits_itself() -> None:
    limiter = SharedLimiter("")
    rate = Rate(per_second=2.0)
    assert limiter.reserve("local", rate, max_wait=10) == 0
    assert 0 < limiter.reserve("local", rate, max_wait=10) <= 0.5


def test_an_unreachable_redis_falls_back_to_the_process_limit() -> None:
    limiter = SharedLimiter("redis://127.0.0.1:9/0")  # nothing listens on the discard port
    rate = Rate(per_second=2.0)
    assert limiter.reserve("fallback", rate, max_wait=10) == 0
    assert limiter.reserve("fallback", rate, max_wait=10) > 0


def test_local_limiter_spaces_requests_at_the_rate() -> None:
    limiter = LocalLimiter()
    waits = [limiter.reserve("k", Rate(per_second=4.0), max_wait=10) for _ in range(3)]
    assert waits[0] == 0
    assert waits[1] == pytest.approx(0.25, abs=0.05)
    assert waits[2] == pytest.approx(0.5, abs=0.05)


def test_a_provider_over_its_rate_gets_a_transient_error_and_sends_nothing(
    stub_settings: StubServer, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_PROVIDERS["news_coverage"]["rate_per_second"] = 0.01
    settings.FACTCHECK_RATE_LIMIT_MAX_WAIT = 1.0
    with HttpClient("news_coverage") as http:
        http.get(f"{stub_settings.url}/echo")
        with pytest.raises(HttpError) as caught:
            http.get(f"{stub_settings.url}/echo")
    assert caught.value.permanent is False
    assert "Rate limit" in caught.value.message
    assert len(stub_settings.requests("/echo")) == 1


def test_clients_of_different_workers_share_the_provider_budget(
    stub_settings: StubServer, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_PROVIDERS["news_coverage"]["rate_per_second"] = 0.01
    settings.FACTCHECK_RATE_LIMIT_MAX_WAIT = 1.0
    worker_one = HttpClient("news_coverage", limiter=SharedLimiter(settings.REDIS_URL))
    worker_two = HttpClient("news_coverage", limiter=SharedLimiter(settings.REDIS_URL))
    worker_one.get(f"{stub_settings.url}/echo")
    with pytest.raises(HttpError):
        worker_two.get(f"{stub_settings.url}/echo")
    # Another provider has its own budget.
    HttpClient("prior_fact_checks").get(f"{stub_settings.url}/echo")
    assert len(stub_settings.requests("/echo")) == 2


def test_every_retry_counts_against_the_rate(stub_settings: StubServer) -> None:
    reserved: list[str] = []

    class Counting(LocalLimiter):
        def reserve(self, key: str, rate: Rate, max_wait: float) -> float:
            reserved.append(key)
            return 0.0

    stub_settings.script("/echo", Canned(503), Canned(503))
    with HttpClient("news_coverage", limiter=Counting()) as http:  # type: ignore[arg-type]
        http.get(f"{stub_settings.url}/echo")
    assert reserved == ["news_coverage"] * 3
    assert len(stub_settings.requests("/echo")) == 3
