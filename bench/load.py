"""Load on the busiest paths, through gunicorn, each next to /healthz served by the same stack.

Starts gunicorn as operations run it (``gunicorn config.wsgi --workers 4``, sync workers,
production settings, persistent database connections) on 127.0.0.1 against the
benchmark database and Redis, then drives it with an asyncio/aiohttp load generator for
a fixed time per scenario (default 30 s after a 3 s warm-up, 8 connections):

- ``healthz``: the trivial endpoint (one ``SELECT 1``), run right before each scenario;
- ``log time``: experts ``POST /api/me/time-entries/`` (a start and an end, with an
  Idempotency-Key, as a client would send it);
- ``statements``: experts ``GET /api/me/statements/`` (8 approved weekly statements of
  2 lines each);
- ``budget burn``: lab members ``GET /api/projects/{id}/budget/`` (projects of 50 experts
  with 80 entries each, plus whatever the log-time scenario added).

It prints requests, throughput, p50 and p99 latency and any non-2xx answer per scenario,
and the ratios to the /healthz run before it. Requests carry ``X-Forwarded-Proto:
https``, as the TLS proxy in front of production does.

The data (200 experts, 50 lab members, 4 projects, tokens, statements of 8 weeks long
past) is made in SQL once and kept ("Load bench ..."); the time entries and idempotency
records the run creates are deleted afterwards.

    .venv/bin/python bench/load.py [--duration 30] [--connections 8] [--workers 4]
"""

import argparse
import asyncio
import base64
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import count

import _django
import _work

PREFIX = "loadbench"
LABEL = "Load bench"
EXPERTS = _django.size(200, 10)
LAB_MEMBERS = _django.size(50, 4)
PROJECTS = 4
STATEMENT_WEEKS = 8

SEED_SQL = """
INSERT INTO marketplace_timeentry (
    engagement_id, contributor_id, project_id, work_date, minutes, status, hold_reason, submitted_at,
    rejection_reason, appeal_reason, appeal_decision_reason, activity, note, task_reference, version, is_current,
    change_reason, created_by_id)
SELECT e.id, e.contributor_id, e.project_id, %(first_day)s + (k %% 60), 30 + (k * 7) %% 60,
       CASE WHEN k %% 5 = 0 THEN 'submitted' ELSE 'approved' END, '', now(), '', '', '',
       (ARRAY['task_work','training','meeting','review'])[1 + k %% 4], '', '', 1, true, '', c.user_id
FROM marketplace_engagement e
JOIN contributors_contributor c ON c.id = e.contributor_id
CROSS JOIN generate_series(1, 80) k
WHERE e.contributor_id = ANY(%(contributors)s);
"""

LAB_MEMBERS_SQL = """
INSERT INTO accounts_user (password, is_superuser, is_staff, is_active, date_joined, email, full_name, role, timezone)
SELECT '!', false, false, true, now(), 'loadbench-lab' || g || '@bench.example', 'Load bench lab member ' || g,
       'lab_member', 'UTC'
FROM generate_series(1, %(members)s) g
ON CONFLICT (email) DO NOTHING;

INSERT INTO marketplace_labmembership (lab_id, user_id, role, joined_at)
SELECT (SELECT id FROM marketplace_lab WHERE name = 'Load bench lab'), u.id, 'owner', now()
FROM accounts_user u WHERE u.email LIKE 'loadbench-lab%%@bench.example'
ON CONFLICT (lab_id, user_id) DO NOTHING;

INSERT INTO accounts_user (password, is_superuser, is_staff, is_active, date_joined, email, full_name, role, timezone)
VALUES ('!', false, false, true, now(), 'loadbench-finance1@bench.example', 'Load bench preparer', 'ops_finance', 'UTC'),
       ('!', false, false, true, now(), 'loadbench-finance2@bench.example', 'Load bench approver', 'ops_finance', 'UTC')
ON CONFLICT (email) DO NOTHING;

"""

