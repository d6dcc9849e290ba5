"""The API's throttles: DRF's scopes and rates ("1200/minute" per user, "60/minute" per anonymous
address), counted by the shared GCRA limiter of factcheck.ratelimit instead of DRF's request log.

DRF's SimpleRateThrottle keeps every request time of the window in a cache entry that it reads,
unpickles, trims, pickles and writes back on each request: work that grows with the rate. The
limiter keeps one number per client and updates it with one atomic Redis call (or in process memory
when REDIS_URL is not set). A client may make `num_requests` in a burst, and then one every
`duration / num_requests` seconds: never more than the rate over any window of `duration`."""

from __future__ import annotations

from typing import Any

from rest_framework import throttling
from rest_framework.request import Request

from factcheck.ratelimit import Rate, RateLimitExceeded, shared_limiter

KEY_PREFIX = "api-throttle:"


class LimiterThrottleMixin:
    rate: str | None
    num_requests: int
    duration: int

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)  # type: ignore[attr-defined]
        if key is None:
            return True
        limit = Rate(per_second=self.num_requests / self.duration, burst=self.num_requests)
        try:
            shared_limiter().reserve(KEY_PREFIX + key, limit, 0.0)
        except RateLimitExceeded as refused:
            self._wait = refused.wait
            return False
        return True

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


class UserRateThrottle(LimiterThrottleMixin, throttling.UserRateThrottle):
    pass


class AnonRateThrottle(LimiterThrottleMixin, throttling.AnonRateThrottle):
    pass
