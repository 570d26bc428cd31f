"""Labs invite colleagues by email: a single-use, expiring link, through the pages and the API."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import Role, User
from audit.models import AuditEvent
from marketplace.models import LabInvitation, LabMembership

from tests.helpers.clock import travel_to
from tests.helpers.factories import UserFactory, make_expert, make_lab
from tests.helpers.page_world import PASSWORD, sign_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and unusual passphrase 71"


def _link(to: str) -> str:
    """The path of the invitation link in the last mail to ``to``."""
    message = [m for m in mail.outbox if m.to == [to]][-1]
    return re.search(r"https?://[^/\s]+(/lab-invitations/[^/\s]+/)", message.body).group(1)


def _invite(browser: Client, lab, email: str, role: str = "reviewer"):
    return browser.post(f"/lab/{lab.pk}/members/", {"email": email, "role": role})


def test_an_owner_invites_a_new_colleague_who_signs_up_through_the_link_and_lands_on_the_lab(
    django_capture_on_commit_callbacks,
):
    lab, owner = make_lab()
    browser = sign_in(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(browser, lab, "Grace.Hopper@example.org")
    assert response.status_code == 302
    page = browser.get(f"/lab/{lab.pk}/").content.decode()
    assert "Pending invitations" in page and "grace.hopper@example.org" in page
    assert not User.objects.filter(email="grace.hopper@example.org").exists()
    link = _link("grace.hopper@example.org")
    invitation = LabInvitation.objects.get(email="grace.hopper@example.org")
    # Only the token's digest is stored.
    assert link.split("/")[2] not in (invitation.token_hash or "")

    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200
    assert f"Join {lab.name}" in page.content.decode()
    response = visitor.post(link, {"full_name": "Grace Hopper", "password": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == f"/lab/{lab.pk}/"
    assert visitor.get(f"/lab/{lab.pk}/").status_code == 200

    user = User.objects.get(email="grace.hopper@example.org")
    assert (user.role, user.full_name) == (Role.LAB_MEMBER, "Grace Hopper")
    assert EmailAddress.objects.get(user=user).verified
    assert LabMembership.objects.get(lab=lab, user=user).role == "reviewer"
    # The account was made by the sign-up service, and signs in like any other.
    assert AuditEvent.objects.filter(action="accounts.user.signed_up", target_id=str(user.pk)).exists()
    assert Client().post("/accounts/login/", {"login": user.email, "password": NEW_PASSWORD}).status_code == 302
    actions = list(AuditEvent.objects.filter(action__startswith="marketplace.lab.").values_list("action", flat=True))
    assert "marketplace.lab.member_invited" in actions and "marketplace.lab.invitation_accepted" in actions

    # The link works once.
    again = Client().get(link)
    assert again.status_code == 410 and "has been accepted" in again.content.decode()
    assert "grace.hopper@example.org" not in browser.get(f"/lab/{lab.pk}/").content.decode().split("Pending")[1]


def test_a_signed_in_lab_member_with_the_invited_address_accepts(django_capture_on_commit_callbacks):
    lab, owner = make_lab()
    colleague = UserFactory(role=Role.LAB_MEMBER, email="kay@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        # An account created after the invitation was sent: the link is the way in.
        from tests.helpers.lab_invitations import invitation_with_link

        _, token = invitation_with_link(actor=owner, lab=lab, email="ada@example.org", role="viewer")
    ada = UserFactory(role=Role.LAB_MEMBER, email="ada@example.org")

    # Someone signed in with another address cannot use it.
    other = sign_in(colleague)
    refused = other.post(f"/lab-invitations/{token}/")
    assert refused.status_code == 400 and "another address" in refused.content.decode()
    assert not LabMembership.objects.filter(lab=lab, user=colleague).exists()

    browser = sign_in(ada)
    assert "Join" in browser.get(f"/lab-invitations/{token}/").content.decode()
    response = browser.post(f"/lab-invitations/{token}/")
    assert response.status_code == 302 and response["Location"] == f"/lab/{lab.pk}/"
    assert LabMembership.objects.get(lab=lab, user=ada).role == "viewer"


def test_the_owner_hears_the_same_whether_or_not_the_address_has_an_account(django_capture_on_commit_callbacks):
    lab, owner = make_lab()
    expert = make_expert()
    browser = sign_in(owner)
    answers = []
    for email in (expert.user.email, "nobody.yet@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            response = _invite(browser, lab, email)
        assert response.status_code == 302
        answers.append(browser.get(response["Location"]).content.decode().replace(email, "EMAIL"))
    message = "we have emailed them an invitation link"
    assert message in answers[0] and message in answers[1]
    # An expert's account never joins a lab; its owner is only sent the link.
    assert not LabMembership.objects.filter(user=expert.user).exists()

    # The link's page asks a stranger the same for both addresses: sign up or sign in.
    pages = []
    for email in (expert.user.email, "nobody.yet@example.org"):
        page = Client().get(_link(email)).content.decode()
        pages.append(page)
        assert "Create your account" in page and "Already have an account?" in page
    assert len({p.count("<input") for p in pages}) == 1


def test_resending_makes_a_new_link_and_revoking_kills_it(django_capture_on_commit_callbacks):
    lab, owner = make_lab()
    browser = sign_in(owner)
    with django_capture_on_commit_callbacks(execute=True):
        _invite(browser, lab, "ines@example.org")
    first = _link("ines@example.org")
    invitation = LabInvitation.objects.get(email="ines@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/lab/{lab.pk}/invitations/{invitation.pk}/resend/")
    assert response.status_code == 302
    second = _link("ines@example.org")
    assert second != first
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200

    response = browser.post(f"/lab/{lab.pk}/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 302
    revoked = Client().get(second)
    assert revoked.status_code == 410 and "withdrawn" in revoked.content.decode()
    assert Client().post(second, {"full_name": "Ines", "password": NEW_PASSWORD}).status_code == 400
    assert not User.objects.filter(email="ines@example.org").exists()
    assert AuditEvent.objects.filter(action="marketplace.lab.invitation_revoked").count() == 1


def test_an_expired_link_shows_a_clear_page_and_creates_nothing(django_capture_on_commit_callbacks):
    lab, owner = make_lab()
    with django_capture_on_commit_callbacks(execute=True):
        _invite(sign_in(owner), lab, "late@example.org")
    link = _link("late@example.org")
    travel_to(timezone.now() + timedelta(days=7, minutes=1))
    page = Client().get(link)
    assert page.status_code == 410 and "has expired" in page.content.decode()
    assert Client().post(link, {"full_name": "Late", "password": NEW_PASSWORD}).status_code == 400
    assert "Expired" in sign_in(owner).get(f"/lab/{lab.pk}/").content.decode()
    assert not User.objects.filter(email="late@example.org").exists()


def test_only_owners_manage_invitations(django_capture_on_commit_callbacks):
    lab, owner = make_lab()
    with django_capture_on_commit_callbacks(execute=True):
        _invite(sign_in(owner), lab, "someone@example.org")
    manager = UserFactory(role=Role.LAB_MEMBER)
    from marketplace.services import lab_member_add

    lab_member_add(actor=owner, lab=lab, email=manager.email, role="manager")
    invitation = LabInvitation.objects.get(email="someone@example.org")
    browser = sign_in(manager)
    assert "Pending invitations" not in browser.get(f"/lab/{lab.pk}/").content.decode()
    assert browser.post(f"/lab/{lab.pk}/invitations/{invitation.pk}/revoke/").status_code == 403
    assert _invite(browser, lab, "x@example.org").status_code == 403
    _, other_owner = make_lab()
    assert sign_in(other_owner).post(f"/lab/{lab.pk}/invitations/{invitation.pk}/resend/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"


@override_settings(LAB_INVITATIONS_PER_DAY=2)
def test_a_lab_sends_a_bounded_number_of_invitations_a_day():
    lab, owner = make_lab()
    browser = sign_in(owner)
    assert _invite(browser, lab, "one@example.org").status_code == 302
    assert _invite(browser, lab, "two@example.org").status_code == 302
    refused = _invite(browser, lab, "three@example.org")
    assert refused.status_code == 400 and "Too many invitations today" in refused.content.decode()
    assert not LabInvitation.objects.filter(email="three@example.org").exists()
    travel_to(timezone.now() + timedelta(days=1, minutes=1))
    assert _invite(browser, lab, "three@example.org").status_code == 302


def test_bad_input_is_a_form_error_never_a_500():
    lab, owner = make_lab()
    browser = sign_in(owner)
    too_long = "a" * 250 + "@example.org"
    assert _invite(browser, lab, too_long).status_code == 400
    assert _invite(browser, lab, "not-an-address").status_code == 400
    assert Client().get("/lab-invitations/" + "x" * 500 + "/").status_code == 404
    from tests.helpers.lab_invitations import invitation_with_link

    _, token = invitation_with_link(actor=owner, lab=lab, email="weak@example.org")
    weak = Client().post(f"/lab-invitations/{token}/", {"full_name": "W" * 300, "password": "short"})
    assert weak.status_code == 400
    assert not User.objects.filter(email="weak@example.org").exists()


def test_the_api_lists_creates_revokes_and_accepts_invitations(client_for, django_capture_on_commit_callbacks):
    lab, owner = make_lab()
    api = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            f"/api/labs/{lab.pk}/invitations/", {"email": "Api.Person@example.org", "role": "manager"}, format="json"
        )
    assert created.status_code == 202
    assert "invitation link" in created.json()["message"]
    listed = api.get(f"/api/labs/{lab.pk}/invitations/").json()
    assert [(row["email"], row["role"], row["status"], row["expired"]) for row in listed] == [
        ("api.person@example.org", "manager", "pending", False)
    ]
    token = _link("api.person@example.org").split("/")[2]

    bad = api.post(f"/api/labs/{lab.pk}/invitations/", {"email": "nope", "role": "king"}, format="json")
    assert bad.status_code == 400 and {"email", "role"} <= set(bad.json()["fields"])

    signed_up = Client().post(
        "/api/lab-invitations/sign-up/",
        {"token": token, "full_name": "Api Person", "password": NEW_PASSWORD},
        content_type="application/json",
    )
    assert signed_up.status_code == 201, signed_up.json()
    assert signed_up.json() == {"lab": lab.pk, "lab_name": lab.name, "role": "manager"}
    user = User.objects.get(email="api.person@example.org")
    assert LabMembership.objects.get(lab=lab, user=user).role == "manager"
    again = Client().post(
        "/api/lab-invitations/sign-up/",
        {"token": token, "full_name": "Api Person", "password": NEW_PASSWORD},
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["code"] == "invitation_accepted"
    assert api.get(f"/api/labs/{lab.pk}/invitations/").json() == []

    # A second invitation, revoked, then refused to a signed-in member with that address.
    from tests.helpers.lab_invitations import invitation_with_link

    invitation, token = invitation_with_link(actor=owner, lab=lab, email="later@example.org")
    later = UserFactory(role=Role.LAB_MEMBER, email="later@example.org")
    revoked = api.post(f"/api/labs/{lab.pk}/invitations/{invitation.pk}/revoke/", format="json")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert api.post(f"/api/labs/{lab.pk}/invitations/{invitation.pk}/revoke/", format="json").status_code == 409
    refused = client_for(later).post("/api/lab-invitations/accept/", {"token": token}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "invitation_revoked"

    invitation, token = invitation_with_link(actor=owner, lab=lab, email="later@example.org")
    accepted = client_for(later).post("/api/lab-invitations/accept/", {"token": token}, format="json")
    assert accepted.status_code == 200 and accepted.json()["lab"] == lab.pk
    assert LabMembership.objects.filter(lab=lab, user=later).exists()
    assert PASSWORD  # the factories' password signs `later` in above
