"""Point Django at a separate benchmark database (created and migrated on first use).

``BENCH_SIZE=smoke`` (``make bench-smoke``, part of ``make test``) runs a benchmark at a
tiny size in a database of its own, ``marketplace_bench_smoke``: it only shows that the
benchmark still runs through to its figures, and leaves the full-size data of
``make bench`` alone.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SMOKE = os.environ.get("BENCH_SIZE", "") == "smoke"
BENCH_DATABASE = "marketplace_bench_smoke" if SMOKE else "marketplace_bench"


def size(full, smoke):
    """A benchmark's figure: ``full`` for ``make bench``, ``smoke`` for the smoke run."""
    return smoke if SMOKE else full


def setup() -> None:
    """Django on the benchmark database, on the server the settings name (DATABASE_URL or the embedded one)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    from config import embedded

    # Never the Redis of a `make run` on this machine, whose worker would take the
    # benchmark's tasks: the one the tests use.
    os.environ["REDIS_URL"] = os.environ.get("TEST_REDIS_URL") or embedded.redis_url_for_tests(
        os.environ.get("REDIS_URL", "")
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from psycopg import sql

    from maintenance.postgres import DatabaseAddress

    database = settings.DATABASES["default"]
    admin = DatabaseAddress.from_settings(database).with_database("postgres")
    with admin.connect(autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DATABASE)))
    # No connection is open yet, so every one from here on reaches the benchmark database.
    database["NAME"] = BENCH_DATABASE
    call_command("migrate", verbosity=0)


def median_ms(fn, runs: int) -> float:
    """The median of ``runs`` timed calls of ``fn``, in milliseconds, after one call to warm caches and plans."""
    import statistics
    import time

    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)
