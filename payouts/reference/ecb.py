"""FX rates imported from the European Central Bank's euro reference rates.

For each publication day of a file (``payouts.reference.ecb_xml``), every ordered pair
among the currencies the product uses (``fx_currencies_in_use``) that the ECB published
that day is stored: EUR to a currency as published, any other pair as the cross rate
through the euro, computed exactly and rounded once (``payouts.money.fx_cross_rate``).
Both directions are stored, so that no lookup inverts an already rounded rate.

A day's pair that already has a rate in force in either direction (an earlier import, or
a rate operations set by hand) is left alone in both directions and counted as skipped:
importing a file again writes nothing, and an override is never replaced by the ECB's
figure. One import is one transaction with one audit event; a file with any fault writes
no rate, and the failure is audited on its own.

The scheduled task (``fx_rates_import_ecb_task``) downloads a file, tries again after a
network failure, and records the failure once it gives up.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import combinations
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from audit.services import audit_record
from config.downloads import DownloadFailed, download
from config.errors import ApplicationError, Conflict
from payouts import money
from payouts.models import FxOrigin, FxRate, MinimumWage, RateCard

from .ecb_xml import EcbDay, EcbFileInvalid, parse_ecb_xml
from .signals import fx_currencies_wanted

logger = logging.getLogger(__name__)

# The files the ECB publishes, by the name the command and the task know them by.
ECB_FILE_SETTINGS = {"daily": "ECB_FX_DAILY_URL", "90d": "ECB_FX_90D_URL", "historical": "ECB_FX_HISTORICAL_URL"}
# A few days in the ECB's published format, with sample figures: the tests and the demo data import it.
SAMPLE_FILE = Path(__file__).resolve().parent / "samples" / "eurofxref-sample.xml"
# Serialises imports, so that two at once (the schedule and a command) never race for a row.
_IMPORT_LOCK_KEY = 0x4543425F4658  # "ECB_FX"
# The audit event lists the days that got new rates only up to this many (a history import
# has thousands; its first and last day and counts are always there).
_DAYS_LISTED_MAX = 100
_BATCH_SIZE = 5000


class EcbDownloadFailed(ApplicationError):
    """A file could not be fetched; ``transient`` when trying again later may succeed."""

    def __init__(self, message: str, *, transient: bool):
        super().__init__(message, code="ecb_download_failed")
        self.transient = transient


@dataclass(frozen=True)
class EcbImport:
    source: str
    days: int
    published_from: date
    published_until: date
    currencies: list[str]
    created: int
    skipped: int
    # Of the skipped rows, how many were kept because a rate set by hand is in force.
    skipped_manual: int
    new_rates_published_on: list[date] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "source": self.source,
            "days": self.days,
            "published_from": self.published_from.isoformat(),
            "published_until": self.published_until.isoformat(),
            "currencies": self.currencies,
            "created": self.created,
            "skipped": self.skipped,
            "skipped_manual": self.skipped_manual,
            "days_with_new_rates": len(self.new_rates_published_on),
        }


def ecb_file_url(file: str) -> str:
    """The configured address of one of the ECB's files: ``daily``, ``90d`` or ``historical``."""
    if file not in ECB_FILE_SETTINGS:
        raise ApplicationError(f"unknown ECB file {file!r}; use one of {', '.join(ECB_FILE_SETTINGS)}")
    return getattr(settings, ECB_FILE_SETTINGS[file])


def fx_currencies_in_use() -> set[str]:
    """The currencies the product converts between: those of minimum wages, rate cards, FX rates
    in force and the apps above (projects), with EUR and USD always."""
    currencies = {"EUR", "USD"}
    currencies.update(MinimumWage.in_force.values_list("currency", flat=True).distinct())
    currencies.update(RateCard.objects.values_list("currency", flat=True).distinct())
    for base, quote in FxRate.in_force.values_list("base", "quote").distinct():
        currencies.update((base, quote))
    for _receiver, answer in fx_currencies_wanted.send(sender=FxRate):
        currencies.update(answer or ())
    return {code.upper() for code in currencies if code}


def ecb_download(*, url: str) -> bytes:
    """The file at ``url`` (http or https), at most ``ECB_FX_MAX_BYTES``, within ``ECB_FX_TIMEOUT_SECONDS``."""
    try:
        body, _modified = download(
            url=url,
            accept="application/xml, text/xml",
            max_bytes=settings.ECB_FX_MAX_BYTES,
            timeout=settings.ECB_FX_TIMEOUT_SECONDS,
        )
    except DownloadFailed as exc:
        raise EcbDownloadFailed(str(exc), transient=exc.transient) from None
    return body


def fx_rates_import_ecb(*, actor, content: bytes, source: str) -> EcbImport:
    """Store the rates of one ECB file (see the module's docstring); one transaction, one audit event.

    A file with any fault raises ``EcbFileInvalid`` (one line) having written no rate; the
    failure is audited in a transaction of its own.
    """
    try:
        days = parse_ecb_xml(
            content,
            max_bytes=settings.ECB_FX_MAX_BYTES,
            # The ECB dates a file in Frankfurt; a day ahead of UTC is the latest believable.
            latest_day=timezone.now().date() + timedelta(days=1),
        )
        with transaction.atomic():
            return _store(actor=actor, days=days, source=source)
    except ApplicationError as exc:
        fx_rates_import_failed(actor=actor, source=source, reason=exc.message)
        raise


