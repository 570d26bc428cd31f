"""Time-entry imports at scale: 200,000 entries from 200 experts' files, next to a bare COPY of them.

Each expert (UTC, engaged on 5 of 50 running hourly projects with a 60-hour weekly cap)
imports one CSV file of their own: 1,000 entries over the open days before today, up to
40 a day in half-hour slots, four in five with a start and an end and one in five as a
duration. Timed end to end per file, as the endpoint does it after reading the body: the
CSV decoded into rows (``marketplace.import_files.rows_from_csv``), every rule checked
(``marketplace.services.time_entries_import``: per row in Python, then locked weeks,
overlaps with logged work and within the file, hours in a day, weekly caps and budgets
in SQL over the whole file), the rows written with one INSERT ... SELECT, the audit
event, and the commit with its foreign-key checks. Then the same rows are written with
one PostgreSQL COPY (text, prepared in advance) into the same table and committed: the
floor. For scale, the same COPY into a table of the same columns with no index, key or
constraint. A second set does the same for one file of the largest size allowed
(TIME_ENTRY_IMPORT_MAX_ROWS, 50,000) from one expert.

Runs in the benchmark database, whose 10 million pay-run items it leaves alone: it uses
its own experts and projects ("Import bench ...") and deletes only their entries.

    make bench                         # or:
    .venv/bin/python bench/import.py --entries 200000 --experts 200
"""

import argparse
import io
import time
from datetime import UTC, datetime, timedelta

import _django
import _work

PREFIX = "importbench"
LABEL = "Import bench"
PROJECTS = 50
ENGAGEMENTS_PER_EXPERT = 5
SLOTS_PER_DAY = 40
ACTIVITIES = ("task_work", "review", "task_work", "meeting", "training")
COLUMNS = ("engagement", "activity", "work_date", "minutes", "started_at", "ended_at", "note", "task_reference")
COPY_COLUMNS = (
    "engagement_id, contributor_id, project_id, work_date, minutes, status, hold_reason, submitted_at, "
    "rejection_reason, appeal_reason, appeal_decision_reason, activity, started_at, ended_at, note, "
    "task_reference, version, is_current, change_reason, created_by_id"
)


def expert_rows(engagements: list[int], days: list, count: int) -> list[tuple]:
    """``count`` entries of one expert: (engagement, activity, day, minutes, start, end, task reference)."""
    rows = []
    for k in range(count):
        day = days[k // SLOTS_PER_DAY]
        slot = k % SLOTS_PER_DAY
        engagement = engagements[slot % len(engagements)]
        activity = ACTIVITIES[k % len(ACTIVITIES)]
        if slot % 5 == 4:
            rows.append((engagement, activity, day, 20, None, None, f"T-{k}"))
        else:
            start = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=30 * slot)
            rows.append((engagement, activity, day, 25, start, start + timedelta(minutes=25), f"T-{k}"))
    return rows


def as_csv(rows: list[tuple]) -> bytes:
    lines = [",".join(COLUMNS)]
    for engagement, activity, day, minutes, start, end, reference in rows:
        if start is None:
            lines.append(f"{engagement},{activity},{day.isoformat()},{minutes},,,,{reference}")
        else:
            lines.append(f"{engagement},{activity},,,{start.isoformat()},{end.isoformat()},,{reference}")
    return ("\n".join(lines) + "\n").encode()


def as_copy_text(rows: list[tuple], *, contributor: int, user: int, projects: dict[int, int], now: datetime) -> str:
    """The rows as the import writes them, in COPY's text format."""
    out = io.StringIO()
    stamp = now.isoformat()
    for engagement, activity, day, minutes, start, end, reference in rows:
        started = start.isoformat() if start else "\\N"
        ended = end.isoformat() if end else "\\N"
        out.write(
            f"{engagement}\t{contributor}\t{projects[engagement]}\t{day.isoformat()}\t{minutes}\tsubmitted\t\t{stamp}"
            f"\t\t\t\t{activity}\t{started}\t{ended}\t\t{reference}\t1\tt\t\t{user}\n"
        )
    return out.getvalue()


