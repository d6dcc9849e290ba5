"""Security headers on every page: a Content-Security-Policy with no inline script allowed
(except with the request's nonce), frames refused, a referrer policy, no sniffing; HSTS, secure
cookies and the HTTPS redirect when the site says it is served over HTTPS; and `check --deploy`
clean with production settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

PROJECT = settings.BASE_DIR


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_headers(response) -> None:  # type: ignore[no-untyped-def]
    csp = csp_directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "path", ["/admin/login/", "/api/docs/", "/api/docs/?script", "/healthz", "/no/such/page/"]
)
def test_every_response_carries_the_policy_and_frame_headers(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (200, 404, 503)
    assert_headers(response)


def test_admin_pages_for_staff_carry_the_headers(client: Client, fact_checker) -> None:  # type: ignore[no-untyped-def]
    ticket = TicketFactory(researching=True)
    fact_checker.is_staff = True
    fact_checker.save(update_fields=["is_staff"])
    client.force_login(fact_checker)
    for path in ["/admin/", reverse("admin:claims_ticket_change", args=[ticket.pk])]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_headers(response)


def test_swagger_ui_start_up_code_is_a_script_of_our_origin(client: Client) -> None:
    page = client.get("/api/docs/").content.decode()
    assert "<script>" not in page  # no inline script: the split view links it
    assert 'src="/api/docs/?script=' in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_nonce_is_in_the_policy_only_when_a_page_uses_it(rf) -> None:  # type: ignore[no-untyped-def]
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    middleware = CSPMiddleware(lambda request: HttpResponse())
    plain = rf.get("/")
    middleware.process_request(plain)
    assert (
        "nonce-"
        not in middleware.process_response(plain, HttpResponse())["Content-Security-Policy"]
    )
    using = rf.get("/")
    middleware.process_request(using)
    nonce = str(using.csp_nonce)
    header = middleware.process_response(using, HttpResponse())["Content-Security-Policy"]
    assert f"'nonce-{nonce}'" in csp_directives(header)["script-src"]


def test_map_tiles_host_is_an_allowed_image_source() -> None:
    """The workbench map loads its tiles from FACTCHECK_MAP_TILES_URL's host."""
    img_src = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
    if settings.FACTCHECK_MAP_TILES_URL.startswith("https://tile.openstreetmap.org/"):
        assert "https://tile.openstreetmap.org" in img_src
    assert "data:" in img_src


def _settings_in_subprocess(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings\n" + code,
        ],
        cwd=PROJECT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "factcheck.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "FACTCHECK_TESTING": "false",
    "DJANGO_SECRET_KEY": "k7Q-vZ2r9pLx4WbN8sTe1YhJ6uMc3FaG0dRqKoVnXi5wEyBtHlUzCjSgPfAm",
    "DJANGO_ALLOWED_HOSTS": "desk.example.org",
    "DJANGO_HTTPS": "true",
    "FACTCHECK_SSRF_ALLOW_LOOPBACK": "false",
}


def test_https_turns_on_hsts_the_redirect_and_secure_cookies() -> None:
    done = _settings_in_subprocess(
        PRODUCTION_ENV,
        "print(settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, "
        "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "31536000", "True", "True"]
    done = _settings_in_subprocess(
        {**PRODUCTION_ENV, "DJANGO_HTTPS": "false", "DJANGO_SECURE_COOKIES": "false"},
        "print(settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS)",
    )
    assert done.stdout.split() == ["False", "0"]


def test_probes_are_not_redirected_to_https(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/admin/login/").status_code == 301
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/metrics").status_code == 401


def test_staff_sessions_expire() -> None:
    assert int(settings.FACTCHECK_STAFF_SESSION_HOURS * 3600) == settings.SESSION_COOKIE_AGE
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_SAVE_EVERY_REQUEST is False  # an absolute limit, not renewed


def test_check_deploy_passes_with_production_settings() -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env={**os.environ, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    print(output)
    assert done.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output


def test_check_deploy_would_catch_a_site_served_without_https() -> None:
    """The same check, the HTTPS switch off: it warns (so the test above can fail)."""
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env={**os.environ, **PRODUCTION_ENV, "DJANGO_HTTPS": "false"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "security.W004" in done.stderr + done.stdout  # no HSTS
