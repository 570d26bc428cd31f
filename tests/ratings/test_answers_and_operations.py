"""The lab's public answer, and operations alerted about labs experts rate low."""

import pytest

from accounts.models import Role
from audit.models import AuditEvent
from config.errors import NotPermitted
from inbox.selectors import inbox_sections
from marketplace.services import lab_member_add
from ratings.models import ANSWER_MAX, LabRatingAnswer
from ratings.services import lab_rating_answer_write, lab_ratings_publish

from tests.helpers.factories import UserFactory, make_lab, make_open_project, make_ops, make_vetted_expert
from tests.helpers.pages import log_in, ops_browser, text_of
from tests.helpers.ratings import NEXT_MONTH, lab_with_experts, rate

pytestmark = pytest.mark.django_db


def _colleague(lab, owner, role):
    colleague = UserFactory(role=Role.LAB_MEMBER)
    lab_member_add(actor=owner, lab=lab, email=colleague.email, role=role)
    return colleague


def test_an_owner_answers_publicly_edits_the_answer_and_each_edit_is_audited(stripe_server):
    lab, owner = make_lab(name="Orchid AI")
    browser = log_in(owner)

    response = browser.post(f"/lab/{lab.pk}/ratings/", {"body": "We now answer questions within a day."})
    assert response.status_code == 302
    response = browser.post(f"/lab/{lab.pk}/ratings/", {"body": "Answers within four hours on weekdays."})
    assert response.status_code == 302

    page = text_of(browser.get(f"/lab/{lab.pk}/ratings/"))
    assert "Answers within four hours on weekdays." in page
    events = list(AuditEvent.objects.filter(action="ratings.answer.written").order_by("id"))
    assert [e.after_shown["body"] for e in events] == [
        "We now answer questions within a day.",
        "Answers within four hours on weekdays.",
    ]
    assert events[1].before_shown["body"] == "We now answer questions within a day."
    # Experts read it beside the lab's ratings on the projects they can apply to.
    make_open_project(lab, owner, min_tier="bulk", required_credential_kinds=[])
    listing = text_of(log_in(make_vetted_expert().user).get("/expert/projects/"))
    assert "Orchid AI answers" in listing and "Answers within four hours on weekdays." in listing


def test_an_answer_is_bounded_and_needs_words_and_only_owners_and_managers_write_it(stripe_server):
    lab, owner = make_lab()
    browser = log_in(owner)
    too_long = browser.post(f"/lab/{lab.pk}/ratings/", {"body": "x" * (ANSWER_MAX + 1)})
    assert too_long.status_code == 400
    assert f"at most {ANSWER_MAX} characters" in text_of(too_long).lower()
    assert browser.post(f"/lab/{lab.pk}/ratings/", {"body": "  "}).status_code == 400
    assert not LabRatingAnswer.objects.exists()

    viewer = _colleague(lab, owner, "viewer")
    assert log_in(viewer).post(f"/lab/{lab.pk}/ratings/", {"body": "Hello"}).status_code == 403
    with pytest.raises(NotPermitted):
        lab_rating_answer_write(actor=viewer, lab=lab, body="Hello")
    manager = _colleague(lab, owner, "manager")
    assert lab_rating_answer_write(actor=manager, lab=lab, body="Thanks for the ratings.").written_by == manager
    _other_lab, other_owner = make_lab()
    assert log_in(other_owner).get(f"/lab/{lab.pk}/ratings/").status_code == 404


def _lab_ratings_section(user):
    return next(section for section in inbox_sections(user=user) if section.name == "lab_ratings")


def test_a_lab_rated_below_the_threshold_is_an_item_in_operations_inbox_and_tops_their_list(stripe_server):
    low, owner, _project, engagements = lab_with_experts(5, name="Slowpoke Labs")
    for engagement in engagements:
        rate(engagement, clarity=4, fairness=4, speed=1, comment="Questions wait a week.")
    fine, _owner2, _project2, others = lab_with_experts(5, name="Brisk Labs")
    for engagement in others:
        rate(engagement, clarity=5, fairness=4, speed=5)
    reviewer, secret = make_ops(Role.OPS_REVIEWER)

    assert _lab_ratings_section(reviewer).count == 0

    assert lab_ratings_publish(now=NEXT_MONTH) == 2
    section = _lab_ratings_section(reviewer)
    assert section.count == 1 and section.items[0].link == "/ops/lab-ratings/"

    browser = ops_browser(reviewer, secret)
    listing = text_of(browser.get("/ops/lab-ratings/"))
    assert listing.index("Slowpoke Labs") < listing.index("Brisk Labs")
    assert "Below the threshold" in listing
    detail = text_of(browser.get(f"/ops/lab-ratings/{low.pk}/"))
    assert detail.count("Questions wait a week.") == 5
    # Comments are operations' only: the lab's own pages never show them.
    lab_page = text_of(log_in(owner).get(f"/lab/{low.pk}/ratings/"))
    assert "Speed of answers 1.0 / 5" in lab_page and "Questions wait a week." not in lab_page
    assert "Brisk Labs" in text_of(browser.get(f"/ops/lab-ratings/{fine.pk}/"))
