"""The ``sanctions_import`` command: import by hand, dry run, and one line with a non-zero exit on a fault."""

import subprocess
import sys
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from screening.models import SanctionsEntry, SanctionsList

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "screening" / "samples"

SDN = [str(SAMPLES / "SDN.CSV"), "--add", str(SAMPLES / "ADD.CSV"), "--alt", str(SAMPLES / "ALT.CSV")]


def _run(*args) -> str:
    out = StringIO()
    call_command("sanctions_import", *args, stdout=out)
    return out.getvalue()


def test_the_command_imports_a_publication_and_then_nothing_again():
    out = _run(*SDN, "--list", "sdn", "--published-on", "2026-06-15")
    assert "published 2026-06-15: 4 entries, 2 aliases, 2 addresses imported from SDN.CSV, ADD.CSV, ALT.CSV" in out
    assert SanctionsList.objects.get().published_on == date(2026, 6, 15)

    assert "imported before" in _run(*SDN, "--list", "sdn")
    assert SanctionsList.objects.count() == 1


def test_the_publication_date_defaults_to_today():
    _run(str(SAMPLES / "CONS_PRIM.CSV"), "--list", "non_sdn")
    publication = SanctionsList.objects.get()
    assert (publication.list_kind, publication.published_on, publication.entries_count) == (
        "non_sdn",
        date(2026, 6, 17),
        1,
    )


def test_a_dry_run_reports_counts_and_writes_nothing():
    out = _run(*SDN, "--list", "sdn", "--dry-run")
    assert out.strip() == "Dry run, nothing written: 4 entries, 2 aliases, 2 addresses in SDN.CSV, ADD.CSV, ALT.CSV."
    assert not SanctionsList.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_refused_file_exits_non_zero_with_one_line_and_writes_nothing(tmp_path):
    alias = tmp_path / "ALT.CSV"
    alias.write_bytes(b'424242,1,"aka","NOBODY",-0- \r\n')
    with pytest.raises(CommandError) as failed:
        _run(str(SAMPLES / "SDN.CSV"), "--alt", str(alias), "--list", "sdn")
    assert str(failed.value) == "Sanctions list not imported: alias file line 1: ent_num 424242 is not in the prim file"
    assert not SanctionsEntry.objects.exists()
    assert AuditEvent.objects.get().action == "screening.sanctions_list.import_failed"


def test_a_dry_run_of_a_refused_file_exits_non_zero(tmp_path):
    prim = tmp_path / "SDN.CSV"
    prim.write_bytes(b"")
    with pytest.raises(CommandError, match=r"^Sanctions list not valid: prim file has no rows$"):
        _run(str(prim), "--list", "sdn", "--dry-run")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/SDN.CSV", "--list", "sdn"], "Sanctions list not imported: /nonexistent/SDN.CSV cannot be read"),
        ([*SDN, "--list", "sdn", "--published-on", "15/06/2026"], "is not YYYY-MM-DD"),
    ],
)
def test_a_missing_file_or_a_bad_date_exits_non_zero(args, message):
    with pytest.raises(CommandError, match=message.replace("/", ".")):
        _run(*args)
    assert not SanctionsList.objects.exists()


def test_the_command_exits_non_zero_from_the_shell(tmp_path):
    prim = tmp_path / "SDN.CSV"
    prim.write_bytes(b'10001,"ONLY TWO"\r\n')
    done = subprocess.run(
        [sys.executable, "manage.py", "sanctions_import", str(prim), "--list", "sdn", "--dry-run"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert (
        done.stderr.strip().splitlines()[-1]
        == "CommandError: Sanctions list not valid: prim file line 1: 2 columns, expected 12"
    )