STATEMENTS_SQL = """
INSERT INTO payouts_payperiod (starts_on, ends_on, status, locked_at, locked_by_id)
SELECT s, s + 6, 'approved', now(), (SELECT id FROM accounts_user WHERE email = 'loadbench-finance1@bench.example')
FROM unnest(%(starts)s::date[]) s
ON CONFLICT (starts_on) DO NOTHING;

INSERT INTO payouts_payrun (status, progress, step, error, totals, started_at, finished_at, approved_at,
                            approved_by_id, period_id, prepared_by_id, work_read_at)
SELECT 'approved', 100, '', '', '{}', now(), now(), now(),
       (SELECT id FROM accounts_user WHERE email = 'loadbench-finance2@bench.example'), p.id,
       (SELECT id FROM accounts_user WHERE email = 'loadbench-finance1@bench.example'), now()
FROM payouts_payperiod p
WHERE p.starts_on = ANY(%(starts)s::date[])
  AND NOT EXISTS (SELECT 1 FROM payouts_payrun r WHERE r.period_id = p.id AND r.status = 'approved');

CREATE TEMP TABLE load_runs ON COMMIT DROP AS
SELECT r.id FROM payouts_payrun r JOIN payouts_payperiod p ON p.id = r.period_id
WHERE p.starts_on = ANY(%(starts)s::date[]) AND r.status = 'approved';

INSERT INTO payouts_paystatement (currency, country, subdivision, minutes_worked, pay_minor, floor_due_minor,
                                  topup_minor, total_minor, effective_hourly_minor, contributor_id, run_id,
                                  adjustment_minor)
SELECT 'USD', 'US', 'US-CA', 600, 60000, 16500, 0, 60000, 6000, c, r.id, 0
FROM unnest(%(contributors)s::bigint[]) c CROSS JOIN load_runs r
ON CONFLICT (run_id, contributor_id, currency) DO NOTHING;

INSERT INTO payouts_payline (kind, description, minutes, quantity, rate_minor, amount_minor, source, engagement_id,
                             statement_id, adjusts_kind, adjusts_period_id)
SELECT k.kind, k.description, k.minutes, k.quantity, 6000, k.amount, k.source::jsonb, e.id, s.id, '', NULL
FROM payouts_paystatement s
JOIN marketplace_engagement e ON e.contributor_id = s.contributor_id
CROSS JOIN (VALUES
    ('hourly', 'Hourly work', 480, 8, 48000, '{"minutes_by_day": [120, 120, 60, 60, 120, 0, 0]}'),
    ('training', 'Training, onboarding and assessments', 120, 2, 12000, '{"minutes_by_day": [60, 0, 60, 0, 0, 0, 0]}')
) AS k(kind, description, minutes, quantity, amount, source)
WHERE s.run_id IN (SELECT id FROM load_runs) AND s.contributor_id = ANY(%(contributors)s)
  AND NOT EXISTS (SELECT 1 FROM payouts_payline l WHERE l.statement_id = s.id);
"""


def _fresh_tokens() -> dict[int, str]:
    """A new API token for each person of the load (only digests are stored, so earlier ones cannot be read back)."""
    from accounts.models import ApiToken, User
    from accounts.tokens import api_token_build

    people = list(User.objects.filter(email__startswith="loadbench", email__endswith="@bench.example"))
    ApiToken.objects.filter(user__in=people).delete()
    built = [api_token_build(user=user, second_factor=False) for user in people]
    ApiToken.objects.bulk_create([token for token, _ in built])
    return {token.user_id: key for token, key in built}


