#!/usr/bin/env python3
"""Set up and run the service, or its tests, on a machine with nothing but Python.

    python3 dev.py up     virtualenv, install, migrate, seed claims, demo logins, then the web
                          server, a Celery worker (with beat) and, unless --live, the local stub
                          services the offline demo fetches its sample evidence from
    python3 dev.py test   virtualenv, install, lint, import layers, migration check, the test suite on
                          PostgreSQL and Redis

Only the standard library is used here: this file runs before anything is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
VAR = ROOT / "var"

DEMO_USERS = [
    # username, role, password
    ("admin", "superuser", "admin-demo-pass"),
    ("rita", "reporter", "rita-demo-pass"),
    ("fiona", "fact-checker", "fiona-demo-pass"),
    ("ravi", "reviewer", "ravi-demo-pass"),
    ("rosa", "reviewer", "rosa-demo-pass"),
]
TEST_DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/factcheck",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
}


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=True)


def ensure_venv(extras: str) -> None:
    """Create .venv and install the project; reinstall only when pyproject.toml changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs under whatever python3 is there
        sys.exit(f"Python 3.11 or newer is needed (this is {sys.version.split()[0]}).")
    if not PY.exists():
        say("creating the virtualenv in .venv")
        run(sys.executable, "-m", "venv", VENV)
    stamp = VENV / f".installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say("installing dependencies (first run takes a minute)")
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    run(PY, "-m", "pip", "install", "--quiet", "-e", target)
    stamp.write_text(digest)


def manage(*args: str, env: dict[str, str]) -> None:
    run(PY, "manage.py", *args, env=env)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def free_port(preferred: int) -> int:
    if not port_open("127.0.0.1", preferred):
        return preferred
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, name: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{name} exited with code {proc.returncode}; see the output above.")
        if port_open("127.0.0.1", port):
            return
        time.sleep(0.2)
    sys.exit(f"{name} did not start listening on port {port} within {seconds:.0f} s.")


