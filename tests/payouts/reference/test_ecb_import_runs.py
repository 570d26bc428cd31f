"""The ECB import as operations and the schedule run it: the command's exit codes, and the
scheduled task downloading from a local stand-in for the ECB, through network failures."""

import os
import socket
import subprocess
import sys
from datetime import date, datetime
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from payouts.models import FxOrigin, FxRate
from payouts.reference.ecb import SAMPLE_FILE
from payouts.tasks import fx_rates_import_ecb_task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_the_day_after_the_sample")]

PROJECT_DIR = Path(__file__).resolve().parents[3]
PAIRS_PER_DAY = 9 * 8  # the nine currencies in use, every ordered pair


def run_command(*args: str) -> tuple[int, str]:
    """``manage.py fx_import_ecb ARGS`` in this test's transaction: its exit status and what it printed.

    A ``CommandError`` is what manage.py prints as one line and exits with its ``returncode``
    (``test_the_command_exits_non_zero_in_a_shell`` checks that end to end).
    """
    out = StringIO()
    try:
        call_command("fx_import_ecb", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


def ecb_rates() -> int:
    return FxRate.objects.filter(origin=FxOrigin.ECB).count()


# --- the command ----------------------------------------------------------------------


def test_the_command_imports_a_file_and_exits_zero():
    status, printed = run_command("--file", str(SAMPLE_FILE))

    assert status == 0
    assert "360 rate(s) stored, 0 already in force" in printed
    assert ecb_rates() == 5 * PAIRS_PER_DAY
    assert set(FxRate.objects.filter(origin=FxOrigin.ECB).values_list("source", flat=True)) == {SAMPLE_FILE.name}


def test_the_command_run_again_stores_nothing_and_still_exits_zero():
    run_command("--file", str(SAMPLE_FILE))

    status, printed = run_command("--file", str(SAMPLE_FILE))

    assert status == 0
    assert "0 rate(s) stored, 360 already in force" in printed
    assert ecb_rates() == 5 * PAIRS_PER_DAY


def test_the_command_exits_non_zero_with_one_line_for_a_refused_file(tmp_path):
    bad = tmp_path / "eurofxref-daily.xml"
    bad.write_bytes(SAMPLE_FILE.read_bytes().replace(b"rate='1.1609'", b"rate='-1.1609'"))

    status, error = run_command("--file", str(bad))

    assert status == 1
    assert "\n" not in error
    assert error.startswith("FX rates not imported from eurofxref-daily.xml: ")
    assert error.endswith("the rate '-1.1609' for USD on 2026-06-16 is not a positive decimal number")
    assert ecb_rates() == 0


def test_the_command_exits_non_zero_in_a_shell():
    result = subprocess.run(
        [sys.executable, "manage.py", "fx_import_ecb", "--file", "/nonexistent/eurofxref-daily.xml"],
        cwd=PROJECT_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: FX rates not imported: /nonexistent/eurofxref-daily.xml cannot be read (No such file or directory)"
    ]


def test_the_command_downloads_the_daily_file_by_default(ecb_server):
    assert run_command()[0] == 0

    assert ecb_server.requests == ["/stats/eurofxref/eurofxref-daily.xml"]
    assert set(FxRate.objects.filter(origin=FxOrigin.ECB).values_list("source", flat=True)) == {ecb_server.url}


def test_the_command_reads_the_history_from_its_setting(ecb_server, settings):
    settings.ECB_FX_HISTORICAL_URL = ecb_server.url.replace("eurofxref-daily.xml", "eurofxref-hist.xml")

    assert run_command("--historical")[0] == 0
    assert ecb_server.requests == ["/stats/eurofxref/eurofxref-hist.xml"]


def test_the_command_exits_non_zero_when_the_download_fails(ecb_server):
    ecb_server.answers = [(503, b"busy")]

    assert run_command("--url", ecb_server.url) == (1, f"FX rates not imported: {ecb_server.url} answered HTTP 503")
    assert ecb_rates() == 0
    assert AuditEvent.objects.get(action="payouts.fx_rates.import_failed").after["source"] == ecb_server.url


def test_the_command_refuses_an_address_that_is_not_http():
    status, error = run_command("--url", f"file://{SAMPLE_FILE}")

    assert status == 1
    assert error.endswith("is not an http or https address")
    assert ecb_rates() == 0


def test_a_redirect_away_from_http_is_not_followed(ecb_server):
    ecb_server.answers = [(302, b"", {"Location": f"file://{SAMPLE_FILE}"})]

    status, error = run_command()

    assert status == 1
    assert error == f"FX rates not imported: {ecb_server.url} answered HTTP 302"
    assert ecb_rates() == 0


# --- the scheduled task ---------------------------------------------------------------


def test_the_task_imports_the_downloaded_file(ecb_server):
    summary = fx_rates_import_ecb_task.delay(file="daily").get()

    assert summary["created"] == 5 * PAIRS_PER_DAY
    assert summary["source"] == ecb_server.url
    assert ecb_server.requests == ["/stats/eurofxref/eurofxref-daily.xml"]
    assert AuditEvent.objects.filter(action="payouts.fx_rates.imported").count() == 1


def test_the_task_tries_again_after_network_failures(ecb_server, retries_run_in_process):
    sample = ecb_server.answers[0]
    ecb_server.answers = [(503, b"busy"), (502, b"bad gateway"), sample]

    summary = fx_rates_import_ecb_task.delay(file="daily").get()

    assert len(ecb_server.requests) == 3
    assert summary["created"] == 5 * PAIRS_PER_DAY
    assert not AuditEvent.objects.filter(action="payouts.fx_rates.import_failed").exists()


def test_the_task_gives_up_after_its_retries_and_audits_the_failure(ecb_server, settings, retries_run_in_process):
    settings.ECB_FX_MAX_RETRIES = 3
    ecb_server.answers = [(503, b"busy")]

    summary = fx_rates_import_ecb_task.delay(file="daily").get()

    assert len(ecb_server.requests) == 4
    assert summary["failed"] == f"{ecb_server.url} answered HTTP 503"
    assert ecb_rates() == 0
    failure = AuditEvent.objects.get(action="payouts.fx_rates.import_failed")
    assert (failure.actor_label, failure.reason) == ("system", summary["failed"])


def test_the_task_gives_up_when_nothing_answers(settings, retries_run_in_process):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.ECB_FX_DAILY_URL = f"http://127.0.0.1:{port}/stats/eurofxref/eurofxref-daily.xml"
    settings.ECB_FX_RETRY_BACKOFF_SECONDS = 0
    settings.ECB_FX_MAX_RETRIES = 2

    summary = fx_rates_import_ecb_task.delay(file="daily").get()

    assert "could not be reached" in summary["failed"]
    assert ecb_rates() == 0
    assert AuditEvent.objects.filter(action="payouts.fx_rates.import_failed").count() == 1


def test_a_server_that_does_not_answer_in_time_counts_as_a_network_failure(
    ecb_server, settings, retries_run_in_process
):
    settings.ECB_FX_TIMEOUT_SECONDS = 0.2
    settings.ECB_FX_MAX_RETRIES = 1
    ecb_server.delay = 1

    summary = fx_rates_import_ecb_task.delay(file="daily").get()

    assert summary["failed"] == f"{ecb_server.url} could not be read: timed out"
    assert len(ecb_server.requests) == 2
    assert ecb_rates() == 0


def test_the_task_does_not_retry_a_missing_file_or_a_refused_one(ecb_server):
    ecb_server.answers = [(404, b"not found")]
    assert fx_rates_import_ecb_task.delay(file="daily").get()["failed"].endswith("answered HTTP 404")
    assert len(ecb_server.requests) == 1

    ecb_server.answers = [(200, b"<html>maintenance</html>")]
    summary = fx_rates_import_ecb_task.delay(file="daily").get()
    assert "not gesmes:Envelope" in summary["failed"]
    assert len(ecb_server.requests) == 2
    assert ecb_rates() == 0
    assert AuditEvent.objects.filter(action="payouts.fx_rates.import_failed").count() == 2


def test_the_task_runs_every_weekday_after_the_ecb_publishes():
    entry = django_settings.CELERY_BEAT_SCHEDULE["fx-rates-ecb"]
    assert entry["task"] == fx_rates_import_ecb_task.name == "payouts.tasks.fx_rates_import_ecb_task"
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.day_of_week == {1, 2, 3, 4, 5}
    assert django_settings.CELERY_TIMEZONE == "UTC"
    # After 16:00 in Frankfurt in winter and in summer.
    for day in (date(2026, 1, 14), date(2026, 7, 15)):
        (hour,), (minute,) = schedule.hour, schedule.minute
        run = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo("UTC"))
        frankfurt = run.astimezone(ZoneInfo("Europe/Berlin"))
        assert frankfurt.hour >= 16, frankfurt
    assert entry["kwargs"] == {"file": "90d"}
