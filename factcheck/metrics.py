"""The Prometheus endpoint (`/metrics`) and the registry the apps put their collectors in.

Web and workers run in many processes, so counting in memory would give each process's share: the
desk's figures are read from the truth at scrape time instead. Each app registers, in its
AppConfig.ready, a function that returns prometheus_client metric families, cheap enough to run on
every scrape (one query each, on an index; see docs/PERFORMANCE.md, "Metrics"):

    # evidence/apps.py, in ready() (also claims, workers and webhooks: see their metrics.py)
    from factcheck import metrics
    from evidence.metrics import fetch_job_metrics

    metrics.register("fetch_jobs", fetch_job_metrics, cached=True)  # a whole-table GROUP BY

factcheck/ imports no app: the apps come to it. A collector that raises (its database or broker is
down) is left out of that scrape and counted in `factcheck_metrics_collector_errors`; the others
still answer. Besides the desk's collectors the page has prometheus_client's process metrics and
django-prometheus's request metrics (per web process; with PROMETHEUS_MULTIPROC_DIR set, those of
all the processes sharing the folder).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from factcheck.http.errors import json_error

log = logging.getLogger(__name__)

CollectFunction = Callable[[], Iterable[Metric]]

_collectors: dict[str, CollectFunction] = {}
# Collectors whose answer is kept in the shared cache for FACTCHECK_METRICS_CACHE_SECONDS.
_cached: set[str] = set()
CACHE_PREFIX = "factcheck:metrics:"


def register(name: str, collect: CollectFunction, *, cached: bool = False) -> None:
    """Add (or replace: ready() may run again in tests) the collector called `name`. `cached`: its
    answer is kept in Django's cache (shared by every web process) for
    FACTCHECK_METRICS_CACHE_SECONDS, for a collector that must read a whole table (counters then
    lag by at most that long; several Prometheus servers, or many web processes, cost one query
    per period between them)."""
    _collectors[name] = collect
    if cached:
        _cached.add(name)
    else:
        _cached.discard(name)


def registered() -> dict[str, CollectFunction]:
    return dict(_collectors)


def _families(name: str, collect: CollectFunction) -> list[Metric]:
    seconds = settings.FACTCHECK_METRICS_CACHE_SECONDS
    if name not in _cached or seconds <= 0:
        return list(collect())
    key = CACHE_PREFIX + name
    families = cache.get(key)
    if families is None:
        families = list(collect())
        cache.set(key, families, seconds)
    return families


class DeskCollector(Collector):
    """Runs every registered collector at scrape time, timing each."""

    def collect(self) -> Iterator[Metric]:
        seconds = GaugeMetricFamily(
            "factcheck_metrics_collector_seconds",
            "How long each collector took in this scrape.",
            labels=["collector"],
        )
        errors = GaugeMetricFamily(
            "factcheck_metrics_collector_errors",
            "1 if the collector failed in this scrape (its metrics are missing), else 0.",
            labels=["collector"],
        )
        for name, collect in sorted(_collectors.items()):
            started = time.perf_counter()
            try:
                families = _families(name, collect)
            except Exception:  # one broken source must not blank the whole page
                log.exception("Metrics collector %s failed", name)
                families = []
                errors.add_metric([name], 1)
            else:
                errors.add_metric([name], 0)
            seconds.add_metric([name], time.perf_counter() - started)
            yield from families
        yield seconds
        yield errors


DESK_COLLECTOR = DeskCollector()
REGISTRY.register(DESK_COLLECTOR)


def _registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(DESK_COLLECTOR)
    return registry


# --- access -------------------------------------------------------------------------------------------


def caller_allowed(request: HttpRequest) -> bool:
    """The right bearer token (compared in constant time), or an address in FACTCHECK_METRICS_ALLOW.
    REMOTE_ADDR is the peer's address: behind a proxy, that is the proxy (use the token)."""
    token = settings.FACTCHECK_METRICS_TOKEN
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(sent.strip(), token):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.FACTCHECK_METRICS_NETWORKS)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not caller_allowed(request):
        if request.headers.get("Authorization"):
            return json_error(403, "permission_denied", "This token may not read the metrics.")
        response = json_error(
            401,
            "not_authenticated",
            "Send Authorization: Bearer <FACTCHECK_METRICS_TOKEN>, or scrape from an address "
            "in FACTCHECK_METRICS_ALLOW.",
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    # The text format Prometheus asks for in its Accept header (OpenMetrics, or text 0.0.4).
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encode(_registry()), content_type=content_type)
