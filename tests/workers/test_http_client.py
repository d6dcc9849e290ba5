"""The one HTTP client: retries on transient answers only, Retry-After, size cap, redirects,
proxies ignored, keys kept out of messages. Requests are counted at the stub, never timed."""

from __future__ import annotations

import pytest

from tests.stubs.server import Canned, StubServer
from workers.http import HttpClient, HttpError, ResponseTooLarge, retry_after_seconds


def client() -> HttpClient:
    return HttpClient("news_coverage")


def test_server_errors_are_retried_until_an_answer_comes(stub_settings: StubServer) -> None:
    stub_settings.script("/echo", Canned(500), Canned(503))
    with client() as http:
        response = http.get(f"{stub_settings.url}/echo")
    assert response.status_code == 200
    assert len(stub_settings.requests("/echo")) == 3


def test_retries_stop_after_the_configured_count_with_a_transient_error(
    stub_settings: StubServer, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_HTTP_RETRIES = 2
    with client() as http, pytest.raises(HttpError) as caught:
        http.get(f"{stub_settings.url}/status/502")
    assert caught.value.status == 502
    assert caught.value.permanent is False
    assert len(stub_settings.requests("/status/502")) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_client_errors_are_not_retried_and_are_permanent(
    stub_settings: StubServer, status: int
) -> None:
    with client() as http, pytest.raises(HttpError) as caught:
        http.get(f"{stub_settings.url}/status/{status}")
    assert caught.value.permanent is True
    assert caught.value.status == status
    assert len(stub_settings.requests(f"/status/{status}")) == 1


def test_too_many_requests_is_retried_after_the_delay_the_server_asks_for(
    stub_settings: StubServer,
) -> None:
    stub_settings.script("/echo", Canned(429, headers={"Retry-After": "0"}))
    with client() as http:
        assert http.get(f"{stub_settings.url}/echo").status_code == 200
    assert len(stub_settings.requests("/echo")) == 2


def test_a_retry_after_longer_than_the_worker_may_wait_gives_up_at_once_as_transient(
    stub_settings: StubServer,
) -> None:
    stub_settings.script("/echo", Canned(429, headers={"Retry-After": "3600"}))
    with client() as http, pytest.raises(HttpError) as caught:
        http.get(f"{stub_settings.url}/echo")
    assert caught.value.status == 429
    assert caught.value.permanent is False  # the job will be retried later
    assert len(stub_settings.requests("/echo")) == 1


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_timeouts_are_retried_then_reported_as_transient(
    stub_settings: StubServer, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_HTTP_TIMEOUT = 0.3
    settings.FACTCHECK_HTTP_RETRIES = 1
    with client() as http, pytest.raises(HttpError) as caught:
        http.get(f"{stub_settings.url}/slow", params={"seconds": 2})
    assert caught.value.permanent is False
    assert "Timed out" in caught.value.message
    assert len(stub_settings.requests("/slow")) == 2


def test_a_timeout_then_an_answer_succeeds(stub_settings: StubServer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_HTTP_TIMEOUT = 0.3
    stub_settings.script("/echo", Canned(200, "late", delay=2))
    with client() as http:
        response = http.get(f"{stub_settings.url}/echo")
    assert response.json()["headers"]
    assert len(stub_settings.requests("/echo")) == 2


def test_a_body_announced_larger_than_the_cap_is_refused(
    stub_settings: StubServer, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_HTTP_MAX_BYTES = 1000
    with client() as http, pytest.raises(ResponseTooLarge) as caught:
        http.get(f"{stub_settings.url}/big", params={"bytes": 5000})
    assert caught.value.permanent is True
    assert len(stub_settings.requests("/big")) == 1


def test_a_streamed_body_is_cut_off_past_the_cap(stub_settings: StubServer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_HTTP_MAX_BYTES = 1000
    with client() as http, pytest.raises(ResponseTooLarge):
        http.get(f"{stub_settings.url}/big", params={"bytes": 200_000, "stream": 1})


def test_a_body_within_the_cap_is_read_whole(stub_settings: StubServer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_HTTP_MAX_BYTES = 1000
    with client() as http:
        assert len(http.get(f"{stub_settings.url}/big", params={"bytes": 1000}).content) == 1000


def test_redirects_are_followed_hop_by_hop(stub_settings: StubServer) -> None:
    target = f"{stub_settings.url}/echo"
    with client() as http:
        response = http.get(f"{stub_settings.url}/redirect", params={"to": target})
    assert response.url == target
    assert [s.path for s in stub_settings.requests()] == ["/redirect", "/echo"]


def test_a_redirect_loop_ends_with_a_permanent_error(stub_settings: StubServer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_HTTP_MAX_REDIRECTS = 3
    loop = f"{stub_settings.url}/loop"
    stub_settings.script("/loop", *[Canned(302, headers={"Location": loop})] * 10)
    with client() as http, pytest.raises(HttpError) as caught:
        http.get(loop)
    assert caught.value.permanent is True
    assert len(stub_settings.requests("/loop")) == 4


def test_proxy_variables_in_the_environment_are_ignored(
    stub_settings: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # the discard port: nothing answers
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with client() as http:
        assert http.get(f"{stub_settings.url}/echo").status_code == 200


def test_an_identifying_user_agent_is_sent(stub_settings: StubServer, settings) -> None:  # type: ignore[no-untyped-def]
    with client() as http:
        http.get(f"{stub_settings.url}/echo")
    assert stub_settings.requests("/echo")[0].headers["user-agent"] == (
        settings.FACTCHECK_HTTP_USER_AGENT
    )


def test_error_messages_leave_out_query_strings_and_redacted_secrets(
    stub_settings: StubServer,
) -> None:
    with client() as http:
        http.redact("path-secret-123")
        with pytest.raises(HttpError) as caught:
            http.get(f"{stub_settings.url}/private/path-secret-123", params={"key": "query-secret"})
    assert caught.value.status == 404
    assert "query-secret" not in caught.value.message
    assert "path-secret-123" not in caught.value.message
    assert "***" in caught.value.message


def test_a_refused_connection_is_a_transient_error(settings) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_HTTP_RETRIES = 1
    settings.FACTCHECK_HTTP_BACKOFF_BASE = 0.01
    with HttpClient("news_coverage") as http, pytest.raises(HttpError) as caught:
        http.get("http://127.0.0.1:9/nothing-listens-here")
    assert caught.value.permanent is False