def fx_rates_import_failed(*, actor, source: str, reason: str) -> None:
    """Audit an import that wrote nothing: a download that failed, or a file refused."""
    with transaction.atomic():
        audit_record(actor=actor, action="payouts.fx_rates.import_failed", after={"source": source}, reason=reason)


def _store(*, actor, days: list[EcbDay], source: str) -> EcbImport:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK_KEY])
    wanted = fx_currencies_in_use()
    first, last = days[0].day, days[-1].day
    in_force = dict(
        ((base, quote, day), origin)
        for base, quote, day, origin in FxRate.in_force.filter(
            effective_from__gte=first, effective_from__lte=last, base__in=wanted, quote__in=wanted
        ).values_list("base", "quote", "effective_from", "origin")
    )
    rows: list[FxRate] = []
    created = 0
    skipped: Counter[str] = Counter()
    new_days: list[date] = []
    stored_currencies: set[str] = set()
    try:
        with transaction.atomic():
            for publication in days:
                per_euro = {"EUR": Decimal(1), **{c: rate for c, rate in publication.rates.items() if c in wanted}}
                day_rows = 0
                for one, other in combinations(sorted(per_euro), 2):
                    held = [in_force.get((one, other, publication.day)), in_force.get((other, one, publication.day))]
                    if any(held):
                        # Either direction already decided for the day: both stay as they are,
                        # so a rate set by hand in one direction is what both directions read.
                        skipped["all"] += 2
                        skipped["manual"] += sum(origin == FxOrigin.MANUAL for origin in held)
                        continue
                    for base, quote in ((one, other), (other, one)):
                        rows.append(_row(base=base, quote=quote, per_euro=per_euro, day=publication.day, source=source))
                        day_rows += 1
                if day_rows:
                    new_days.append(publication.day)
                    stored_currencies.update(per_euro)
                # Written as they come, so that the whole history never sits in memory at once.
                if len(rows) >= _BATCH_SIZE:
                    created += len(FxRate.objects.bulk_create(rows))
                    rows = []
            created += len(FxRate.objects.bulk_create(rows))
    except IntegrityError as exc:
        # A rate set by hand between the read above and the insert: nothing is kept, and
        # the next import (or the task's next run) skips that pair.
        raise Conflict(
            "an FX rate was added for one of the file's days while it was imported; import it again"
        ) from exc
    result = EcbImport(
        source=source,
        days=len(days),
        published_from=first,
        published_until=last,
        currencies=sorted(stored_currencies),
        created=created,
        skipped=skipped["all"],
        skipped_manual=skipped["manual"],
        new_rates_published_on=new_days,
    )
    after = result.summary()
    if len(new_days) <= _DAYS_LISTED_MAX:
        after["new_rates_published_on"] = [day.isoformat() for day in new_days]
    audit_record(actor=actor, action="payouts.fx_rates.imported", after=after)
    return result


def _row(*, base: str, quote: str, per_euro: dict[str, Decimal], day: date, source: str) -> FxRate:
    # EUR to a currency is the published figure itself; every other rate is derived once.
    if base == "EUR":
        rate = per_euro[quote]
    else:
        try:
            rate = money.fx_cross_rate(base_per_pivot=per_euro[base], quote_per_pivot=per_euro[quote])
        except money.MoneyError:
            # Rates in the parser's bounds but far apart: a quotient below the last place kept.
            raise EcbFileInvalid(
                f"the rate from {base} to {quote} on {day} is too small to keep to {money.FX_RATE_PLACES} decimal places"
            ) from None
    return FxRate(
        base=base,
        quote=quote,
        rate=rate,
        effective_from=day,
        published_on=day,
        origin=FxOrigin.ECB,
        source=source[:300],
    )


# --- task (registered under payouts.tasks for the worker and the queue routes) -----------


@shared_task(bind=True, name="payouts.tasks.fx_rates_import_ecb_task")
def fx_rates_import_ecb_task(self, file: str = "daily") -> dict:
    """Download one of the ECB's files and import it; try again after a network failure.

    After ``ECB_FX_MAX_RETRIES`` tries, or at once for a failure trying again cannot mend
    (a refused file, a 404), the failure is logged and audited and nothing is written.
    """
    url = ecb_file_url(file)
    try:
        content = ecb_download(url=url)
    except EcbDownloadFailed as exc:
        if exc.transient and self.request.retries < settings.ECB_FX_MAX_RETRIES:
            logger.warning("FX rates from the ECB: %s; trying again", exc.message)
            countdown = settings.ECB_FX_RETRY_BACKOFF_SECONDS * 2**self.request.retries
            raise self.retry(exc=exc, countdown=countdown, max_retries=settings.ECB_FX_MAX_RETRIES) from exc
        logger.error("FX rates from the ECB not imported: %s", exc.message)
        fx_rates_import_failed(actor=None, source=url, reason=exc.message)
        return {"source": url, "failed": exc.message}
    try:
        result = fx_rates_import_ecb(actor=None, content=content, source=url)
    except ApplicationError as exc:
        logger.error("FX rates from the ECB not imported: %s", exc.message)
        return {"source": url, "failed": exc.message}
    logger.info("FX rates from the ECB: %s", result.summary())
    return result.summary()
