"""The schedule and a command importing the same files at the same moment: one publication."""

import threading
from datetime import date
from pathlib import Path

import pytest
from django.db import connection

from audit.models import AuditEvent
from screening.models import SanctionsEntry, SanctionsList
from screening.services import SanctionsFiles, sanctions_list_import

SAMPLES = Path(__file__).resolve().parents[2] / "screening" / "samples"


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_files_at_once_store_one_publication():
    files = SanctionsFiles(
        prim=(SAMPLES / "SDN.CSV").read_bytes(),
        add=(SAMPLES / "ADD.CSV").read_bytes(),
        alt=(SAMPLES / "ALT.CSV").read_bytes(),
    )
    barrier = threading.Barrier(2)
    outcomes = [None, None]

    def run(index):
        barrier.wait()
        try:
            outcomes[index] = sanctions_list_import(
                actor=None, list_kind="sdn", files=files, published_on=date(2026, 6, 15), source="SDN.CSV"
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcome.created for outcome in outcomes) == [False, True]
    assert SanctionsList.objects.count() == 1 and SanctionsEntry.objects.count() == 4
    assert AuditEvent.objects.filter(action="screening.sanctions_list.imported").count() == 1
