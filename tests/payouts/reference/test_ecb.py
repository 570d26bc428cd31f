"""The ECB's euro reference rates become FX rates: every pair of the currencies in use, each
day, both directions rounded once from the published figures; what is in force stays."""

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from django.db.models import F

from audit.models import AuditEvent
from payouts import money
from payouts.models import FxOrigin, FxRate
from payouts.reference.ecb import SAMPLE_FILE, fx_currencies_in_use, fx_rates_import_ecb
from payouts.reference.ecb_xml import EcbFileInvalid
from payouts.reference.lookups import fx_rate_on
from payouts.reference.signals import fx_currencies_wanted

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_the_day_after_the_sample")]

SAMPLE = SAMPLE_FILE.read_bytes()
# The sample's figures for its last day, Tuesday 16 June 2026, in units per euro.
USD, GBP, INR = Decimal("1.1609"), Decimal("0.8531"), Decimal("99.6835")
TUESDAY, FRIDAY, SATURDAY, SUNDAY, MONDAY = (date(2026, 6, day) for day in (16, 12, 13, 14, 15))
# The currencies of the shipped minimum wages and FX rates, with EUR and USD.
PRODUCT_CURRENCIES = {"USD", "EUR", "GBP", "CAD", "INR", "PHP", "KES", "BRL", "MXN"}


def import_sample(**kwargs):
    return fx_rates_import_ecb(actor=None, content=SAMPLE, source="eurofxref-sample.xml", **kwargs)


def ecb_row(base: str, quote: str, day: date) -> FxRate:
    return FxRate.in_force.get(base=base, quote=quote, effective_from=day, origin=FxOrigin.ECB)


def test_the_sample_stores_every_ordered_pair_of_the_currencies_in_use_for_each_day():
    result = import_sample()

    assert fx_currencies_in_use() == PRODUCT_CURRENCIES
    pairs = len(PRODUCT_CURRENCIES) * (len(PRODUCT_CURRENCIES) - 1)
    assert (result.days, result.created, result.skipped) == (5, 5 * pairs, 0)
    assert (result.published_from, result.published_until) == (date(2026, 6, 10), TUESDAY)
    rows = FxRate.objects.filter(origin=FxOrigin.ECB)
    assert rows.count() == 5 * pairs
    assert set(rows.values_list("effective_from", flat=True)) == {date(2026, 6, day) for day in (10, 11, 12, 15, 16)}
    assert not rows.exclude(published_on=F("effective_from")).exists()
    assert set(rows.values_list("source", flat=True)) == {"eurofxref-sample.xml"}
    # Published but not used by the product: not stored.
    assert not FxRate.objects.filter(base__in=["JPY", "CHF", "ZAR"]).exists()


def test_euro_rates_are_stored_as_published():
    import_sample()

    assert ecb_row("EUR", "USD", TUESDAY).rate == USD
    assert ecb_row("EUR", "INR", TUESDAY).rate == INR
    assert fx_rate_on(base="EUR", quote="GBP", on=TUESDAY) == GBP


def test_a_cross_rate_is_the_quotient_of_the_euro_rates_rounded_once_to_ten_places():
    import_sample()

    by_hand = (USD / GBP).quantize(Decimal("0.0000000001"), rounding=ROUND_HALF_EVEN)
    assert by_hand == Decimal("1.3608017817")
    assert ecb_row("GBP", "USD", TUESDAY).rate == by_hand
    assert fx_rate_on(base="GBP", quote="USD", on=TUESDAY) == by_hand
    inverse_by_hand = (GBP / USD).quantize(Decimal("0.0000000001"), rounding=ROUND_HALF_EVEN)
    assert ecb_row("USD", "GBP", TUESDAY).rate == inverse_by_hand
    assert fx_rate_on(base="USD", quote="GBP", on=TUESDAY) == inverse_by_hand


def test_both_directions_come_from_the_published_figures_never_from_each_other():
    import_sample()

    inr_per_eur = ecb_row("EUR", "INR", TUESDAY).rate
    eur_per_inr = ecb_row("INR", "EUR", TUESDAY).rate
    assert eur_per_inr == Decimal("0.0100317505")
    # Inverting the rounded inverse would drift from what the ECB published.
    assert money.fx_inverse_rate(eur_per_inr) == Decimal("99.6834999036")
    assert inr_per_eur == fx_rate_on(base="EUR", quote="INR", on=TUESDAY) == INR


