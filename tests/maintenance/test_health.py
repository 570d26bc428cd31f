"""Health checks: 200 with JSON when a dependency answers, 503 with a reason when it does not, never a 500."""

import socket
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connections

from config.celery import app
from maintenance.health import expected_queues
from maintenance.postgres import DatabaseAddress


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def quick_timeout(settings):
    settings.HEALTH_CHECK_TIMEOUT_SECONDS = 0.5


@pytest.fixture
def celery_worker():
    """A real worker consuming every queue tasks are routed to, as the deployment runs them."""
    app.conf.task_always_eager = False
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=sorted(expected_queues())
        ) as worker:
            # The worker subscribes to broadcasts a moment after it reports ready, and a
            # broadcast sent before that is lost; wait until it answers one.
            deadline = time.monotonic() + 20
            while not app.control.ping(timeout=0.5):
                assert time.monotonic() < deadline, "the test worker never answered a ping"
            yield worker
    finally:
        app.conf.task_always_eager = True


def assert_unavailable(response, check: str, reason: str):
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "check": check, "reason": reason}


@pytest.mark.django_db
def test_the_web_process_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_the_database_check_answers_ok_with_its_latency(client):
    response = client.get("/healthz/db")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["check"]) == ("ok", "database")
    assert body["latency_ms"] >= 0
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_database_is_a_503_naming_no_address(client):
    database = connections["default"]
    # A TCP host, or the embedded server's socket directory (in OPTIONS): either way, the
    # answer must not show it.
    host = DatabaseAddress.from_settings(database.settings_dict).params.get("host", "127.0.0.1")
    port = database.settings_dict["PORT"]
    database.close()
    database.settings_dict["PORT"] = closed_port()
    try:
        db_check = client.get("/healthz/db")
        web_check = client.get("/healthz")
    finally:
        database.close()
        database.settings_dict["PORT"] = port

    assert_unavailable(db_check, "database", "database unreachable")
    assert web_check.status_code == 503
    assert web_check.json() == {"status": "unavailable", "reason": "database unreachable"}
    assert host not in db_check.content.decode()


def test_the_broker_check_pings_redis(client):
    response = client.get("/healthz/broker")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_an_unreachable_broker_is_a_503_naming_no_address(client, settings, quick_timeout):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/healthz/broker")
    assert_unavailable(response, "broker", "broker unreachable")
    assert "127.0.0.1" not in response.content.decode()


def test_the_worker_check_counts_the_workers_and_their_queues(client, celery_worker):
    response = client.get("/healthz/worker")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["check"], body["workers"]) == ("ok", "worker", 1)
    assert body["queues"] == dict.fromkeys(sorted(expected_queues()), 1)


def test_no_worker_is_a_503(client, quick_timeout):
    assert_unavailable(client.get("/healthz/worker"), "worker", "no worker answered within 0.5 s")


def test_a_queue_no_worker_consumes_is_a_503_naming_it(client, settings, celery_worker):
    settings.CELERY_TASK_ROUTES = {"reports.tasks.nightly_export_task": {"queue": "exports"}}
    assert_unavailable(client.get("/healthz/worker"), "worker", "no worker consumes the queue(s): exports")


def test_the_worker_check_with_the_broker_down_is_a_503(client, settings, quick_timeout):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    assert_unavailable(client.get("/healthz/worker"), "worker", "broker unreachable")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz/db", "/healthz/broker", "/healthz/worker"])
def test_health_checks_only_answer_reads(client, path):
    assert client.post(path).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/healthz/db", "/healthz/broker"])
def test_health_checks_are_not_redirected_to_https(client, settings, path):
    # Load balancers probe over plain HTTP; the pages themselves still are redirected.
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(path).status_code == 200
    assert client.get("/").status_code == 301
