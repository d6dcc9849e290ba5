"""The one HTTP client. Every provider call and every page fetch goes through `HttpClient`.

What it guarantees, whoever calls it:
- timeouts on connect and read, and a deadline for the whole body;
- retries with exponential backoff and full jitter on 429, 5xx, timeouts and dropped connections
  only (Retry-After honoured); every other answer is returned or raised at once;
- the provider's rate limit, shared by all worker processes (`factcheck.ratelimit`), for every attempt;
- a cap on the response size: the body is streamed and dropped past FACTCHECK_HTTP_MAX_BYTES;
- proxy variables ignored (trust_env=False): where requests go is decided here, not by the env;
- redirects followed here, hop by hop, at most FACTCHECK_HTTP_MAX_REDIRECTS;
- for URLs that users supplied (`untrusted=True`), the SSRF guard: only http(s); the host name is
  resolved once and every address checked (no loopback, private, link-local, CG-NAT, multicast,
  reserved, unspecified, unique-local, metadata, nor IPv4 ones hidden in IPv6); the connection goes
  to the address that was checked, with the original Host header and TLS server name, so a second
  DNS answer cannot swap in another address; each redirect hop is checked the same way.
"""

from __future__ import annotations

import email.utils
import functools
import ipaddress
import json
import logging
import random
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import certifi
import httpx
from django.conf import settings

from evidence.providers.errors import ProviderError
from factcheck.ratelimit import Rate, RateLimitExceeded, SharedLimiter, shared_limiter

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ALLOWED_SCHEMES = frozenset({"http", "https"})
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
# Checked by name so that the refusal says why; outside these, an IPv6 address must lie in the
# global unicast space (2000::/3) and every address must be `is_global`.
_REFUSED_NETWORKS: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.ip_network(net), reason)
    for net, reason in (
        ("0.0.0.0/8", "unspecified or 'this network'"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "carrier-grade NAT"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::/96", "IPv4-compatible (deprecated)"),
        ("64:ff9b:1::/48", "local-use NAT64"),
        ("100::/64", "discard-only"),
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("fc00::/7", "unique-local"),
        ("fe80::/10", "link-local"),
        ("ff00::/8", "multicast"),
    )
)
_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
# Forms whose last 32 bits are an IPv4 address that a translator or the host's own stack reaches.
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT (RFC 2765)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known NAT64 prefix (RFC 6052)
_LOOPBACK_NETWORKS = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


class HttpError(ProviderError):
    """A request that did not give a usable answer. `status` is set when the server answered."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        status: int | None = None,
        response: HttpResponse | None = None,
    ) -> None:
        super().__init__(message, permanent=permanent)
        self.status = status
        self.response = response


class UnsafeURL(HttpError):
    """A user-supplied URL that must not be fetched. Never retried."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


class ResponseTooLarge(HttpError):
    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


@dataclass(frozen=True)
class HttpResponse:
    status_code: int
    url: str
    headers: httpx.Headers
    content: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def encoding(self) -> str:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                return value.strip("\"'")
        return "utf-8"

    @property
    def text(self) -> str:
        try:
            return self.content.decode(self.encoding, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def json(self, *, strict: bool = True) -> Any:
        """The body as JSON; a body that is not JSON is a permanent error (it won't improve)."""
        try:
            return json.loads(self.text, strict=strict)
        except ValueError as error:
            raise HttpError(
                f"Expected JSON from {_where(self.url)}, got: {_snippet(self.text)}",
                permanent=True,
                status=self.status_code,
                response=self,
            ) from error


# --- The SSRF guard -------------------------------------------------------------------------------


def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to. The network boundary: tests replace this function."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 host that `address` reaches through a mapping or translation, if it is one."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _IPV4_TRANSLATED or address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    return address.teredo[1] if address.teredo else None


def address_refusal(address: IPAddress, *, allow_loopback: bool = False) -> str:
    """Why `address` must not be contacted for a user-supplied URL, or empty when it may.

    Allowed: a global IPv4 address, a global IPv6 unicast address (2000::/3 and `is_global`), and
    an IPv6 form that wraps a global IPv4 address (mapped, translated, NAT64, 6to4, Teredo).
    Everything else is refused, including the deprecated IPv4-compatible form (::a.b.c.d)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = embedded_ipv4(address)
        if embedded is not None:
            reason = address_refusal(embedded, allow_loopback=allow_loopback)
            return f"{reason} (inside {address})" if reason else ""
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if allow_loopback and any(address in net for net in _LOOPBACK_NETWORKS):
        return ""
    for network, reason in _REFUSED_NETWORKS:
        if address.version == network.version and address in network:
            return reason
    if address.version == 6 and address not in _GLOBAL_UNICAST:
        return "outside the global unicast space"
    if not address.is_global:
        return "not a public address"
    return ""


def checked_addresses(url: httpx.URL, *, allow_loopback: bool) -> list[IPAddress]:
    """Resolve the URL's host and return its addresses, all of them public; else raise UnsafeURL."""
    if url.scheme not in ALLOWED_SCHEMES:
        raise UnsafeURL(f"Only http and https URLs are fetched, not {url.scheme or 'none'}.")
    host = url.raw_host.decode("ascii").rstrip(".")
    if not host:
        raise UnsafeURL("The URL has no host.")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolve_host(host, port)]
        except socket.gaierror as error:
            transient = error.errno in (socket.EAI_AGAIN,)
            raise HttpError(f"Cannot resolve {host}: {error}", permanent=not transient) from error
    if not addresses:
        raise HttpError(f"Cannot resolve {host}: no addresses", permanent=True)
    for address in addresses:
        reason = address_refusal(address, allow_loopback=allow_loopback)
        if reason:
            raise UnsafeURL(f"Refused to fetch {host}: it resolves to {address}, {reason}.")
    return addresses


