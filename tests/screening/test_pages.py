"""Operations' sanctions review pages, and the sign-up page refusing a sanctioned place."""

from datetime import date
from pathlib import Path

import pytest

from accounts.models import Role
from screening.models import ScreeningReview
from screening.services import SanctionsFiles, sanctions_list_import

from tests.helpers.factories import UserFactory, make_expert, make_ops
from tests.helpers.pages import field_error, log_in, ops_browser, text_of

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "screening" / "samples"


@pytest.fixture
def listed_expert():
    sanctions_list_import(
        actor=None,
        list_kind="sdn",
        files=SanctionsFiles(prim=(SAMPLES / "SDN.CSV").read_bytes(), add=(SAMPLES / "ADD.CSV").read_bytes()),
        published_on=date(2026, 6, 15),
        source="SDN.CSV",
    )
    expert = make_expert(legal_name="Ivan Testovich Sample", country="US")
    return expert, ScreeningReview.objects.get(subject__ref_id=expert.pk, subject__kind="expert")


def test_two_reviewers_clear_a_possible_match_through_the_pages(listed_expert):
    _, review = listed_expert
    first, second = ops_browser(*make_ops(Role.OPS_REVIEWER)), ops_browser(*make_ops(Role.OPS_REVIEWER))

    queue = text_of(first.get("/ops/screening/"))
    assert f"Review #{review.pk}" in queue and "Ivan Testovich Sample" in queue
    page = text_of(first.get(f"/ops/screening/{review.pk}/"))
    assert "SAMPLE, Ivan Testovich" in page and "1970-01-01 (day)" in page
    assert "1 Sample Street, Tehran, Iran" in page and "Possible match, to review" in page

    refused = first.post(f"/ops/screening/{review.pk}/propose/", {"decision": "clear", "reason": "no"})
    assert refused.status_code == 400 and "At least 10 characters" in text_of(refused)
    done = first.post(
        f"/ops/screening/{review.pk}/propose/",
        {"decision": "clear", "reason": "Passport: born 1991 in Denver, never in Iran."},
    )
    assert done.status_code == 302
    assert "You proposed this; another reviewer has to agree" in text_of(first.get(f"/ops/screening/{review.pk}/"))
    same = first.post(f"/ops/screening/{review.pk}/second/", {"agree": "true", "reason": "Agreeing with myself."})
    assert same.status_code == 400 and "cannot also second it" in text_of(same)

    agreed = second.post(f"/ops/screening/{review.pk}/second/", {"agree": "true", "reason": "Passport scan checked."})
    assert agreed.status_code == 302
    page = text_of(second.get(f"/ops/screening/{review.pk}/"))
    assert "Cleared: not the same person" in page and "Kept until 17 Jun 2036" in page
    assert "No possible matches are waiting for review" in text_of(second.get("/ops/screening/"))


def test_finance_reads_the_queue_but_cannot_decide(listed_expert):
    _, review = listed_expert
    finance = ops_browser(*make_ops(Role.OPS_FINANCE))
    assert finance.get(f"/ops/screening/{review.pk}/").status_code == 200
    refused = finance.post(f"/ops/screening/{review.pk}/propose/", {"decision": "clear", "reason": "Looks different."})
    assert refused.status_code == 403


def test_the_profile_page_refuses_a_comprehensively_sanctioned_country():
    user = UserFactory(role=Role.EXPERT)
    browser = log_in(user)
    response = browser.post(
        "/expert/profile/",
        {
            "legal_name": "Ada Example",
            "display_name": "Ada",
            "country": "IR",
            "subdivision": "",
            "timezone": "UTC",
            "languages": ["en"],
            "education_level": "professional",
            "weekly_availability_hours": 10,
            "weekly_exposure_cap_minutes": 0,
            "specialties": ["cardiology"],
        },
    )
    assert response.status_code == 400, response.status_code
    assert "US sanctions" in field_error(response, "country")
