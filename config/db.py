"""Where the database is: the connection read-only reports go through, and a database's URL.

With ``DATABASE_REPLICA_URL`` set, reports over whole sets (revenue, compliance evidence)
read a streaming replica, so that their scans and sorts do not take the primary's
memory and I/O from the writes. A replica lags the primary (usually by less than a
second; by minutes under a heavy write load or after a network cut), so only reads that
may be that stale go through here: never the pay run itself, ledger postings,
reconciliations against Stripe, or anything that must read its own writes or take locks.

Raw SQL takes ``connections[reporting_alias()].cursor()``; ORM reads ``.using(reporting_alias())``.
A database router would not do: it never sees raw SQL on ``django.db.connection``, and
it would send every read of a model there, whether it may be stale or not.

``database_url`` gives the address of a configured database as a URL, for a process
started from this one (a Celery worker, ``manage.py`` on a restored copy, gunicorn).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS


def reporting_alias() -> str:
    """The replica's alias when one is configured, the default database's otherwise."""
    return getattr(settings, "REPORTS_DATABASE", DEFAULT_DB_ALIAS)


def database_url(settings_dict: Mapping | None = None, *, name: str | None = None) -> str:
    """A ``postgres://`` URL of a configured database, for the processes started from this one.

    Built from Django's settings, never from the environment: the default connection's
    (``connection.settings_dict``, so in a test run the test database) unless another is
    given, with ``name`` in place of its database name. A host that is a directory (the
    embedded server's unix socket, kept in ``OPTIONS`` by django-environ) and its port go
    into the query string, which django-environ and libpq both read back. ``OPTIONS``
    travel along as query parameters.
    """
    from django.db import connections

    settings_dict = settings_dict if settings_dict is not None else connections[DEFAULT_DB_ALIAS].settings_dict
    options = {key: value for key, value in (settings_dict.get("OPTIONS") or {}).items() if _is_scalar(value)}
    # The same precedence as Django's PostgreSQL backend: HOST and PORT over OPTIONS.
    host = str(settings_dict.get("HOST") or options.pop("host", "") or "")
    port = str(settings_dict.get("PORT") or options.pop("port", "") or "")
    options.pop("host", None)
    options.pop("port", None)
    credentials = quote(settings_dict.get("USER") or "", safe="")
    if settings_dict.get("PASSWORD"):
        credentials += ":" + quote(str(settings_dict["PASSWORD"]), safe="")
    if host.startswith("/"):
        # A unix socket directory: an empty host in the address, the directory in the query.
        netloc = f"{credentials}@" if credentials else ""
        options = {"host": host, **({"port": port} if port else {}), **options}
    else:
        address = f"[{host}]" if ":" in host else host
        netloc = (f"{credentials}@" if credentials else "") + address + (f":{port}" if port else "")
    query = urlencode(
        {key: str(value).lower() if isinstance(value, bool) else value for key, value in options.items()}, safe="/"
    )
    dbname = quote(name or settings_dict.get("NAME") or "", safe="")
    return f"postgres://{netloc}/{dbname}" + (f"?{query}" if query else "")


def _is_scalar(value) -> bool:
    return isinstance(value, str | int | float | bool)