def url_refusal(url: str, *, allow_loopback: bool, resolve: bool = False) -> str:
    """Why the guard will refuse a URL that came from a user, said before any request is made (a
    400 with the reason, rather than a job that fails later), or "" if it may be tried: http or
    https only, no credentials in it, no local name, no address literal in a refused range. With
    `resolve`, the host's every address is checked now too; a name that does not resolve now is
    let through. Either way `HttpClient(untrusted=True)` checks again at every request."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as error:
        return f"not a valid URL ({error})."
    if parsed.scheme not in ALLOWED_SCHEMES:
        return "only http and https URLs."
    if parsed.userinfo:
        return "credentials in the URL are not accepted."
    if resolve:
        try:
            checked_addresses(parsed, allow_loopback=allow_loopback)
        except UnsafeURL as error:
            return error.message
        except HttpError:
            return ""
        return ""
    host = parsed.host.rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return "" if allow_loopback else "a local address."
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return ""
    return address_refusal(address, allow_loopback=allow_loopback)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The certificate-checking TLS context every connection uses (httpx's default, certifi's CA
    bundle). Made once per process: loading the CA bundle costs tens of milliseconds of CPU, which
    per job was the workers' largest cost. An SSLContext may be shared by threads."""
    return ssl.create_default_context(cafile=certifi.where())


