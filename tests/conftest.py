import os

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import Role

from tests.helpers import clock
from tests.helpers.factories import PASSWORD, make_ops, totp_code
from tests.helpers.stripe_webhooks import WebhookInbox


def pytest_addoption(parser):
    parser.addoption(
        "--at",
        default=os.environ.get("TESTS_AT") or clock.DEFAULT_MOMENT,
        help=f"the moment the whole run starts at, with its offset (default TESTS_AT or {clock.DEFAULT_MOMENT}); "
        "the clock ticks from there",
    )


def pytest_configure(config):
    # As early as can be: collection and session fixtures already see the run's moment.
    clock.travel_to(config.getoption("at"))


def pytest_unconfigure(config):
    clock.travel_back()


def pytest_generate_tests(metafunc):
    # @pytest.mark.moments: the test runs at the run's moment and at each of clock.MOMENTS.
    if metafunc.definition.get_closest_marker("moments"):
        metafunc.fixturenames.append("moment")
        metafunc.parametrize("moment", [None, *clock.MOMENTS.values()], ids=["at", *clock.MOMENTS], indirect=True)


def pytest_collection_modifyitems(items):
    for item in items:
        # (The parametrized copies of a test share one list of fixture names.)
        if item.get_closest_marker("moments") and item.fixturenames[:1] != ["moment"]:
            # Set up first, so that every other fixture of the test makes its data at that moment.
            item.fixturenames.insert(0, "moment")


@pytest.fixture
def moment(request):
    """The moment a test marked ``moments`` runs at (None: the run's own)."""
    if request.param is None:
        yield None
        return
    clock.travel_to(request.param)
    yield request.param
    clock.travel_back()


@pytest.fixture(autouse=True)
def _clock_restored():
    """Undo whatever travels a test (or a helper it called) made and did not undo."""
    depth = len(clock._travels)
    yield
    while len(clock._travels) > depth:
        clock.travel_back()


# Rows that data migrations load: (model label, migration module, its loading function).
_MIGRATION_DATA = [
    ("contributors.Domain", "contributors.migrations.0002_domain_taxonomy", "load"),
    ("payouts.MinimumWage", "payouts.migrations.0002_reference_data", "load"),
    ("reporting.ReportingThreshold", "reporting.migrations.0002_seed_thresholds", "seed"),
]


@pytest.fixture(autouse=True)
def _migration_data(request):
    # Transactional tests flush every table, including rows the data migrations load;
    # put them back for whichever test comes next.
    if not request.node.get_closest_marker("django_db"):
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("_django_db_helper")
    for label, module, function in _MIGRATION_DATA:
        if not apps.get_model(label).objects.exists():
            getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _clean_cache():
    # Lockout counters and used TOTP codes live in Redis; each test starts clean.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client_for():
    """An API client authenticated as the given user, through the real token endpoint."""

    def build(user, secret: str | None = None) -> APIClient:
        client = APIClient()
        payload = {"email": user.email, "password": PASSWORD}
        if secret:
            payload["otp_code"] = totp_code(secret)
        response = client.post("/api/auth/token/", payload, format="json")
        assert response.status_code == 200, response.json()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
        return client

    return build


@pytest.fixture
def ops_reviewer():
    return make_ops(Role.OPS_REVIEWER)


@pytest.fixture
def second_reviewer():
    return make_ops(Role.OPS_REVIEWER)


@pytest.fixture
def ops_finance():
    return make_ops(Role.OPS_FINANCE)


@pytest.fixture
def reviewer_client(client_for, ops_reviewer):
    user, secret = ops_reviewer
    return client_for(user, secret)


@pytest.fixture(scope="session")
def stripe_server():
    from stripe_local.server import LocalStripeServer

    server = LocalStripeServer().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _stripe_settings(request, settings):
    # Only tests that reach Stripe start the local server (it is shared by the session).
    if "stripe_server" in request.fixturenames or "webhook_inbox" in request.fixturenames:
        server = request.getfixturevalue("stripe_server")
        settings.STRIPE_API_BASE = server.url
        settings.STRIPE_SECRET_KEY = "sk_test_local"


@pytest.fixture
def webhook_inbox(stripe_server, settings):
    from stripe_local.server import register_webhook, unregister_webhook

    inbox = WebhookInbox()
    register_webhook(name="tests", url=inbox.url, secret=settings.STRIPE_WEBHOOK_SECRET)
    yield inbox
    unregister_webhook(name="tests")
    inbox.close()


@pytest.fixture
def connect_webhook_inbox(stripe_server, settings):
    """Receives the events of connected accounts, as the Connect endpoint does."""
    from stripe_local.server import register_webhook, unregister_webhook

    # A secret of its own, so that nothing passes by verifying with the platform's.
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = "whsec_local_connect_tests"
    inbox = WebhookInbox()
    register_webhook(name="tests-connect", url=inbox.url, secret=settings.STRIPE_CONNECT_WEBHOOK_SECRET, connect=True)
    yield inbox
    unregister_webhook(name="tests-connect")
    inbox.close()
