"""The database connection read-only reports go through.

With ``DATABASE_REPLICA_URL`` set, reports over whole sets (revenue, compliance evidence)
read a streaming replica, so that their scans and sorts do not take the primary's
memory and I/O from the writes. A replica lags the primary (usually by less than a
second; by minutes under a heavy write load or after a network cut), so only reads that
may be that stale go through here: never the pay run itself, ledger postings,
reconciliations against Stripe, or anything that must read its own writes or take locks.

Raw SQL takes ``connections[reporting_alias()].cursor()``; ORM reads ``.using(reporting_alias())``.
A database router would not do: it never sees raw SQL on ``django.db.connection``, and
it would send every read of a model there, whether it may be stale or not.
"""

from __future__ import annotations

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS


def reporting_alias() -> str:
    """The replica's alias when one is configured, the default database's otherwise."""
    return getattr(settings, "REPORTS_DATABASE", DEFAULT_DB_ALIAS)
