"""Point Django at a separate benchmark database (created and migrated on first use)."""

import os
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DATABASE = "marketplace_bench"


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    url = os.environ.get("DATABASE_URL", "")
    if url:
        parsed = urlparse(url)
        admin = urlunparse(parsed._replace(path="/postgres"))
        import psycopg

        with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE]).fetchone():
                conn.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
        os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{BENCH_DATABASE}"))
    else:
        from config.embedded import embedded_database_url

        os.environ["DATABASE_URL"] = embedded_database_url(BENCH_DATABASE)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
