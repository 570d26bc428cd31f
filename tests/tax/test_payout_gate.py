"""Payouts wait for a valid tax form: held with the reason in the batch, paid by the next batch once it is signed."""

from datetime import date

import pytest

from accounts.models import Role
from payouts.models import Payout, PayoutHoldReason, PayoutStatus
from payouts.transfers.batches import payout_batch_approve, payout_batch_create
from stripe_local.server import reset, webhook_deliveries
from tax.selectors import payout_blocks, tax_forms_in_force

from tests.helpers.factories import make_expert, make_ops
from tests.helpers.payouts import approved_pay_run_in_bulk, onboarded_accounts_in_bulk
from tests.helpers.tax import sign_tax_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_stripe(stripe_server, settings):
    reset()
    webhook_deliveries.set(delay_seconds=0)
    settings.PAYOUT_RATE_LIMIT_PER_SECOND = 0
    yield
    reset()


def approved_batch(run, capture):
    batch = payout_batch_create(actor=make_ops(Role.OPS_FINANCE)[0], run=run)
    with capture(execute=True):
        payout_batch_approve(actor=make_ops(Role.OPS_FINANCE)[0], batch=batch)
    return batch


def test_an_expert_without_a_form_is_held_with_the_reason_and_the_next_batch_after_signing_pays_them(
    stripe_server, django_capture_on_commit_callbacks
):
    run = approved_pay_run_in_bulk(experts=2, period_start=date(2024, 3, 4), prefix="tax-gate")
    signed, unsigned = (s.contributor for s in run.statements.select_related("contributor").order_by("id"))
    onboarded_accounts_in_bulk(stripe_server, [signed], tax_forms=True)
    onboarded_accounts_in_bulk(stripe_server, [unsigned], tax_forms=False)

    first = approved_batch(run, django_capture_on_commit_callbacks)
    assert Payout.objects.get(batch=first, contributor=signed).status == PayoutStatus.PAID
    held = Payout.objects.get(batch=first, contributor=unsigned)
    assert (held.status, held.hold_reason) == (PayoutStatus.HELD, PayoutHoldReason.TAX_FORM)
    assert held.hold_detail == (
        "We need a W-9 tax form before we can pay you: sign it on your Tax form page; your pay is kept and paid "
        "with the next weekly batch after you sign."
    )

    sign_tax_form(unsigned)
    next_run = approved_pay_run_in_bulk(experts=1, period_start=date(2024, 3, 11), prefix="tax-gate-next")
    onboarded_accounts_in_bulk(stripe_server, [s.contributor for s in next_run.statements.all()])
    second = approved_batch(next_run, django_capture_on_commit_callbacks)
    held.refresh_from_db()
    assert (held.batch_id, held.carried_from_id, held.status) == (second.pk, first.pk, PayoutStatus.PAID)


def test_the_gate_reads_every_expert_at_once_and_names_an_expired_w8ben(django_assert_num_queries):
    german = make_expert(country="DE", subdivision="", timezone="Europe/Berlin")
    form = sign_tax_form(german)
    american = make_expert()
    sign_tax_form(american)
    nobody = make_expert(country="GB", subdivision="", timezone="Europe/London")
    ids = [german.pk, american.pk, nobody.pk]
    with django_assert_num_queries(1):
        today = payout_blocks(contributor_ids=ids, on=date(2026, 6, 17))
    assert list(today) == [nobody.pk]
    assert today[nobody.pk].startswith("We need a W-8BEN tax form before we can pay you")
    with django_assert_num_queries(1):
        assert set(tax_forms_in_force(contributor_ids=ids, on=date(2026, 6, 17))) == {german.pk, american.pk}

    later = payout_blocks(contributor_ids=ids, on=date(2030, 1, 2))
    assert later[german.pk] == (
        "Your W-8BEN expired on 31 December 2029: sign a new one on your Tax form page; your pay is kept and paid "
        "with the next weekly batch after you sign."
    )
    assert american.pk not in later
    assert form.expires_on == date(2029, 12, 31)


def test_moving_to_the_united_states_asks_for_a_w9():
    from contributors.models import Contributor

    expert = make_expert(country="DE", subdivision="", timezone="Europe/Berlin")
    sign_tax_form(expert)
    Contributor.objects.filter(pk=expert.pk).update(country="US")
    assert payout_blocks(contributor_ids=[expert.pk], on=date(2026, 6, 17))[expert.pk].startswith(
        "We need a W-9 tax form"
    )