def timed_copy(text: str, table: str = "marketplace_timeentry") -> float:
    from django.db import connection, transaction

    started = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({COPY_COLUMNS}) FROM STDIN") as copy,
    ):
        copy.write(text)
    return time.perf_counter() - started


def timed_bare_copy(text: str) -> float:
    """COPY into a table of the same columns with no index, key or constraint: what writing costs without them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_bench_bare")
        cursor.execute(
            "CREATE TABLE import_bench_bare (LIKE marketplace_timeentry INCLUDING DEFAULTS INCLUDING IDENTITY)"
        )
    try:
        return timed_copy(text, "import_bench_bare")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE import_bench_bare")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=_django.size(200_000, 400))
    parser.add_argument("--experts", type=int, default=_django.size(200, 4))
    parser.add_argument(
        "--largest-file", type=int, default=_django.size(None, 200), help="entries in the single large file (default: the limit)"
    )
    args = parser.parse_args()
    _django.setup()

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from marketplace.import_files import rows_from_csv
    from marketplace.models import Engagement
    from marketplace.services import time_entries_import

    # The files pack 16 hours into every day, to time the checks on dense files; the
    # platform's ceilings on a person's day and week are lifted so that they all pass.
    settings.WORK_DAY_CEILING_HOURS = 24
    settings.WORK_WEEK_CEILING_HOURS = 7 * 24
    per_expert = args.entries // args.experts
    largest = args.largest_file or settings.TIME_ENTRY_IMPORT_MAX_ROWS
    days_back = max(per_expert, largest) // SLOTS_PER_DAY + 200
    started = time.perf_counter()
    population = _work.ensure_population(
        prefix=PREFIX,
        label=LABEL,
        experts=args.experts + 1,
        projects=PROJECTS,
        engagements_per_expert=ENGAGEMENTS_PER_EXPERT,
        days_back=days_back,
        weekly_cap_hours=60,
    )
    contributors = [contributor for _, contributor, _ in population]
    removed = _work.remove_work(contributors)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE marketplace_timeentry")
    days = _work.open_days(days_back=days_back)
    project_of = dict(Engagement.objects.filter(contributor_id__in=contributors).values_list("id", "project_id"))
    users = {user.pk: user for user in User.objects.filter(pk__in=[user for user, _, _ in population])}
    print(
        f"{len(population) - 1} experts (and one for the large file) ready, {removed:,} earlier entries of theirs "
        f"removed, in {time.perf_counter() - started:.1f} s"
    )

    def run(files: list[tuple[int, int, list[tuple]]], what: str, *, bare: bool = False) -> None:
        csv_files = [(users[user], as_csv(rows)) for user, _, rows in files]
        total = sum(len(rows) for _, _, rows in files)
        started = time.perf_counter()
        for user, data in csv_files:
            time_entries_import(actor=user, rows=rows_from_csv(data))
        ours = time.perf_counter() - started
        _work.remove_work([contributor for _, contributor, _ in files])
        now = timezone.now()
        text = "".join(
            as_copy_text(rows, contributor=contributor, user=user, projects=project_of, now=now)
            for user, contributor, rows in files
        )
        floor = timed_copy(text)
        _work.remove_work([contributor for _, contributor, _ in files])
        print(f"{what}: {total:,} entries")
        print(f"  import service, end to end: {ours:7.2f} s  {total / ours:>10,.0f} rows/s")
        print(f"  COPY of the same rows:      {floor:7.2f} s  {total / floor:>10,.0f} rows/s")
        print(f"  ratio:                      {ours / floor:7.2f}x")
        if bare:
            reference = timed_bare_copy(text)
            print(f"  (COPY into a table without indexes or keys: {reference:.2f} s, {total / reference:,.0f} rows/s)")

    many = [
        (user, contributor, expert_rows(engagements, days, per_expert))
        for user, contributor, engagements in population[1:]
    ]
    run(many, f"{len(many)} files of {per_expert:,} entries, one per expert", bare=True)
    user, contributor, engagements = population[0]
    run([(user, contributor, expert_rows(engagements, days, largest))], f"one file of {largest:,} entries")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE marketplace_timeentry")


if __name__ == "__main__":
    main()