def prepare() -> dict:
    """The load's people, tokens, projects, statements and earlier work, in the benchmark database."""
    from django.db import connection, transaction
    from django.utils import timezone

    from payouts.weeks import week_of

    population = _work.ensure_population(
        prefix=f"{PREFIX}-expert",
        label=LABEL,
        experts=EXPERTS,
        projects=PROJECTS,
        engagements_per_expert=1,
        days_back=120,
        weekly_cap_hours=None,
    )
    contributors = [contributor for _, contributor, _ in population]
    today = timezone.now().date()
    long_ago = week_of(today - timedelta(weeks=60))[0]
    starts = [long_ago + timedelta(weeks=k) for k in range(STATEMENT_WEEKS)]
    _work.remove_work(contributors)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SEED_SQL, {"first_day": today - timedelta(days=110), "contributors": contributors})
        cursor.execute(LAB_MEMBERS_SQL, {"members": LAB_MEMBERS})
        cursor.execute(STATEMENTS_SQL, {"starts": starts, "contributors": contributors})
        tokens = _fresh_tokens()
        cursor.execute("SELECT id FROM accounts_user WHERE email LIKE 'loadbench-lab%%@bench.example' ORDER BY id")
        lab_tokens = [tokens[user_id] for (user_id,) in cursor.fetchall()]
        cursor.execute("SELECT id FROM marketplace_project WHERE title LIKE 'Load bench project %%' ORDER BY id")
        projects = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT count(*) FROM payouts_paystatement WHERE contributor_id = ANY(%s) AND run_id IN "
            "(SELECT r.id FROM payouts_payrun r JOIN payouts_payperiod p ON p.id = r.period_id "
            " WHERE p.starts_on = ANY(%s::date[]) AND r.status = 'approved')",
            [contributors, starts],
        )
        statements = cursor.fetchone()[0]
    experts = [(tokens[user_id], engagements[0]) for user_id, _, engagements in population]
    # Recent open days of the engagements, for new entries; the seeded work is older.
    days = [day for day in _work.open_days(days_back=40) if day > today - timedelta(days=40)]
    print(
        f"{len(experts)} experts with {statements:,} statements and {80 * len(experts):,} earlier entries, "
        f"{len(lab_tokens)} lab members, {len(projects)} projects"
    )
    return {
        "experts": experts,
        "lab_tokens": lab_tokens,
        "projects": projects,
        "days": days,
        "contributors": contributors,
    }


def cleanup(data: dict) -> None:
    from django.db import connection

    removed = _work.remove_work(data["contributors"])
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM api_idempotentrequest WHERE user_id IN "
            "(SELECT id FROM accounts_user WHERE email LIKE 'loadbench%%@bench.example')"
        )
    print(f"removed the run's work ({removed:,} entries, seeded ones included) and idempotency records")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(*, port: int, workers: int, log) -> subprocess.Popen:
    from config.db import database_url

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database_url(),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Nothing in these paths reaches Stripe or sends mail; production settings require them.
        "STRIPE_SECRET_KEY": "sk_test_load_bench",
        "STRIPE_WEBHOOK_SECRET": "whsec_load_bench",
        "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_load_bench",
        "LOG_LEVEL": "WARNING",
        # Fresh keys per run: the load paths neither read nor write tax identifiers or documents.
        "TAX_DATA_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "TAX_FINGERPRINT_KEY": secrets.token_urlsafe(48),
        "IDENTITY_FINGERPRINT_KEY": secrets.token_urlsafe(48),
    }
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    process = subprocess.Popen(
        [gunicorn, "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning"],
        cwd=_django.ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    # Ready when every worker has booted and /healthz answers.
    import urllib.request

    deadline = time.monotonic() + 120
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"})
    answered = 0
    while time.monotonic() < deadline and answered < 4 * workers:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (a local http URL)
                answered += response.status == 200
        except OSError:
            time.sleep(0.2)
    if answered < 4 * workers:
        process.terminate()
        raise RuntimeError(f"gunicorn did not answer /healthz within 120 s; see {log.name}")
    return process


class Scenario:
    def __init__(self, name: str, next_request):
        self.name = name
        self.next_request = next_request
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.failures: list[str] = []
        self.window = 0.0

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if not (isinstance(status, int) and 200 <= status < 300))

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.window if self.window else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else float("nan")


async def drive(scenario: Scenario, *, base: str, connections: int, warmup: float, duration: float) -> None:
    import aiohttp

    warm_until = time.perf_counter() + warmup
    end = warm_until + duration
    last = warm_until
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        base, connector=aiohttp.TCPConnector(limit=connections), timeout=timeout
    ) as session:

        async def worker():
            nonlocal last
            while time.perf_counter() < end:
                method, path, headers, body = scenario.next_request()
                started = time.perf_counter()
                try:
                    async with session.request(method, path, headers=headers, json=body) as response:
                        payload = await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError) as exc:
                    payload, status = str(exc).encode(), type(exc).__name__
                finished = time.perf_counter()
                if started < warm_until:
                    continue
                scenario.latencies.append(finished - started)
                scenario.statuses[status] += 1
                last = max(last, finished)
                if not (isinstance(status, int) and 200 <= status < 300) and len(scenario.failures) < 3:
                    scenario.failures.append(f"{status}: {payload[:300]!r}")

        await asyncio.gather(*(worker() for _ in range(connections)))
    scenario.window = last - warm_until


