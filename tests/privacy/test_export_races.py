"""Two requests for a copy at the same moment (a double click, two tabs) make one copy."""

import threading

import pytest
from django.db import connection

from config.errors import Conflict
from privacy.models import DataExport
from privacy.services import data_export_request

from tests.helpers.factories import make_expert

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_requests_at_once_make_one_copy_and_the_other_is_told_why():
    user = make_expert().user
    barrier = threading.Barrier(2)
    outcomes = []

    def ask():
        barrier.wait()
        try:
            data_export_request(actor=user)
            outcomes.append("made")
        except Conflict as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["export_already_open", "made"]
    assert DataExport.objects.filter(user=user).count() == 1