def test_a_weekend_reads_fridays_rates():
    import_sample()

    friday = ecb_row("GBP", "USD", FRIDAY).rate
    assert fx_rate_on(base="GBP", quote="USD", on=SATURDAY) == friday
    assert fx_rate_on(base="GBP", quote="USD", on=SUNDAY) == friday
    assert fx_rate_on(base="GBP", quote="USD", on=MONDAY) == ecb_row("GBP", "USD", MONDAY).rate != friday


def test_importing_the_same_file_again_writes_no_rate():
    first = import_sample()
    count = FxRate.objects.count()

    again = import_sample()

    assert FxRate.objects.count() == count
    assert (again.created, again.skipped, again.skipped_manual) == (0, first.created, 0)


def test_a_rate_set_by_hand_for_a_day_is_kept_in_both_directions():
    manual = FxRate.objects.create(
        base="GBP",
        quote="USD",
        rate=Decimal("1.3500000000"),
        effective_from=MONDAY,
        source="Treasury desk",
        origin=FxOrigin.MANUAL,
        reason="The bank's rate for the week's transfers.",
    )

    result = import_sample()

    assert (result.skipped, result.skipped_manual) == (2, 1)
    assert list(FxRate.in_force.filter(effective_from=MONDAY, base="GBP", quote="USD")) == [manual]
    assert not FxRate.objects.filter(effective_from=MONDAY, base="USD", quote="GBP").exists()
    # Both directions read the rate set by hand on that day; the next day is the ECB's again.
    assert fx_rate_on(base="GBP", quote="USD", on=MONDAY) == Decimal("1.35")
    assert fx_rate_on(base="USD", quote="GBP", on=MONDAY) == money.fx_inverse_rate(Decimal("1.35"))
    assert fx_rate_on(base="GBP", quote="USD", on=TUESDAY) == ecb_row("GBP", "USD", TUESDAY).rate
    # Every other pair of that day is imported.
    assert ecb_row("EUR", "USD", MONDAY)


def test_one_audit_event_per_import_with_its_counts_days_and_source():
    import_sample()

    event = AuditEvent.objects.get(action="payouts.fx_rates.imported")
    assert event.actor_label == "system"
    assert event.after["source"] == "eurofxref-sample.xml"
    assert event.after["days"] == 5
    assert (event.after["published_from"], event.after["published_until"]) == ("2026-06-10", "2026-06-16")
    assert event.after["created"] == 360
    assert event.after["skipped"] == 0
    assert event.after["new_rates_published_on"] == [
        "2026-06-10",
        "2026-06-11",
        "2026-06-12",
        "2026-06-15",
        "2026-06-16",
    ]


def test_the_currencies_projects_are_priced_in_are_imported_too():
    def japanese_projects(sender, **kwargs):
        return ["JPY"]

    fx_currencies_wanted.connect(japanese_projects, dispatch_uid="test.japanese_projects")
    try:
        import_sample()
    finally:
        fx_currencies_wanted.disconnect(dispatch_uid="test.japanese_projects")

    assert ecb_row("EUR", "JPY", TUESDAY).rate == Decimal("168.42")
    assert ecb_row("JPY", "USD", TUESDAY).rate == money.fx_cross_rate(
        base_per_pivot=Decimal("168.42"), quote_per_pivot=USD
    )


def test_the_marketplace_answers_with_the_currencies_of_its_projects():
    from tests.helpers.factories import make_lab, make_project

    lab, owner = make_lab()
    make_project(lab, owner)

    answers = [answer for _receiver, answer in fx_currencies_wanted.send(sender=FxRate)]
    assert ["USD"] in answers