def demo_env(live: bool, stub_port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_DEBUG", "true")
    env.setdefault("PYTHONUNBUFFERED", "1")
    if not live:
        code = (
            "import json, sys; from tests.stubs.server import provider_env; "
            "print(json.dumps(provider_env(sys.argv[1])))"
        )
        out = subprocess.run(
            [PY, "-c", code, f"http://127.0.0.1:{stub_port}"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        env.update(json.loads(out))
        # No network: no map tiles either; the ticket page's map draws on a plain background.
        env.setdefault("FACTCHECK_MAP_TILES_URL", "")
    return env


def token_hint(environ: Mapping[str, str]) -> str:
    """The command that makes and prints an API token for a user, to run from the checkout in
    another shell (keys are stored as digests, so a key is printed once, when it is made). It
    carries DJANGO_DEBUG=true when the demo set that for itself (see demo_env: the demo has no
    DJANGO_SECRET_KEY, which settings demand outside debug), so that it works as printed."""
    prefix = "" if "DJANGO_DEBUG" in environ else "DJANGO_DEBUG=true "
    python = PY.relative_to(ROOT)
    return f"{prefix}{python} manage.py api_token create <username> --name demo"


def up(args: argparse.Namespace) -> None:
    ensure_venv("")
    VAR.mkdir(exist_ok=True)
    stub_port = free_port(args.stub_port)
    web_port = free_port(args.port)
    base = f"http://127.0.0.1:{web_port}"
    env = demo_env(args.live, stub_port)
    env.setdefault("FACTCHECK_PUBLIC_BASE_URL", base)
    say("migrating the database")
    manage("migrate", "--no-input", "-v", "0", env=env)
    for username, role, password in DEMO_USERS:
        flags = ["--role", "reviewer", "--superuser"] if role == "superuser" else ["--role", role]
        # No API token: nobody would see its key (`api_token create` prints one on demand).
        subprocess.run(
            [
                PY,
                "manage.py",
                "create_role_user",
                username,
                *flags,
                "--password",
                password,
                "--no-token",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    procs: list[subprocess.Popen] = []

    def stop(*_: object) -> None:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=35)
            except subprocess.TimeoutExpired:
                p.kill()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if not args.live:
        stub = subprocess.Popen(
            [PY, "-m", "tests.stubs.server", "--port", str(stub_port)], cwd=ROOT, env=env
        )
        procs.append(stub)
        wait_for_port(stub_port, stub, "the stub server")
    worker = subprocess.Popen(
        [
            BIN / "celery",
            "-A",
            "factcheck",
            "worker",
            "-Q",
            "celery,fetch-bulk,maintenance,webhooks",
            "--beat",
            "-l",
            "info",
            "-c",
            "2",
            "--schedule",
            str(VAR / "celerybeat-schedule"),
        ],
        cwd=ROOT,
        env=env,
    )
    procs.append(worker)
    say("loading the seed claims (their evidence fetch is queued for the worker)")
    manage("load_seeds", env=env)
    say("indexing the claims for the claim memory")
    manage("index_claims", env=env)
    web = subprocess.Popen(
        [PY, "manage.py", "runserver", f"127.0.0.1:{web_port}", "--noreload"], cwd=ROOT, env=env
    )
    procs.append(web)
    wait_for_port(web_port, web, "the web server")
    lines = [
        "",
        "The fact-check service is running.",
        f"  Admin (the desk's workbench): {base}/admin/",
        f"  Claim intake (paste an article): {base}/admin/intake/intake/add/",
        f"  REST API docs:                {base}/api/docs/",
        f"  Health:                       {base}/healthz",
        "  Logins (username / password, role):",
        *[f"    {u:<6} / {p:<16} {r}" for u, r, p in DEMO_USERS],
        f"  API tokens: {token_hint(os.environ)}",
        "  Two-factor authentication is off in this demo (FACTCHECK_REQUIRE_2FA=true turns it on:",
        "  reviewers and the superuser then enrol an authenticator app at their first login).",
    ]
    if not args.live:
        lines.append(
            f"  Evidence comes from the local stub services on port {stub_port}: SAMPLE data, "
            "not real findings (run with --live to use the real services)."
        )
        lines.append(
            f"  A sample article page to take in by URL: http://127.0.0.1:{stub_port}/pages/article.html"
        )
    lines.append("Press Ctrl-C to stop.\n")
    print("\n".join(lines), flush=True)
    while all(p.poll() is None for p in procs):
        time.sleep(1)
    say("a process exited; stopping the others")
    stop()


def check_service(url: str, name: str, start_hint: str) -> None:
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port
    if not port_open(host, port):
        sys.exit(
            f"{name} is not answering on {host}:{port} ({url}). The tests need it.\n"
            f"Start it, e.g.: {start_hint}"
        )


BROWSER_PACKAGES = ("chromium", "chromium-driver")
BROWSER_INSTALL = (
    "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "
    + " ".join(BROWSER_PACKAGES)
)


def chromium_path(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("FACTCHECK_CHROMIUM", "/usr/bin/chromium"))


def check_browser(environ: Mapping[str, str]) -> None:
    """The browser tests need Debian's Chromium (they never download one): installed here when
    missing and running as root (as CI does), otherwise a clear stop naming the command."""
    if chromium_path(environ).exists():
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "FACTCHECK_CHROMIUM" not in environ:
        say("Chromium is missing; installing Debian's chromium and chromium-driver")
        subprocess.run(["bash", "-c", BROWSER_INSTALL], check=True)
        if chromium_path(environ).exists():
            return
    sys.exit(
        f"No Chromium at {chromium_path(environ)}: the browser tests need it. Install Debian's:\n"
        f"  sudo sh -c '{BROWSER_INSTALL}'\n"
        "(or point FACTCHECK_CHROMIUM at a Chromium binary)."
    )


def test(args: argparse.Namespace) -> None:
    ensure_venv("test")
    env = dict(os.environ)
    for key, value in TEST_DEFAULTS.items():
        env.setdefault(key, value)
    check_service(
        env["DATABASE_URL"].replace("postgres://", "http://", 1),
        "PostgreSQL",
        "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    )
    check_service(
        env["CELERY_BROKER_URL"].replace("redis://", "http://", 1),
        "Redis",
        'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
    )
    check_browser(env)
    say("lint and formatting")
    run(BIN / "ruff", "check", ".", env=env)
    run(BIN / "ruff", "format", "--check", ".", env=env)
    say("import layers (import-linter contracts in pyproject.toml)")
    run(BIN / "lint-imports", env=env)
    say("migrations are complete")
    manage("makemigrations", "--check", "--dry-run", env={**env, "DJANGO_DEBUG": "true"})
    say("the test suite (PostgreSQL, Redis, real worker processes)")
    result = subprocess.run([BIN / "pytest", *args.pytest_args], cwd=ROOT, env=env)
    sys.exit(result.returncode)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    up_parser = sub.add_parser("up", help="set up and run the service with a worker")
    up_parser.add_argument("--port", type=int, default=int(os.environ.get("FACTCHECK_PORT", 8000)))
    up_parser.add_argument("--stub-port", type=int, default=8765)
    up_parser.add_argument(
        "--live", action="store_true", help="fetch from the real services instead of the stubs"
    )
    up_parser.set_defaults(func=up)
    test_parser = sub.add_parser("test", help="set up and run the tests")
    test_parser.add_argument("pytest_args", nargs=argparse.REMAINDER)
    test_parser.set_defaults(func=test)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
