"""Operations keep a person's records past their time with a legal hold, and let them go again.

Every operations account reads the holds; only a reviewer, never the person, places or
releases one. The person is not told while it is in force: not in their copy of their data,
not on their own erasure request.
"""

import io
import json
import zipfile

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from config.errors import NotPermitted
from privacy.models import DataExport, LegalHold
from privacy.services import (
    data_export_download,
    data_export_request,
    erasure_request_open,
    legal_hold_place,
    legal_hold_release,
)

from tests.helpers.factories import make_expert, make_ops
from tests.helpers.pages import field_error, log_in, ops_browser, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer():
    return make_ops(Role.OPS_REVIEWER)


def test_a_reviewer_places_a_hold_by_email_and_releases_it_with_a_note(reviewer):
    user, secret = reviewer
    expert = make_expert()
    pages = ops_browser(user, secret)

    placed = pages.post(
        reverse("ops-legal-hold-place"),
        {"email": expert.user.email.upper(), "reason": "A claim about unpaid hours is before the tribunal."},
        follow=True,
    )
    assert placed.status_code == 200
    assert "they have not been told" in text_of(placed)
    hold = LegalHold.objects.get(user=expert.user)
    assert hold.placed_by == user and hold.in_force
    listed = text_of(pages.get(reverse("ops-legal-holds")))
    assert expert.user.email in listed and "In force" in listed and "unpaid hours" in listed

    released = pages.post(
        reverse("ops-legal-hold-release", args=[hold.pk]),
        {f"release-{hold.pk}-note": "The claim was settled."},
        follow=True,
    )
    assert "the retention schedule applies again" in text_of(released)
    hold.refresh_from_db()
    assert hold.released_by == user and hold.release_note == "The claim was settled."
    assert "Released" in text_of(released) and "The claim was settled." in text_of(released)
    actions = list(
        AuditEvent.objects.filter(target_type="privacy.legalhold", target_id=str(hold.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["privacy.legal_hold.placed", "privacy.legal_hold.released"]

    # Released once: a second release (another tab) is refused in words, nothing changes.
    again = pages.post(reverse("ops-legal-hold-release", args=[hold.pk]), {f"release-{hold.pk}-note": "Again."})
    assert again.status_code == 409 and "already released" in text_of(again)


def test_the_form_says_when_nobody_has_that_email_or_the_reason_is_missing(reviewer):
    pages = ops_browser(*reviewer)
    nobody = pages.post(reverse("ops-legal-hold-place"), {"email": "nobody@example.test", "reason": "A claim."})
    assert nobody.status_code == 400
    assert "Nobody has an account with this email address." in field_error(nobody, "email")
    expert = make_expert()
    no_reason = pages.post(reverse("ops-legal-hold-place"), {"email": expert.user.email, "reason": "  "})
    assert no_reason.status_code == 400 and field_error(no_reason, "reason")
    too_long = pages.post(reverse("ops-legal-hold-place"), {"email": expert.user.email, "reason": "x" * 1001})
    assert too_long.status_code == 400
    empty_note = pages.post(reverse("ops-legal-hold-release", args=[_hold(expert.user, reviewer[0]).pk]), {})
    assert empty_note.status_code == 400
    assert not LegalHold.objects.filter(released_at__isnull=False).exists()
    assert LegalHold.objects.count() == 1


def _hold(user, by):
    return legal_hold_place(actor=by, user=user, reason="An inquiry by the labour inspectorate.")


def test_finance_read_the_holds_without_the_forms_and_cannot_place_one(reviewer):
    expert = make_expert()
    hold = _hold(expert.user, reviewer[0])
    finance, secret = make_ops(Role.OPS_FINANCE)
    pages = ops_browser(finance, secret)
    page = pages.get(reverse("ops-legal-holds"))
    assert page.status_code == 200
    assert expert.user.email in text_of(page)
    assert "Operations reviewers place and release legal holds; you can read them." in text_of(page)
    assert "Place the hold" not in text_of(page) and "Release the hold" not in text_of(page)
    assert pages.post(reverse("ops-legal-hold-release", args=[hold.pk]), {"release-1-note": "x"}).status_code == 403
    with pytest.raises(NotPermitted):
        legal_hold_release(actor=finance, hold=hold, note="Ended.")


def test_holds_in_force_come_first_and_the_list_filters_by_email(reviewer):
    user, secret = reviewer
    first, second, third = make_expert(), make_expert(), make_expert()
    released = _hold(first.user, user)
    legal_hold_release(actor=user, hold=released, note="Closed.")
    older = _hold(second.user, user)
    newer = _hold(third.user, user)
    pages = ops_browser(user, secret)
    body = pages.get(reverse("ops-legal-holds")).content.decode()
    positions = [body.index(f'id="hold-{hold.pk}"') for hold in (newer, older, released)]
    assert positions == sorted(positions)

    narrowed = text_of(pages.get(reverse("ops-legal-holds"), {"email": second.user.email[:-3]}))
    assert second.user.email in narrowed and third.user.email not in narrowed
    assert "No hold on anyone" in text_of(pages.get(reverse("ops-legal-holds"), {"email": "nobody-at-all"}))


def test_nobody_places_or_releases_a_hold_on_themselves(reviewer):
    user, _ = reviewer
    other, other_secret = make_ops(Role.OPS_REVIEWER)
    with pytest.raises(NotPermitted):
        legal_hold_place(actor=user, user=user, reason="Mine.")
    hold = legal_hold_place(actor=other, user=user, reason="An inquiry about a decision they took.")
    with pytest.raises(NotPermitted):
        legal_hold_release(actor=user, hold=hold, note="Done.")
    # And the database agrees, whatever the code path.
    with pytest.raises(IntegrityError), transaction.atomic():
        LegalHold.objects.filter(pk=hold.pk).update(released_by=user, released_at=timezone.now(), release_note="x")
    # The person under the hold does not see it, even from the operations pages.
    own_view = ops_browser(*reviewer).get(reverse("ops-legal-holds"))
    assert "An inquiry about a decision" not in text_of(own_view)
    assert "An inquiry about a decision" in text_of(ops_browser(other, other_secret).get(reverse("ops-legal-holds")))


def test_the_erasure_request_page_shows_the_hold_that_stops_it(reviewer, client_for):
    user, secret = reviewer
    expert = make_expert()
    erasure = erasure_request_open(actor=expert.user, statement="Please erase me.")
    _hold(expert.user, user)
    pages = ops_browser(user, secret)
    page = text_of(pages.get(reverse("ops-erasure-request", args=[erasure.pk])))
    assert "Legal hold in force" in page and "labour inspectorate" in page
    assert "A legal hold keeps their records until operations release it." in page

    # Their own request: the person under the hold is not told, and cannot decide it anyway.
    other, other_secret = make_ops(Role.OPS_REVIEWER)
    own_request = erasure_request_open(actor=user, statement="Erase me.")
    legal_hold_place(actor=other, user=user, reason="A regulator asked about their decisions.")
    own = text_of(pages.get(reverse("ops-erasure-request", args=[own_request.pk])))
    assert "regulator" not in own and "Legal hold in force" not in own
    assert "regulator" in text_of(
        ops_browser(other, other_secret).get(reverse("ops-erasure-request", args=[own_request.pk]))
    )
    # The API's queue says the same: what stops each request, but nothing on one's own
    # (another reviewer, as each signs in once per test).
    third, third_secret = make_ops(Role.OPS_REVIEWER)
    third_request = erasure_request_open(actor=third, statement="Erase me too.")
    legal_hold_place(actor=other, user=third, reason="A regulator asked about their decisions too.")
    queue = client_for(third, third_secret).get(reverse("api-ops-erasure-requests")).json()
    blocks = {row["id"]: row["blocks"] for row in queue}
    assert blocks[third_request.pk] == []
    assert "A legal hold keeps their records until operations release it." in blocks[erasure.pk]


def _events_in_copy(user, capture) -> list[dict]:
    with capture(execute=True):
        export = data_export_request(actor=user)
    with capture(execute=True), data_export_download(export_id=export.pk, actor=user)[1] as stream:
        archive = zipfile.ZipFile(io.BytesIO(stream.read()))
    DataExport.objects.filter(user=user).delete()
    return json.loads(archive.read("audit_events.json"))


def test_the_person_is_not_told_of_a_hold_in_force_and_learns_of_it_once_released(
    reviewer, django_capture_on_commit_callbacks
):
    expert = make_expert()
    hold = _hold(expert.user, reviewer[0])
    events = _events_in_copy(expert.user, django_capture_on_commit_callbacks)
    assert not [event for event in events if event["action"].startswith("privacy.legal_hold")]
    assert "labour inspectorate" not in json.dumps(events)
    assert "inspectorate" not in text_of(log_in(expert.user).get(reverse("your-data")))

    legal_hold_release(actor=reviewer[0], hold=hold, note="The inquiry closed.")
    events = _events_in_copy(expert.user, django_capture_on_commit_callbacks)
    assert [e["action"] for e in events if e["action"].startswith("privacy.legal_hold")] == [
        "privacy.legal_hold.placed",
        "privacy.legal_hold.released",
    ]


def test_the_api_lists_places_and_releases_holds(reviewer, client_for):
    user, secret = reviewer
    api = client_for(user, secret)
    expert = make_expert()
    url = reverse("api-ops-legal-holds")

    created = api.post(url, {"email": expert.user.email, "reason": "A court ordered the records kept."}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["email"] == expert.user.email and body["in_force"] is True and body["placed_by"] == user.email

    listed = api.get(url, {"email": expert.user.email}).json()
    assert [hold["id"] for hold in listed["results"]] == [body["id"]]
    assert api.get(url, {"email": "nobody-at-all"}).json()["results"] == []
    assert api.get(url, {"email": "x" * 255}).status_code == 400

    release_url = reverse("api-ops-legal-hold-release", args=[body["id"]])
    assert api.post(release_url, {}, format="json").json()["fields"]["note"]
    released = api.post(release_url, {"note": "The order was lifted."}, format="json")
    assert released.status_code == 200
    assert released.json()["in_force"] is False and released.json()["released_by"] == user.email
    again = api.post(release_url, {"note": "Again."}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "legal_hold_released"


def test_the_api_answers_bad_input_with_field_errors(reviewer, client_for):
    api = client_for(*reviewer)
    url = reverse("api-ops-legal-holds")
    nobody = api.post(url, {"email": "nobody@example.test", "reason": "A claim."}, format="json")
    assert nobody.status_code == 400 and nobody.json()["fields"]["email"]
    not_an_email = api.post(url, {"email": "not an email", "reason": "A claim."}, format="json")
    assert not_an_email.status_code == 400 and not_an_email.json()["fields"]["email"]
    expert = make_expert()
    too_long = api.post(url, {"email": expert.user.email, "reason": "x" * 1001}, format="json")
    assert too_long.status_code == 400 and too_long.json()["fields"]["reason"]
    assert not LegalHold.objects.exists()
    finance = client_for(*make_ops(Role.OPS_FINANCE))
    assert finance.get(url).status_code == 200
    assert finance.post(url, {"email": expert.user.email, "reason": "A claim."}, format="json").status_code == 403
