"""pytest fixtures around the stub server. Import them in a conftest.py:

from tests.stubs.fixtures import stub, stub_server, stub_settings  # noqa: F401
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings as django_settings

from factcheck.ratelimit import KEY_PREFIX
from tests.stubs.server import STUB_API_KEY, STUB_GEOCODER_HINT, STUB_MAP_KEY, StubServer


@pytest.fixture(scope="session")
def stub_server() -> Iterator[StubServer]:
    with StubServer() as server:
        yield server


@pytest.fixture
def stub(stub_server: StubServer) -> Iterator[StubServer]:
    """The stub, with no scripted answers and an empty request log."""
    stub_server.state.reset()
    yield stub_server
    stub_server.state.reset()


def stub_providers(base_url: str) -> dict:
    """settings.FACTCHECK_PROVIDERS pointed at the stub (the in-process twin of provider_env)."""
    providers = copy.deepcopy(django_settings.FACTCHECK_PROVIDERS)
    urls = {
        "satellite_scenes": "/stac",
        "thermal_anomalies": "/firms",
        "archive": "/archive",
        "news_coverage": "/gdelt",
        "prior_fact_checks": "/factchecktools",
        "place_lookup": "/nominatim",
    }
    for name, path in urls.items():
        providers[name]["base_url"] = base_url + path
        providers[name]["enabled"] = True
    providers["archive"]["cdx_url"] = base_url + "/archive"
    providers["thermal_anomalies"]["api_key"] = STUB_MAP_KEY
    providers["prior_fact_checks"]["api_key"] = STUB_API_KEY
    providers["place_lookup"]["hint"] = STUB_GEOCODER_HINT
    providers["web_source"]["enabled"] = True
    for conf in providers.values():
        # Tests count requests; they should not spend their time waiting for rate limits.
        conf["rate_per_second"] = 1000.0
    return providers


def clear_rate_limits() -> None:
    if not django_settings.REDIS_URL:
        return
    client = redis.Redis.from_url(django_settings.REDIS_URL)
    keys = list(client.scan_iter(match=KEY_PREFIX + "*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def stub_settings(settings, stub: StubServer) -> StubServer:  # type: ignore[no-untyped-def]
    """Every provider pointed at the stub, loopback allowed, retries quick."""
    settings.FACTCHECK_PROVIDERS = stub_providers(stub.url)
    settings.FACTCHECK_SSRF_ALLOW_LOOPBACK = True
    settings.FACTCHECK_HTTP_BACKOFF_BASE = 0.01
    settings.FACTCHECK_HTTP_BACKOFF_MAX = 0.05
    settings.FACTCHECK_HTTP_RETRY_AFTER_MAX = 1.0
    settings.FACTCHECK_HTTP_TIMEOUT = 5.0
    clear_rate_limits()
    return stub