def requests_for(data: dict):
    """The four kinds of request, each as a function giving the next one to send."""
    experts, lab_tokens, projects, days = data["experts"], data["lab_tokens"], data["projects"], data["days"]
    turn = count()
    slots = Counter()

    def headers(token: str) -> dict:
        return {"Authorization": f"Bearer {token}", "X-Forwarded-Proto": "https"}

    def healthz():
        return "GET", "/healthz", {"X-Forwarded-Proto": "https"}, None

    def log_time():
        k = next(turn)
        token, engagement = experts[k % len(experts)]
        slot = slots[engagement]
        slots[engagement] += 1
        day = days[slot // 90]
        start = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=15 * (slot % 90))
        body = {
            "engagement": engagement,
            "activity": "task_work",
            "started_at": start.isoformat(),
            "ended_at": (start + timedelta(minutes=10)).isoformat(),
            "note": "load test",
        }
        return "POST", "/api/me/time-entries/", {**headers(token), "Idempotency-Key": str(uuid.uuid4())}, body

    def statements():
        token, _ = experts[next(turn) % len(experts)]
        return "GET", "/api/me/statements/", headers(token), None

    def budget():
        k = next(turn)
        return (
            "GET",
            f"/api/projects/{projects[k % len(projects)]}/budget/",
            headers(lab_tokens[k % len(lab_tokens)]),
            None,
        )

    return healthz, [("log time (POST /api/me/time-entries/)", log_time),
                     ("statements (GET /api/me/statements/)", statements),
                     ("budget burn (GET /api/projects/{id}/budget/)", budget)]  # fmt: skip


def report(scenario: Scenario, trivial: Scenario | None = None) -> None:
    line = (
        f"  {scenario.name:46} {len(scenario.latencies):>7,} req {scenario.throughput:>8.1f} req/s "
        f"p50 {scenario.percentile(0.50):7.1f} ms  p99 {scenario.percentile(0.99):7.1f} ms  non-2xx {scenario.errors}"
    )
    print(line)
    if trivial is not None and scenario.latencies and trivial.latencies:
        print(
            f"  {'':46} vs /healthz: {trivial.throughput / scenario.throughput:5.1f}x fewer req/s, "
            f"p50 {scenario.percentile(0.5) / trivial.percentile(0.5):5.1f}x, p99 {scenario.percentile(0.99) / trivial.percentile(0.99):5.1f}x"
        )
    for failure in scenario.failures:
        print(f"    {failure}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=_django.size(30, 1), help="seconds measured per scenario")
    parser.add_argument("--warmup", type=float, default=_django.size(3, 0.5))
    parser.add_argument("--connections", type=int, default=_django.size(8, 2))
    parser.add_argument("--workers", type=int, default=_django.size(4, 1))
    args = parser.parse_args()
    _django.setup()
    data = prepare()
    healthz, busy = requests_for(data)
    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    process = start_gunicorn(port=port, workers=args.workers, log=log)
    print(
        f"gunicorn config.wsgi --workers {args.workers} (sync) on 127.0.0.1:{port}, production settings; "
        f"{args.connections} connections, {args.warmup:.0f} s warm-up + {args.duration:.0f} s per scenario; "
        f"load average before: {os.getloadavg()[0]:.1f}"
    )
    total_errors = 0
    try:
        for name, next_request in busy:
            trivial = Scenario("/healthz (same stack, just before)", healthz)
            scenario = Scenario(name, next_request)
            for run in (trivial, scenario):
                asyncio.run(
                    drive(
                        run,
                        base=f"http://127.0.0.1:{port}",
                        connections=args.connections,
                        warmup=args.warmup,
                        duration=args.duration,
                    )
                )
            report(trivial)
            report(scenario, trivial)
            total_errors += trivial.errors + scenario.errors
    finally:
        process.terminate()
        process.wait(timeout=30)
        cleanup(data)
    print(
        f"non-2xx answers in all: {total_errors}; load average after: {os.getloadavg()[0]:.1f}; gunicorn log: {log.name}"
    )
    if total_errors and _django.SMOKE:
        # A figure is still a figure with a few failed requests; a smoke run is there to catch them.
        sys.exit(1)


if __name__ == "__main__":
    main()
