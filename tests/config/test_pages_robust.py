"""No page answers 500, whoever asks and whatever they send.

Every page route from the URL configuration is requested by every kind of visitor, with
a query string and a form full of malformed values (wrong types, impossible dates,
NUL bytes, markup, huge numbers), against real objects and against ids that do not
exist. A new page with path parameters and no objects to try it with in
``tests/helpers/page_world.py`` fails the suite.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers.page_world import build_world, page_routes, sign_in

pytestmark = pytest.mark.django_db

MALFORMED = {
    "q": "\x00'\"<script>alert(1)</script>",
    "page": "-1",
    "status": "no-such-status",
    "week": "2026-13-45",
    "period_start": "not-a-date",
    "work_date": "99999-01-01",
    "started_at": "yesterday-ish",
    "ended_at": "\x00",
    "minutes": "-5",
    "rate_minor": "1e309",
    "amount_minor": "NaN",
    "hours": "9" * 40,
    "reason": "x" * 5000,
    "note": "\x00",
    "email": "not-an-email",
    "role": "emperor",
    "tier": "god",
    "kind": "../../etc/passwd",
    "ids": ["abc", "-1", "\x00"],
    "action": "approve-everything",
    "currency": "€€€",
    "country": "Atlantis",
    "title": "",
    "confidence": "2.5",
    "answer": "{not json",
}


def _page_routes() -> list[tuple[str, tuple[str, ...]]]:
    """(route name, its path parameters) for every page."""
    return [(route.name, route.params) for route in page_routes()]


@pytest.fixture
def world(stripe_server):
    world = build_world()
    visitors = {
        "anonymous": Client(),
        "expert": sign_in(world.owner.user),
        "other_expert": sign_in(world.other.user),
        "lab_member": sign_in(world.lab_owner),
        "ops_reviewer": sign_in(world.reviewer, world.reviewer_secret),
        "ops_finance": sign_in(world.finance, world.finance_secret),
    }
    return visitors, world.kwargs


def test_every_page_with_path_parameters_has_real_objects_to_try(world):
    _, kwargs = world
    missing = [name for name, params in _page_routes() if params and name not in kwargs]
    assert not missing, f"say which objects these pages should be tried with: {missing}"


def _missing(values: dict) -> dict:
    return {key: (value if not isinstance(value, int) else 987654) for key, value in values.items()}


@pytest.mark.parametrize(
    "visitor", ["anonymous", "expert", "other_expert", "lab_member", "ops_reviewer", "ops_finance"]
)
def test_no_page_answers_500_to_malformed_input(world, visitor):
    visitors, kwargs = world
    browser = visitors[visitor]
    failures = []
    for name, params in _page_routes():
        variants = [kwargs.get(name)] + ([_missing(kwargs[name])] if params else [])
        for route_kwargs in variants:
            url = reverse(name, kwargs=route_kwargs)
            for method in ("get", "post"):
                if name == "account_logout":
                    continue  # would end the session the other pages are tried with
                response = getattr(browser, method)(url, MALFORMED)
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {url}: {response.status_code}")
    assert not failures, "\n".join(failures)
