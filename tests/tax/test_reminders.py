"""Experts are reminded before their W-8BEN expires: 90, 30 and 7 days ahead, each reminder once."""

from datetime import date, timedelta

import pytest

from tax.models import TaxFormReminder
from tax.services import tax_form_expiry_reminders_send
from tax.tasks import tax_form_expiry_reminders_task

from tests.helpers.factories import make_expert
from tests.helpers.tax import sign_tax_form

pytestmark = pytest.mark.django_db


def test_each_reminder_goes_once_at_90_30_and_7_days(django_capture_on_commit_callbacks, mailoutbox):
    expert = make_expert(country="DE", subdivision="", timezone="Europe/Berlin")
    form = sign_tax_form(expert)
    sign_tax_form(make_expert())  # a W-9 never expires and is never reminded
    expires = form.expires_on
    assert expires == date(2029, 12, 31)
    mailoutbox.clear()

    def run(days_before_expiry: int) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return tax_form_expiry_reminders_send(today=expires - timedelta(days=days_before_expiry))

    assert run(120) == 0
    assert run(90) == 1
    assert run(89) == 0 and run(31) == 0  # the 90-day reminder went already
    assert run(30) == 1
    assert run(20) == 0
    assert run(7) == 1
    assert run(1) == 0
    assert sorted(TaxFormReminder.objects.values_list("days_before", flat=True)) == [7, 30, 90]
    assert [m.subject for m in mailoutbox] == ["Your W-8BEN expires on 31 December 2029"] * 3
    assert mailoutbox[0].to == [expert.user.email]
    assert "Tax form page" in mailoutbox[0].body


def test_a_form_signed_again_before_it_expires_is_not_reminded(django_capture_on_commit_callbacks):
    expert = make_expert(country="DE", subdivision="", timezone="Europe/Berlin")
    old = sign_tax_form(expert)
    sign_tax_form(expert)
    with django_capture_on_commit_callbacks(execute=True):
        assert tax_form_expiry_reminders_send(today=old.expires_on - timedelta(days=30)) == 1
    assert TaxFormReminder.objects.get().tax_form.superseded_at is None


def test_the_scheduled_task_runs_the_reminders():
    assert tax_form_expiry_reminders_task.delay().get() == 0
