"""An expert fills in and edits their profile; bad input changes nothing."""

import pytest

from audit.models import AuditEvent
from contributors.models import Contributor

from tests.helpers.factories import UserFactory, make_expert

pytestmark = pytest.mark.django_db

PROFILE = {
    "legal_name": "María José García",
    "display_name": "Dr García",
    "country": "mx",
    "subdivision": "mx-cmx",
    "timezone": "America/Mexico_City",
    "languages": ["es", "EN"],
    "education_level": "doctorate",
    "specialties": ["securities", "contracts"],
    "skills": ["contract review", "SEC filings"],
    "weekly_availability_hours": 25,
    "content_opt_outs": ["violence", "self_harm"],
    "weekly_exposure_cap_minutes": 0,
}


def test_expert_creates_then_edits_their_profile_and_each_change_is_audited(client_for):
    user = UserFactory()
    client = client_for(user)
    assert client.get("/api/me/profile/").status_code == 404

    created = client.put("/api/me/profile/", PROFILE, format="json")
    assert created.status_code == 200, created.json()
    body = created.json()
    assert (body["country"], body["subdivision"], body["languages"]) == ("MX", "MX-CMX", ["es", "en"])
    assert sorted(d["slug"] for d in body["specialties"]) == ["contracts", "securities"]
    assert body["status"] == "applicant" and body["tier"] == ""

    edited = client.put("/api/me/profile/", {**PROFILE, "weekly_availability_hours": 10}, format="json")
    assert edited.json()["weekly_availability_hours"] == 10
    update = AuditEvent.objects.get(action="contributors.profile.updated")
    assert update.before == {"weekly_availability_hours": 25}
    assert update.after == {"weekly_availability_hours": 10}
    user.refresh_from_db()
    assert user.timezone == "America/Mexico_City"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"country": "ZZ"}, "country"),
        ({"subdivision": "US-CA"}, "subdivision"),
        ({"languages": []}, "languages"),
        ({"languages": ["xx"]}, "languages"),
        ({"specialties": []}, "specialties"),
        ({"specialties": ["astrology"]}, "specialties"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"weekly_availability_hours": 200}, "weekly_availability_hours"),
        ({"content_opt_outs": ["anything"]}, "content_opt_outs"),
        ({"legal_name": ""}, "legal_name"),
        ({"education_level": "kindergarten"}, "education_level"),
        ({"skills": ["a", "a"]}, "skills"),
    ],
)
def test_bad_profile_input_is_a_field_error_and_saves_nothing(client_for, overrides, field):
    client = client_for(UserFactory())
    response = client.put("/api/me/profile/", {**PROFILE, **overrides}, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not Contributor.objects.exists()


def test_a_bad_edit_keeps_the_previous_profile(client_for):
    contributor = make_expert()
    client = client_for(contributor.user)
    response = client.put("/api/me/profile/", {**PROFILE, "country": "ZZ"}, format="json")
    assert response.status_code == 400
    contributor.refresh_from_db()
    assert contributor.country == "US"


def test_domains_list_has_sub_specialties_under_their_parent(client_for):
    client = client_for(UserFactory())
    domains = {d["slug"]: d for d in client.get("/api/domains/").json()}
    assert domains["cardiology"]["parent"] == "medicine"
    assert domains["distributed-systems"]["parent"] == "computer-science"
    assert domains["securities"]["parent"] == "law"
    assert domains["medicine"]["parent"] is None


def test_openapi_schema_describes_every_endpoint(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/me/credentials/" in schema["paths"]
    assert "/api/ops/tier-decisions/{id}/approve/" in schema["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
