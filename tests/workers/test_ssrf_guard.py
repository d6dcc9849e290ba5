"""The SSRF guard on URLs that users supplied: refused before any connection to a private address,
checked after name resolution and on every redirect, connected to the very address it checked."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

import pytest

from tests.stubs.server import StubServer
from workers import http as http_module
from workers.http import HttpClient, UnsafeURL, address_refusal


@pytest.fixture
def strict(settings) -> None:  # type: ignore[no-untyped-def]
    """Production rules: loopback refused too."""
    settings.FACTCHECK_SSRF_ALLOW_LOOPBACK = False


def resolver(table: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.1.2.3:8080/admin",
        "http://10.0.0.1/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://[::1]/",
        "http://[fd00::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://[::127.0.0.1]/",  # IPv4-compatible (deprecated) loopback
        "http://[::7f00:1]/",  # the same, written in hex
        "http://[::ffff:0:7f00:1]/",  # IPv4-translated loopback
        "http://[::ffff:0:a00:1]/",  # IPv4-translated 10.0.0.1
        "http://[fe80::1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
        "https://10.0.0.1/",
    ],
)
def test_private_and_special_addresses_are_refused_without_connecting(
    url: str, strict: None, connections: list[str]
) -> None:
    with HttpClient("web_source") as http, pytest.raises(UnsafeURL) as caught:
        http.get(url, untrusted=True)
    assert caught.value.permanent is True
    assert connections == []


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/file", "gopher://example.org/", "data:,x"]
)
def test_schemes_other_than_http_are_refused(url: str, connections: list[str]) -> None:
    with HttpClient("web_source") as http, pytest.raises(UnsafeURL):
        http.get(url, untrusted=True)
    assert connections == []


def test_a_name_resolving_to_a_private_address_is_refused(
    strict: None, connections: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        http_module, "resolve_host", resolver({"intranet.example.org": ["10.1.2.3"]})
    )
    with HttpClient("web_source") as http, pytest.raises(UnsafeURL) as caught:
        http.get("http://intranet.example.org/wiki", untrusted=True)
    assert "10.1.2.3" in caught.value.message
    assert connections == []


def test_a_name_with_one_private_address_among_public_ones_is_refused(
    strict: None, connections: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        http_module,
        "resolve_host",
        resolver({"mixed.example.org": ["93.184.216.34", "192.168.0.10"]}),
    )
    with HttpClient("web_source") as http, pytest.raises(UnsafeURL):
        http.get("http://mixed.example.org/", untrusted=True)
    assert connections == []


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://[fd00::1]/",
        "http://[::ffff:192.168.0.1]/",
        "file:///etc/passwd",
    ],
)
def test_a_public_url_redirecting_to_a_private_one_is_refused_at_the_redirect(
    target: str, stub_settings: StubServer, connections: list[str]
) -> None:
    # The stub on loopback plays the public site (loopback is allowed for tests, nothing else).
    with HttpClient("web_source") as http, pytest.raises(UnsafeURL):
        http.get(f"{stub_settings.url}/redirect", params={"to": target}, untrusted=True)
    assert [s.path for s in stub_settings.requests()] == ["/redirect"]
    assert connections == ["127.0.0.1"]


def test_allowing_loopback_for_tests_allows_nothing_else(settings) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_SSRF_ALLOW_LOOPBACK = True
    with HttpClient("web_source") as http:
        for url in ("http://10.0.0.1/", "http://169.254.169.254/", "http://[fd00::1]/"):
            with pytest.raises(UnsafeURL):
                http.get(url, untrusted=True)


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host_header(
    stub_settings: StubServer, connections: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])  # a rebinding DNS: second answer is private

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    monkeypatch.setattr(http_module, "resolve_host", rebinding)
    url = f"http://stub.example.test:{stub_settings.port}/pages/article.html"
    with HttpClient("web_source") as http:
        response = http.get(url, untrusted=True)
    assert response.status_code == 200
    assert response.url == url
    assert calls == ["stub.example.test"]  # resolved once; that answer is the one connected to
    assert connections == ["127.0.0.1"]
    seen = stub_settings.requests("/pages/article.html")[0]
    assert seen.headers["host"] == f"stub.example.test:{stub_settings.port}"


def test_provider_urls_from_settings_are_not_subject_to_the_guard(
    stub_settings: StubServer, strict: None
) -> None:
    # Operators may run a provider's service on a private network; only user URLs are guarded.
    with HttpClient("news_coverage") as http:
        assert http.get(f"{stub_settings.url}/echo").status_code == 200


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("93.184.216.34", False),
        ("2606:2800:220:1:248:1893:25c8:1946", False),
        ("::ffff:93.184.216.34", False),
        ("::ffff:169.254.169.254", True),
        ("2002:0a00:0001::1", True),  # 6to4 wrapping 10.0.0.1
        ("64:ff9b::a00:1", True),  # NAT64 wrapping 10.0.0.1
        ("fd00:ec2::254", True),  # the IPv6 metadata address
        ("198.18.0.1", True),
        ("192.0.2.1", True),  # documentation range: not global
        ("::127.0.0.1", True),  # IPv4-compatible loopback
        ("::7f00:1", True),  # the same, in hex
        ("::a00:1", True),  # IPv4-compatible 10.0.0.1
        ("::8.8.8.8", True),  # IPv4-compatible form is deprecated (RFC 4291): never global
        ("::ffff:0:7f00:1", True),  # IPv4-translated loopback
        ("::ffff:0:a9fe:a9fe", True),  # IPv4-translated metadata address
        ("::ffff:0:808:808", False),  # IPv4-translated public 8.8.8.8
        ("64:ff9b:1::a00:1", True),  # local-use NAT64 prefix (RFC 8215)
        ("100::1", True),  # discard-only
        ("2001:db8::1", True),  # documentation
        ("3fff::1", True),  # documentation (RFC 9637)
        ("4000::1", True),  # outside the global unicast space 2000::/3
        ("2001:4860:4860::8888", False),  # a public resolver
    ],
)
def test_address_rules(address: str, refused: bool) -> None:
    assert bool(address_refusal(ipaddress.ip_address(address))) is refused


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("https://example.org/page", False),
        ("ftp://example.org/file", True),
        ("https://user:secret@example.org/", True),
        ("http://localhost:8000/", True),
        ("http://10.0.0.8/", True),
        ("http://[::1]/", True),
        ("not a url at all", True),
    ],
)
def test_url_refusal_says_before_any_request_what_the_guard_will_refuse(
    url: str, refused: bool
) -> None:
    from workers.http import url_refusal

    assert bool(url_refusal(url, allow_loopback=False)) is refused


def test_url_refusal_lets_loopback_through_only_when_allowed() -> None:
    from workers.http import url_refusal

    assert url_refusal("http://127.0.0.1:9/", allow_loopback=True) == ""
    assert url_refusal("http://127.0.0.1:9/", allow_loopback=False)
