"""An account case has its conversation between the expert it is about and operations, linked both ways.

A duplicate names two accounts that may be two different people: each talks with operations
in a thread of its own and never reads the other's.
"""

import pytest
from django.db import transaction

from identity.models import IdentityVerification, VerificationStatus
from identity.services import account_case_open_duplicate
from identity.services.cases import account_case_open_name_review

from tests.helpers.factories import make_expert, make_lab, make_ops
from tests.helpers.pages import log_in, ops_browser, readable_text

pytestmark = pytest.mark.django_db


def _duplicate(first, second):
    with transaction.atomic():
        return account_case_open_duplicate(
            signal="bank_account", contributor_ids=(first.pk, second.pk), evidence={"bank_last4": "6789"}
        )


def _name_case(expert):
    verification = IdentityVerification.objects.create(
        contributor=expert,
        stripe_session_id=f"vs_name_{expert.pk}",
        status=VerificationStatus.NAME_REVIEW,
        verified_name="Adah Exampel",
        name_score=70,
    )
    with transaction.atomic():
        return account_case_open_name_review(verification=verification, legal_name=expert.legal_name)


def test_the_expert_and_operations_talk_on_a_name_case_from_its_pages():
    expert = make_expert(identity_verified=False, display_name="Ada")
    case = _name_case(expert)
    link = f"/conversations/about/account_case/{case.pk}/"

    mine = log_in(expert.user)
    case_page = mine.get(f"/me/identity/cases/{case.pk}/")
    assert link in case_page.content.decode()
    assert "Write to operations about this case" in readable_text(case_page)
    sent = mine.post(link, {"body": "Adah is how my passport spells it."})
    assert sent.status_code == 302
    thread_path = sent["Location"]
    thread_page = readable_text(mine.get(thread_path))
    assert "Adah is how my passport spells it." in thread_page
    assert f"Account case #{case.pk}: verified name differs from the profile" in thread_page
    # The thread leads back to the case.
    assert f'href="/me/identity/cases/{case.pk}/"' in mine.get(thread_path).content.decode()

    # Any member of operations reads the case page, and the conversation from it.
    for role in ("ops_reviewer", "ops_finance"):
        ops = ops_browser(*make_ops(role))
        ops_case = ops.get(f"/ops/account-cases/{case.pk}/").content.decode()
        assert link in ops_case and f"/conversations/about/account_case_other/{case.pk}/" not in ops_case
        assert ops.get(link)["Location"] == thread_path
    reviewer = ops_browser(*make_ops())
    page = reviewer.get(thread_path)
    assert "Adah is how my passport spells it." in readable_text(page)
    assert f'href="/ops/account-cases/{case.pk}/"' in page.content.decode()
    assert reviewer.post(thread_path, {"body": "Thank you: we compare it with your passport."}).status_code == 302
    assert "we compare it with your passport" in readable_text(mine.get(thread_path))
    # A name case has no second account.
    assert reviewer.get(f"/conversations/about/account_case_other/{case.pk}/").status_code == 404


def test_another_expert_and_a_lab_member_get_404():
    expert = make_expert(identity_verified=False)
    case = _name_case(expert)
    log_in(expert.user).post(f"/conversations/about/account_case/{case.pk}/", {"body": "My married name."})
    thread_path = f"/conversations/about/account_case/{case.pk}/"
    thread_id = log_in(expert.user).get(thread_path)["Location"]
    _, lab_owner = make_lab()
    for stranger in (log_in(make_expert().user), log_in(lab_owner)):
        assert stranger.get(thread_path).status_code == 404
        assert stranger.post(thread_path, {"body": "Hello"}).status_code == 404
        assert stranger.get(thread_id).status_code == 404
        assert stranger.post(thread_id, {"body": "Hello"}).status_code == 404
        assert "Account case" not in readable_text(stranger.get("/conversations/"))


def test_each_account_of_a_duplicate_talks_with_operations_alone(client_for):
    first = make_expert(display_name="First Account")
    second = make_expert(display_name="Second Account")
    case = _duplicate(first, second)
    one, other = log_in(first.user), log_in(second.user)

    # Each expert's case page links their own side.
    assert f"/conversations/about/account_case/{case.pk}/" in one.get(f"/me/identity/cases/{case.pk}/").content.decode()
    second_page = other.get(f"/me/identity/cases/{case.pk}/").content.decode()
    assert f"/conversations/about/account_case_other/{case.pk}/" in second_page
    assert f"/conversations/about/account_case/{case.pk}/" not in second_page
    first_thread = one.post(f"/conversations/about/account_case/{case.pk}/", {"body": "We share a household."})[
        "Location"
    ]
    second_thread = other.post(f"/conversations/about/account_case_other/{case.pk}/", {"body": "My spouse's account."})[
        "Location"
    ]
    assert first_thread != second_thread

    # Neither reads the other's.
    assert other.get(first_thread).status_code == 404
    assert other.get(f"/conversations/about/account_case/{case.pk}/").status_code == 404
    assert one.get(second_thread).status_code == 404
    assert one.get(f"/conversations/about/account_case_other/{case.pk}/").status_code == 404
    assert "We share a household." not in readable_text(other.get("/conversations/"))

    # Operations read both from the case page, each with its expert.
    ops = ops_browser(*make_ops())
    case_page = readable_text(ops.get(f"/ops/account-cases/{case.pk}/"))
    assert f"Conversation with First Account (#{first.pk}) about this case" in case_page
    assert f"Conversation with Second Account (#{second.pk}) about this case" in case_page
    assert "Between Second Account and operations" in readable_text(ops.get(second_thread))
    assert "My spouse's account." in readable_text(ops.get(second_thread))

    # The API gives the same answers.
    api = client_for(second.user)
    thread_id = int(second_thread.strip("/").split("/")[-1])
    assert api.get(f"/api/conversations/{thread_id}/").status_code == 200
    assert client_for(first.user).get(f"/api/conversations/{thread_id}/").status_code == 404
    opened = api.post(
        "/api/conversations/", {"subject_kind": "account_case_other", "subject_id": case.pk}, format="json"
    )
    assert opened.status_code == 200 and opened.json()["id"] == thread_id
    refused = api.post("/api/conversations/", {"subject_kind": "account_case", "subject_id": case.pk}, format="json")
    assert refused.status_code == 404
    assert client_for(*make_ops()).get(f"/api/conversations/{thread_id}/").status_code == 200


def test_the_expert_is_told_when_operations_write_and_reviewers_when_the_expert_writes(
    django_capture_on_commit_callbacks,
):
    from django.core import mail

    expert = make_expert(identity_verified=False)
    case = _name_case(expert)
    reviewer, _ = make_ops()
    finance, _ = make_ops("ops_finance")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        log_in(expert.user).post(f"/conversations/about/account_case/{case.pk}/", {"body": "My married name."})
    told = {address for message in mail.outbox for address in message.to}
    assert reviewer.email in told and finance.email not in told