class PinnedTransport(httpx.BaseTransport):
    """Checks each request's host, then connects to the checked address itself: the URL's host is
    replaced by the IP address, while the Host header keeps the name and TLS gets the name as its
    server name (SNI) and for certificate checks. No keep-alive: a pooled connection is keyed by the
    IP, and two names on one IP must not share a TLS session."""

    def __init__(self, *, allow_loopback: bool) -> None:
        self._allow_loopback = allow_loopback
        self._inner = httpx.HTTPTransport(
            verify=tls_context(), limits=httpx.Limits(max_keepalive_connections=0), retries=0
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        address = checked_addresses(request.url, allow_loopback=self._allow_loopback)[0]
        host = request.url.raw_host.decode("ascii")
        if "host" not in request.headers:
            request.headers["Host"] = request.url.netloc.decode("ascii")
        request.url = request.url.copy_with(host=str(address))
        if request.url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": host}
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


# --- The client -----------------------------------------------------------------------------------


def _where(url: str | httpx.URL) -> str:
    """A URL for messages: scheme, host and path, never the query (keys travel there)."""
    u = httpx.URL(str(url))
    port = f":{u.port}" if u.port else ""
    return f"{u.scheme}://{u.host}{port}{u.path}"


def _snippet(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def is_retryable_status(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


class HttpClient:
    """The client for one provider: its rate limit applies to every request made through it.

    Use as a context manager, or call close(). `sibling(name)` gives a client for another provider
    (the satellite provider uses one to geocode with the geocoder's own rate limit)."""

    def __init__(
        self,
        provider: str,
        *,
        rate: Rate | None = None,
        limiter: SharedLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float | None = None,
        max_bytes: int | None = None,
        retries: int | None = None,
    ) -> None:
        """`timeout`, `max_bytes` and `retries` override the FACTCHECK_HTTP_* settings for this
        client (the thumbnail downloads have their own)."""
        conf = settings.FACTCHECK_PROVIDERS.get(provider, {})
        per_second = conf.get("rate_per_second", 5.0)
        self.provider = provider
        self.rate = rate or Rate(per_second=per_second, burst=max(1, int(per_second)))
        self.timeout = settings.FACTCHECK_HTTP_TIMEOUT if timeout is None else timeout
        self.max_bytes = settings.FACTCHECK_HTTP_MAX_BYTES if max_bytes is None else max_bytes
        self.retries = settings.FACTCHECK_HTTP_RETRIES if retries is None else retries
        self.backoff_base = settings.FACTCHECK_HTTP_BACKOFF_BASE
        self.backoff_max = settings.FACTCHECK_HTTP_BACKOFF_MAX
        self.retry_after_max = settings.FACTCHECK_HTTP_RETRY_AFTER_MAX
        self.max_redirects = max(0, settings.FACTCHECK_HTTP_MAX_REDIRECTS)
        self.rate_limit_max_wait = settings.FACTCHECK_RATE_LIMIT_MAX_WAIT
        self.allow_loopback = settings.FACTCHECK_SSRF_ALLOW_LOOPBACK
        self._limiter = limiter or shared_limiter()
        self._sleep = sleep
        self._secrets: list[str] = []
        self._plain: httpx.Client | None = None
        self._guarded: httpx.Client | None = None

    # Lifecycle

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for client in (self._plain, self._guarded):
            if client is not None:
                client.close()
        self._plain = self._guarded = None

    def sibling(self, provider: str) -> HttpClient:
        return HttpClient(provider, limiter=self._limiter, sleep=self._sleep)

    def redact(self, secret: str) -> None:
        """Keep `secret` (a key that travels in a URL path) out of every error message."""
        if secret:
            self._secrets.append(secret)

    def _httpx(self, *, untrusted: bool) -> httpx.Client:
        common: dict[str, Any] = {
            "timeout": httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
            "follow_redirects": False,
            "trust_env": False,
            "headers": {"User-Agent": settings.FACTCHECK_HTTP_USER_AGENT},
        }
        if untrusted:
            if self._guarded is None:
                transport = PinnedTransport(allow_loopback=self.allow_loopback)
                self._guarded = httpx.Client(transport=transport, **common)
            return self._guarded
        if self._plain is None:
            transport = httpx.HTTPTransport(verify=tls_context(), retries=0)
            self._plain = httpx.Client(transport=transport, **common)
        return self._plain

    # Requests

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        untrusted: bool = False,
    ) -> HttpResponse:
        return self.request("GET", url, params=params, headers=headers, untrusted=untrusted)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        untrusted: bool = False,
        follow_redirects: bool = True,
    ) -> HttpResponse:
        """Send the request, following redirects; return a 2xx response or raise HttpError.

        `untrusted=True` for URLs that came from users: the SSRF guard applies to every hop.
        `content`: the body as exact bytes (a signed webhook must arrive as it was signed).
        `follow_redirects=False`: a redirect is an answer like any other non-2xx one (a webhook
        POST must not turn into a GET elsewhere)."""
        method = method.upper()
        try:
            target = httpx.URL(url)
            if params:
                target = target.copy_merge_params(
                    {k: str(v) for k, v in params.items() if v is not None}
                )
        except (httpx.InvalidURL, TypeError, ValueError) as error:
            raise self._error(HttpError(f"Invalid URL: {error}", permanent=True)) from error
        if untrusted and target.scheme not in ALLOWED_SCHEMES:
            raise UnsafeURL(f"Only http and https URLs are fetched, not {target.scheme or 'none'}.")
        client = self._httpx(untrusted=untrusted)
        for _hop in range(self.max_redirects + 1):
            response = self._send_with_retries(
                client, method, target, json=json, content=content, headers=headers
            )
            location = response.headers.get("location")
            if follow_redirects and response.status_code in REDIRECT_STATUSES and location:
                try:
                    target = target.join(location)
                except httpx.InvalidURL as error:
                    raise self._error(
                        HttpError(f"Bad redirect from {_where(target)}", permanent=True)
                    ) from error
                if response.status_code == 303 or (
                    response.status_code in (301, 302) and method == "POST"
                ):
                    method, json, content = "GET", None, None
                continue
            if 200 <= response.status_code < 300:
                return response
            raise self._error(
                HttpError(
                    f"HTTP {response.status_code} from {_where(target)}: {_snippet(response.text)}",
                    permanent=not is_retryable_status(response.status_code),
                    status=response.status_code,
                    response=response,
                )
            )
        raise self._error(
            HttpError(
                f"More than {self.max_redirects} redirects from {_where(url)}", permanent=True
            )
        )

    def _send_with_retries(
        self,
        client: httpx.Client,
        method: str,
        url: httpx.URL,
        *,
        json: Any,
        content: bytes | None = None,
        headers: Mapping[str, str] | None,
    ) -> HttpResponse:
        """One hop, retried on 429, 5xx, timeouts and dropped connections. Returns the last
        response (whatever its status) or raises HttpError when no response came at all."""
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            self._wait_for_rate_limit()
            try:
                response = self._send_once(
                    client, method, url, json=json, content=content, headers=headers
                )
            except httpx.TimeoutException as error:
                failure: HttpError | None = HttpError(
                    f"Timed out after {self.timeout:g} s: {_where(url)}", permanent=False
                )
                failure.__cause__ = error
                delay: float | None = self._backoff(attempt)
            except httpx.TransportError as error:
                failure = HttpError(
                    f"Connection to {_where(url)} failed: {error or type(error).__name__}",
                    permanent=False,
                )
                failure.__cause__ = error
                delay = self._backoff(attempt)
            else:
                if not is_retryable_status(response.status_code):
                    return response
                failure = None
                delay = self._retry_delay(response, attempt)
                if delay is None or attempt == attempts:
                    return response
            if attempt == attempts:
                break
            log.info(
                "%s: attempt %d/%d for %s failed (%s); next in %.2f s",
                self.provider,
                attempt,
                attempts,
                _where(url),
                failure.message if failure else f"HTTP {response.status_code}",
                delay,
            )
            self._sleep(delay)
        assert failure is not None
        raise self._error(failure)

    def _send_once(
        self,
        client: httpx.Client,
        method: str,
        url: httpx.URL,
        *,
        json: Any,
        content: bytes | None = None,
        headers: Mapping[str, str] | None,
    ) -> HttpResponse:
        deadline = time.monotonic() + self.timeout * 2
        request = client.build_request(method, url, json=json, content=content, headers=headers)
        response = client.send(request, stream=True)
        try:
            content = self._read_capped(response, url, deadline)
        finally:
            response.close()
        return HttpResponse(
            status_code=response.status_code,
            url=str(url),
            headers=response.headers,
            content=content,
        )

    def _read_capped(self, response: httpx.Response, url: httpx.URL, deadline: float) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._error(
                ResponseTooLarge(
                    f"{_where(url)} sends {int(declared)} bytes; the cap is {self.max_bytes}."
                )
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise self._error(
                    ResponseTooLarge(f"{_where(url)} sent more than {self.max_bytes} bytes.")
                )
            if time.monotonic() > deadline:
                # A server dripping bytes slowly passes every read timeout; this one it won't.
                raise httpx.ReadTimeout("The response took too long.", request=response.request)
            chunks.append(chunk)
        return b"".join(chunks)

    def _wait_for_rate_limit(self) -> None:
        try:
            wait = self._limiter.reserve(self.provider, self.rate, self.rate_limit_max_wait)
        except RateLimitExceeded as error:
            raise self._error(
                HttpError(
                    f"Rate limit of {self.provider}: the next free slot is {error.wait:.0f} s "
                    "away; the job will retry later.",
                    permanent=False,
                )
            ) from error
        if wait > 0:
            self._sleep(wait)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)

    def _retry_delay(self, response: HttpResponse, attempt: int) -> float | None:
        """How long to wait before retrying this answer; None when not worth waiting here."""
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        if retry_after is None:
            return self._backoff(attempt)
        if retry_after > self.retry_after_max:
            return None
        return retry_after + random.uniform(0, min(1.0, self.backoff_base))

    def _error(self, error: HttpError) -> HttpError:
        for secret in self._secrets:
            error.message = error.message.replace(secret, "***")
            error.args = (error.message,)
        return error
