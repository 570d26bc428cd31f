"""Notices: every notification lands in the person's inbox, and is mailed as they chose."""

import pytest
from django.core import mail
from django.db import transaction

from accounts.models import Notice, NoticeKind, NoticePreference
from accounts.notices import notice_digests_send, notice_preferences_set
from accounts.notifications import notify_after_commit
from audit.models import AuditEvent
from config.errors import ApplicationError

from tests.helpers.factories import UserFactory, make_expert
from tests.helpers.page_world import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _tell(user, kind=NoticeKind.PAY, subject="Your pay statement is ready", link="/expert/pay/"):
    with transaction.atomic():
        notify_after_commit(recipients=[user], subject=subject, body="Open it to see the week.", kind=kind, link=link)


def test_a_notice_is_kept_in_the_inbox_and_mailed_as_plain_text_and_html_with_a_link():
    expert = make_expert().user
    mail.outbox.clear()

    _tell(expert)

    notice = Notice.objects.get(recipient=expert)
    assert (notice.kind, notice.title, notice.link) == ("pay", "Your pay statement is ready", "/expert/pay/")
    assert notice.emailed_at is not None and notice.read_at is None
    [message] = mail.outbox
    assert message.to == [expert.email]
    assert "http://localhost:8000/expert/pay/" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert 'href="http://localhost:8000/expert/pay/"' in html


def test_a_notice_exists_only_if_the_change_it_tells_of_commits():
    expert = make_expert().user
    mail.outbox.clear()

    with pytest.raises(RuntimeError), transaction.atomic():
        notify_after_commit(recipients=[expert], subject="Approved", body="", kind=NoticeKind.REVIEWS)
        raise RuntimeError("the approval failed")

    assert not Notice.objects.filter(recipient=expert).exists()
    assert mail.outbox == []


def test_a_kind_turned_off_sends_no_mail_but_still_shows_in_the_inbox():
    expert = make_expert().user
    notice_preferences_set(actor=expert, email_off=[NoticeKind.PAY], daily_digest=False)
    mail.outbox.clear()

    _tell(expert, kind=NoticeKind.PAY, subject="Your pay statement is ready")
    _tell(expert, kind=NoticeKind.INVITATIONS, subject="Invitation: Cardiology")

    assert [message.subject for message in mail.outbox] == ["Invitation: Cardiology"]
    page = sign_in(expert).get("/inbox/").content.decode()
    assert "Your pay statement is ready" in page
    assert "Invitation: Cardiology" in page


def test_security_notices_are_always_mailed_and_cannot_be_turned_off():
    expert = make_expert().user
    with pytest.raises(ApplicationError) as refused:
        notice_preferences_set(actor=expert, email_off=[NoticeKind.SECURITY], daily_digest=False)
    assert refused.value.code == "always_mailed"
    # Everything else off, and the digest chosen: a security notice still goes out at once.
    notice_preferences_set(
        actor=expert, email_off=[k for k in NoticeKind.values if k != NoticeKind.SECURITY], daily_digest=True
    )
    mail.outbox.clear()

    _tell(expert, kind=NoticeKind.SECURITY, subject="A new API token was issued for your account", link="")

    assert [message.subject for message in mail.outbox] == ["A new API token was issued for your account"]


def test_issuing_an_api_token_tells_its_owner_by_mail_even_with_everything_turned_off(client):
    expert = make_expert().user
    notice_preferences_set(
        actor=expert, email_off=[k for k in NoticeKind.values if k != NoticeKind.SECURITY], daily_digest=False
    )
    mail.outbox.clear()

    answer = client.post("/api/auth/token/", {"email": expert.email, "password": "correct horse battery"})

    assert answer.status_code == 200, answer.content
    assert [message.subject for message in mail.outbox] == ["A new API token was issued for your account"]
    assert Notice.objects.get(recipient=expert).kind == NoticeKind.SECURITY


def test_the_daily_digest_gathers_the_notices_in_one_mail_and_sends_it_once():
    expert = make_expert().user
    notice_preferences_set(actor=expert, email_off=[], daily_digest=True)
    mail.outbox.clear()

    _tell(expert, kind=NoticeKind.PAY, subject="Your pay statement is ready")
    _tell(expert, kind=NoticeKind.REVIEWS, subject="Work rejected on Cardiology", link="")
    assert mail.outbox == []

    assert notice_digests_send() == 1
    [digest] = mail.outbox
    assert digest.to == [expert.email]
    assert digest.subject == "Your daily digest: 2 notices"
    assert "Your pay statement is ready" in digest.body and "Work rejected on Cardiology" in digest.body
    assert "Work rejected on Cardiology" in digest.alternatives[0][0]
    assert not Notice.objects.filter(recipient=expert, emailed_at__isnull=True).exists()

    # The next day's run (or the same one twice) sends nothing again.
    assert notice_digests_send() == 0
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="accounts.notice_digests.sent").count() == 1