HOSTILE = {
    "wrong namespace": (
        SAMPLE.replace(b"http://www.ecb.int/vocabulary/2002-08-01/eurofxref", b"http://example.com/rates"),
        "not one",
    ),
    "wrong envelope": (
        SAMPLE.replace(b"http://www.gesmes.org/xml/2002-08-01", b"http://example.com/gesmes"),
        "not gesmes:Envelope",
    ),
    "negative rate": (SAMPLE.replace(b"rate='1.1609'", b"rate='-1.1609'"), "is not a positive decimal number"),
    "zero rate": (SAMPLE.replace(b"rate='1.1609'", b"rate='0'"), "is outside"),
    "absurd rate": (SAMPLE.replace(b"rate='1.1609'", b"rate='99999999999'"), "is outside"),
    "not a number": (SAMPLE.replace(b"rate='1.1609'", b"rate='NaN'"), "is not a positive decimal number"),
    "too many places": (SAMPLE.replace(b"rate='1.1609'", b"rate='1.16090000001'"), "is not a positive decimal"),
    "unknown currency": (SAMPLE.replace(b"currency='KES'", b"currency='QQQ'"), "unknown currency code 'QQQ'"),
    "currency twice": (SAMPLE.replace(b"currency='GBP'", b"currency='USD'"), "USD appears twice"),
    "day twice": (SAMPLE.replace(b"time='2026-06-15'", b"time='2026-06-16'"), "the day 2026-06-16 appears twice"),
    "not a date": (SAMPLE.replace(b"time='2026-06-15'", b"time='15/06/2026'"), "is not a date"),
    "a day in the future": (SAMPLE.replace(b"time='2026-06-16'", b"time='2026-07-16'"), "is outside"),
    "truncated": (SAMPLE[: len(SAMPLE) // 2], "not well-formed XML"),
    "empty": (b"", "the file is empty"),
    "entity expansion": (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
        + b"".join(
            b'<!ENTITY lol%d "%s">\n' % (level, (b"&lol%d;" % (level - 1) if level > 1 else b"&lol;") * 10)
            for level in range(1, 10)
        )
        + b"]>\n"
        + SAMPLE.split(b"?>", 1)[1].replace(b"Reference rates", b"&lol9;"),
        "declares a DTD",
    ),
    "external entity": (
        b'<?xml version="1.0"?>\n<!DOCTYPE e [<!ENTITY ext SYSTEM "file:///etc/passwd">]>\n'
        + SAMPLE.split(b"?>", 1)[1].replace(b"Reference rates", b"&ext;"),
        "declares a DTD",
    ),
}
HOSTILE["external entity in UTF-16"] = (
    HOSTILE["external entity"][0].decode().replace('<?xml version="1.0"?>', "").encode("utf-16"),
    "declares a DTD",
)


@pytest.mark.parametrize(("content", "reason"), list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_malformed_or_hostile_file_is_refused_with_one_line_and_writes_no_rate(content, reason):
    before = FxRate.objects.count()

    with pytest.raises(EcbFileInvalid) as refused:
        fx_rates_import_ecb(actor=None, content=content, source="hostile.xml")

    assert reason in refused.value.message
    assert "\n" not in refused.value.message
    assert FxRate.objects.count() == before
    assert not AuditEvent.objects.filter(action="payouts.fx_rates.imported").exists()
    failure = AuditEvent.objects.get(action="payouts.fx_rates.import_failed")
    assert (failure.after["source"], failure.reason) == ("hostile.xml", refused.value.message)


def test_a_file_larger_than_the_limit_is_not_parsed(settings):
    settings.ECB_FX_MAX_BYTES = 1000

    with pytest.raises(EcbFileInvalid, match="larger than 1000 bytes"):
        import_sample()
    assert not FxRate.objects.filter(origin=FxOrigin.ECB).exists()


def test_a_fault_on_the_last_day_writes_nothing_of_the_days_before_it():
    content = SAMPLE.replace(b"<Cube currency='PHP' rate='65.412'/>", b"<Cube currency='PHP' rate='-65.412'/>")

    with pytest.raises(EcbFileInvalid, match="PHP on 2026-06-16"):
        fx_rates_import_ecb(actor=None, content=content, source="eurofxref-sample.xml")
    assert not FxRate.objects.filter(origin=FxOrigin.ECB).exists()


def test_withdrawn_currencies_of_the_historical_file_are_known():
    content = SAMPLE.replace(b"currency='ZAR'", b"currency='TRL'").replace(b"currency='CHF'", b"currency='CYP'")

    result = fx_rates_import_ecb(actor=None, content=content, source="eurofxref-hist.xml")
    assert result.created == 360


@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_store_each_rate_once():
    import threading

    from django.db import connection

    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        barrier.wait()
        try:
            outcomes.append(import_sample())
        except Exception as exc:  # whatever either import raised, reported by the assertion below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted((outcome.created, outcome.skipped) for outcome in outcomes) == [(0, 360), (360, 0)]
    assert FxRate.objects.filter(origin=FxOrigin.ECB).count() == 360
    assert AuditEvent.objects.filter(action="payouts.fx_rates.imported").count() == 2


def test_a_cross_rate_too_small_to_keep_refuses_the_file():
    content = SAMPLE.replace(b"rate='99.6835'", b"rate='99999999'").replace(b"rate='0.8531'", b"rate='0.0001'")

    with pytest.raises(
        EcbFileInvalid, match="the rate from INR to GBP on 2026-06-16 is too small to keep to 10 decimal places"
    ):
        fx_rates_import_ecb(actor=None, content=content, source="eurofxref-sample.xml")
    assert not FxRate.objects.filter(origin=FxOrigin.ECB).exists()
