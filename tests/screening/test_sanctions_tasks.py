"""The daily download of OFAC's lists, against a local HTTP server standing in for OFAC's."""

from datetime import date

import pytest

from audit.models import AuditEvent
from screening.models import SanctionsList
from screening.tasks import sanctions_lists_import_task

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.usefixtures("ofac_server")]


def test_the_task_imports_both_lists_dated_by_last_modified(ofac_server):
    result = sanctions_lists_import_task.apply().get()

    assert result["sdn"]["entries"] == 4 and result["non_sdn"]["entries"] == 1
    assert sorted(SanctionsList.objects.values_list("list_kind", "published_on", "entries_count")) == [
        ("non_sdn", date(2026, 6, 15), 1),
        ("sdn", date(2026, 6, 15), 4),
    ]
    assert len(ofac_server.requests) == 6
    sdn = SanctionsList.objects.get(list_kind="sdn")
    assert sdn.source.startswith(ofac_server.base) and sdn.source.endswith("ALT.CSV")


def test_running_again_writes_nothing():
    sanctions_lists_import_task.apply().get()
    result = sanctions_lists_import_task.apply().get()

    assert result["sdn"]["created"] is False and result["non_sdn"]["created"] is False
    assert SanctionsList.objects.count() == 2
    assert AuditEvent.objects.filter(action="screening.sanctions_list.imported").count() == 2


def test_without_last_modified_the_publication_is_dated_today(ofac_server):
    status, body, _headers = ofac_server.answers["/SDN.CSV"]
    ofac_server.answers["/SDN.CSV"] = (status, body, {})
    sanctions_lists_import_task.apply(kwargs={"list_kinds": ["sdn"]}).get()
    assert SanctionsList.objects.get().published_on == date(2026, 6, 17)


def test_a_failed_download_is_audited_writes_nothing_for_that_list_and_the_other_is_imported(ofac_server):
    ofac_server.answers["/ADD.CSV"] = (503, b"", {})
    result = sanctions_lists_import_task.apply().get()

    assert result["sdn"] == {"failed": f"{ofac_server.base}/ADD.CSV answered HTTP 503"}
    assert list(SanctionsList.objects.values_list("list_kind", flat=True)) == ["non_sdn"]
    failure = AuditEvent.objects.get(action="screening.sanctions_list.import_failed")
    assert failure.reason == f"{ofac_server.base}/ADD.CSV answered HTTP 503"


def test_a_refused_file_is_audited_and_writes_nothing(ofac_server):
    ofac_server.answers["/SDN.CSV"] = (200, b'1,"TOO FEW"\r\n', {})
    result = sanctions_lists_import_task.apply(kwargs={"list_kinds": ["sdn"]}).get()

    assert result == {"sdn": {"failed": "prim file line 1: 2 columns, expected 12"}}
    assert not SanctionsList.objects.exists()
    assert AuditEvent.objects.get().action == "screening.sanctions_list.import_failed"


def test_a_file_over_the_size_limit_is_not_read(ofac_server, settings):
    settings.SANCTIONS_MAX_FILE_BYTES = 100
    result = sanctions_lists_import_task.apply(kwargs={"list_kinds": ["sdn"]}).get()

    assert result == {"sdn": {"failed": f"{ofac_server.base}/SDN.CSV sent more than 100 bytes"}}
    assert not SanctionsList.objects.exists()


@pytest.mark.usefixtures("retries_run_in_process")
def test_a_network_failure_is_tried_again(ofac_server, settings):
    settings.SANCTIONS_MAX_RETRIES = 2
    status, body, headers = ofac_server.answers["/ALT.CSV"]
    ofac_server.answers["/ALT.CSV"] = [(502, b"", {}), (status, body, headers)]
    sanctions_lists_import_task.apply(kwargs={"list_kinds": ["sdn"]})

    assert SanctionsList.objects.get().entries_count == 4
    assert ofac_server.requests.count("/ALT.CSV") == 2
    assert not AuditEvent.objects.filter(action="screening.sanctions_list.import_failed").exists()
