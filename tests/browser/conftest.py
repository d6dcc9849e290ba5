"""The browser harness: real headless Chromium (Debian's package, never a downloaded one) driven by
Playwright's sync API, against pytest-django's live server over the test database.

Fixtures: `live_site` (the server's base URL; static files served), `page` (a fresh 1440x900 page
in its own browser context; the test fails on a JavaScript error, a console error or a 4xx/5xx
answer to a same-origin static, script, stylesheet or image request, unless marked
`allow_browser_errors`; an HTML page of ours without the Content-Security-Policy or
`X-Frame-Options: DENY` fails it too), `login(page, username, password)`, `screenshot(page, name) -> Path`, and
staff users per role who log in with `PASSWORD` (`fact_checker`, `reporter`, `reviewer`,
`second_reviewer`, or `role_user(role, username)` for more).

Every test here uses committed data (`transactional_db`, which the live server needs), so the
harness re-creates the role groups the migrations made: a flush by an earlier transactional test
removes them.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response, sync_playwright

BROWSER_TESTS = Path(__file__).resolve().parent
ROOT = BROWSER_TESTS.parents[1]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = os.environ.get("FACTCHECK_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1440, "height": 900}
PASSWORD = "browser-test-pass-7431"
# Same-origin answers of these kinds that are 4xx/5xx fail the test (a page's own XHR may
# legitimately answer 403 or 409; a missing script or stylesheet never does).
CHECKED_RESOURCES = {"script", "stylesheet", "image", "font"}

_roles_migration = importlib.import_module("claims.migrations.0002_roles")


# --- ordering and reporting -----------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> Iterator[None]:
    """Every test under tests/browser/ carries the `browser` marker (before `-m` selects), and
    browser tests run last (after pytest-django's reordering). Playwright's sync API keeps an
    asyncio loop running in the test thread for as long as the browser is up (see `browser`
    below), and the browser is shared by the session: running these tests last keeps every other
    test outside that loop."""
    for item in items:
        if Path(str(item.path)).is_relative_to(BROWSER_TESTS):
            item.add_marker(pytest.mark.browser)
    yield
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


_written_screenshots: set[Path] = set()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _written_screenshots:
        terminalreporter.write_sep("-", "browser screenshots (one folder per test)")
        for folder in sorted(_written_screenshots):
            terminalreporter.write_line(str(folder))


# --- the browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the session.

    Playwright's sync API runs an asyncio event loop in this thread (in a greenlet) from start to
    stop, so Django's ORM, which refuses to run synchronously while a loop is running in its
    thread, would raise SynchronousOnlyOperation in every test that touches the database. The
    ORM is only ever called synchronously here (the loop belongs to Playwright, never to our
    code), so DJANGO_ALLOW_ASYNC_UNSAFE is set for exactly as long as Playwright runs, and the
    previous value is restored when it stops."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"No Chromium at {CHROMIUM} (FACTCHECK_CHROMIUM). Install Debian's: apt-get install -y "
            "--no-install-recommends chromium chromium-driver"
        )
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class BrowserProblems:
    """What went wrong in the page while the test ran, for the test to read or the harness to
    fail on."""

    origin: str
    errors: list[str] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        # Chromium logs every 4xx/5xx answer as "Failed to load resource"; those are judged by
        # `response` (a missing script fails, a refused XHR or the automatic favicon does not).
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console error: {message.text} ({message.location.get('url')})")

    def page_error(self, error: Exception) -> None:
        self.errors.append(f"JavaScript error: {error}")

    def response(self, response: Response) -> None:
        request = response.request
        if response.status >= 400 and self._checked(request):
            self.errors.append(f"HTTP {response.status} for {request.resource_type} {request.url}")
        if request.resource_type == "document" and _origin(request.url) == self.origin:
            self._check_page_headers(response)

    def _check_page_headers(self, response: Response) -> None:
        """Every HTML page of ours carries the Content-Security-Policy (no inline script without
        a nonce) and refuses to be framed. (A CSP violation in the page is a console error, which
        fails the test like any other.)"""
        headers = response.headers
        if not headers.get("content-type", "").startswith("text/html"):
            return
        policy = headers.get("content-security-policy", "")
        script_src = next(
            (d.split()[1:] for d in policy.split(";") if d.split()[:1] == ["script-src"]), []
        )
        if not policy or "'unsafe-inline'" in script_src:
            self.errors.append(f"no strict Content-Security-Policy on {response.url}: {policy!r}")
        if headers.get("x-frame-options") != "DENY":
            self.errors.append(f"X-Frame-Options is not DENY on {response.url}")

    def request_failed(self, request: Request) -> None:
        # net::ERR_ABORTED is Chromium cancelling a load because the page moved on (a click that
        # navigates while an icon is still coming): not a broken resource. A missing one is a 404
        # (`response`), a refused one ERR_BLOCKED_BY_* or a CSP console error.
        if request.failure == "net::ERR_ABORTED":
            return
        if self._checked(request):
            self.errors.append(f"request failed ({request.failure}): {request.url}")

    def _checked(self, request: Request) -> bool:
        same_origin = _origin(request.url) == self.origin
        static = urlsplit(request.url).path.startswith("/static/")
        return same_origin and (static or request.resource_type in CHECKED_RESOURCES)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture
def live_site(live_server) -> str:
    """The live server's base URL (no trailing slash). pytest-django serves static files through
    Django's StaticFilesHandler (from the finders, whatever DEBUG and STATIC_ROOT say)."""
    return live_server.url


@pytest.fixture
def browser_problems(live_site: str) -> BrowserProblems:
    return BrowserProblems(origin=_origin(live_site))


@pytest.fixture
def page(
    request: pytest.FixtureRequest,
    browser: Browser,
    live_site: str,
    browser_problems: BrowserProblems,
) -> Iterator[Page]:
    """A page in a fresh context (cookies, storage) for this test. At the end the test fails if
    the page had a JavaScript or console error or a broken same-origin resource; a test that
    provokes errors on purpose is marked `@pytest.mark.allow_browser_errors` and may read them
    from the `browser_problems` fixture."""
    context = browser.new_context(viewport=VIEWPORT, base_url=live_site)
    context.set_default_timeout(15_000)
    new_page = context.new_page()
    new_page.on("console", browser_problems.console)
    new_page.on("pageerror", browser_problems.page_error)
    new_page.on("response", browser_problems.response)
    new_page.on("requestfailed", browser_problems.request_failed)
    try:
        yield new_page
    finally:
        context.close()
    if browser_problems.errors and request.node.get_closest_marker("allow_browser_errors") is None:
        pytest.fail("The page had errors:\n  " + "\n  ".join(browser_problems.errors))


@pytest.fixture
def login(live_site: str) -> Callable[[Page, str, str], None]:
    """`login(page, username, password)`: log in through the admin's login form (after logging
    out whoever was logged in) and check it landed on the admin, logged in."""

    def log_in(page: Page, username: str, password: str) -> None:
        page.context.clear_cookies()
        page.goto(f"{live_site}/admin/login/?next=/admin/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("input[type=submit]")
        errors = page.locator(".errornote").all_inner_texts()
        assert not errors, f"Login as {username!r} failed: {errors}"
        assert urlsplit(page.url).path == "/admin/", f"Login as {username!r} landed on {page.url}"
        assert page.locator("#logout-form").count() == 1, f"{username!r} is not logged in"

    return log_in


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """`screenshot(page, name) -> Path`: a full-page PNG at
    var/screenshots/<test module>/<test name>/<name>.png (the test's folder is emptied first)."""
    module = Path(str(request.node.path)).stem
    test_name = _file_name(request.node.name)
    folder = SCREENSHOTS / module / test_name
    shutil.rmtree(folder, ignore_errors=True)

    def take(page: Page, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (_file_name(name) + ".png")
        page.screenshot(path=str(path), full_page=True)
        _written_screenshots.add(folder)
        return path

    return take


def _file_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("_")


# --- users ----------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _role_groups(transactional_db: None) -> None:
    """The role groups and their permissions as migration claims/0002_roles made them (a flush
    by an earlier transactional test deletes groups; post_migrate re-creates the permissions)."""
    for role, codenames in _roles_migration.ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = {tuple(dotted.split(".")) for dotted in codenames}
        permissions = [
            p
            for p in Permission.objects.select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted
        ]
        assert len(permissions) == len(wanted), f"missing permissions for the role {role}"
        group.permissions.set(permissions)


@pytest.fixture
def role_user(_role_groups: None) -> Callable[..., User]:
    """`role_user(role, username)`: a staff user in one role who logs in with PASSWORD, made by
    the create_role_user command (as the demo logins are)."""

    def make(role: str, username: str) -> User:
        call_command("create_role_user", username, "--role", role, "--password", PASSWORD)
        return User.objects.get(username=username)

    return make


@pytest.fixture
def reporter(role_user: Callable[..., User]) -> User:
    return role_user("reporter", "rita-reporter")


@pytest.fixture
def fact_checker(role_user: Callable[..., User]) -> User:
    return role_user("fact-checker", "fiona-factchecker")


@pytest.fixture
def reviewer(role_user: Callable[..., User]) -> User:
    return role_user("reviewer", "ravi-reviewer")


@pytest.fixture
def second_reviewer(role_user: Callable[..., User]) -> User:
    return role_user("reviewer", "rosa-reviewer")