def test_the_digest_leaves_out_kinds_turned_off():
    expert = make_expert().user
    notice_preferences_set(actor=expert, email_off=[NoticeKind.PAY], daily_digest=True)
    mail.outbox.clear()

    _tell(expert, kind=NoticeKind.PAY, subject="Your pay statement is ready")

    assert notice_digests_send() == 0
    assert mail.outbox == []


def test_people_without_an_account_are_mailed_and_nothing_is_kept():
    mail.outbox.clear()
    with transaction.atomic():
        notify_after_commit(recipients=["new@example.com"], subject="You are invited to join Lab", body="Sign up.")

    assert [message.to for message in mail.outbox] == [["new@example.com"]]
    assert not Notice.objects.exists()


def test_a_notice_links_only_to_a_page_of_the_product():
    user = UserFactory()
    with pytest.raises(ValueError), transaction.atomic():
        notify_after_commit(recipients=[user], subject="Phish", body="", link="https://evil.example/")
    with pytest.raises(ValueError), transaction.atomic():
        notify_after_commit(recipients=[user], subject="Phish", body="", link="//evil.example/")


def test_the_body_kept_is_bounded_and_shown_escaped():
    expert = make_expert().user
    with transaction.atomic():
        notify_after_commit(recipients=[expert], subject="Reason", body="<script>alert(1)</script>" + "x" * 9000)

    notice = Notice.objects.get(recipient=expert)
    assert len(notice.body) == 5000
    page = sign_in(expert).get("/inbox/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_the_unread_count_shows_in_the_navigation_and_marking_read_clears_it():
    expert = make_expert().user
    _tell(expert, subject="First")
    _tell(expert, subject="Second")
    browser = sign_in(expert)

    assert 'aria-label="2 unread"' in browser.get("/expert/").content.decode()

    first = Notice.objects.get(recipient=expert, title="First")
    opened = browser.post(f"/inbox/notices/{first.pk}/read/", {"open": "1"})
    assert opened.status_code == 302 and opened["Location"] == "/expert/pay/"
    assert 'aria-label="1 unread"' in browser.get("/inbox/").content.decode()

    browser.post("/inbox/notices/read-all/")
    assert "unread" not in browser.get("/inbox/").content.decode().split("</header>")[0]
    assert not Notice.objects.filter(recipient=expert, read_at__isnull=True).exists()


def test_someone_else_s_notice_cannot_be_marked_read():
    expert, other = make_expert().user, make_expert().user
    _tell(expert)
    notice = Notice.objects.get(recipient=expert)

    assert sign_in(other).post(f"/inbox/notices/{notice.pk}/read/").status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_unread_count_is_one_query(django_assert_num_queries):
    from accounts.notices import notice_unread_count

    expert = make_expert().user
    for n in range(5):
        _tell(expert, subject=f"Notice {n}")
    with django_assert_num_queries(1):
        assert notice_unread_count(user=expert) == 5


def test_preferences_are_set_on_the_settings_page_and_audited():
    expert = make_expert().user
    browser = sign_in(expert)
    page = browser.get("/settings/notices/").content.decode()
    assert "Security of your account" in page and "disabled" in page

    # Everything ticked but pay; the digest chosen.
    ticked = {f"email_{kind}": "on" for kind in NoticeKind.values if kind != NoticeKind.PAY}
    answer = browser.post("/settings/notices/", {**ticked, "daily_digest": "on"})
    assert answer.status_code == 302

    event = AuditEvent.objects.get(action="accounts.notice_preferences.changed")
    assert event.after == {"email_off": ["pay"], "daily_digest": True}
    # A security box left unticked (or forged) changes nothing: it is always mailed.
    browser.post("/settings/notices/", {})
    assert NoticeKind.SECURITY not in NoticePreference.objects.get(user=expert).muted_kinds


def test_preferences_through_the_api(client_for):
    expert = make_expert().user
    api = client_for(expert)

    answer = api.put("/api/me/notice-preferences/", {"email_off": ["pay", "tax"], "daily_digest": True}, format="json")
    assert answer.status_code == 200, answer.json()
    kinds = {row["kind"]: row["email"] for row in answer.json()["kinds"]}
    assert kinds["pay"] is False and kinds["tax"] is False and kinds["security"] is True
    assert answer.json()["daily_digest"] is True

    refused = api.put("/api/me/notice-preferences/", {"email_off": ["security"], "daily_digest": False}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "always_mailed"


def test_notices_through_the_api_are_listed_newest_first_and_marked_read(client_for):
    expert = make_expert().user
    # Signing in to the API is itself a security notice.
    api = client_for(expert)
    _tell(expert, subject="First")
    _tell(expert, subject="Second")

    listed = api.get("/api/me/notices/").json()["results"]
    assert [notice["title"] for notice in listed] == [
        "Second",
        "First",
        "A new API token was issued for your account",
    ]
    assert listed[0]["link"] == "/expert/pay/" and listed[0]["read_at"] is None

    read = api.post(f"/api/me/notices/{listed[1]['id']}/read/")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert api.get("/api/me/inbox/").json()["unread_notices"] == 2
    assert api.post("/api/me/notices/read-all/").json() == {"marked": 2}
    assert api.get("/api/me/inbox/").json()["unread_notices"] == 0
