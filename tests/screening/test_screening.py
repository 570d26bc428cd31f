"""Screening experts and labs: when it runs, what it records, the four-eyes review, refusals."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from config.errors import ApplicationError, NotPermitted
from contributors.models import Domain
from contributors.services import contributor_profile_save
from marketplace.services import lab_create, project_funding_start
from screening.models import (
    ScreeningMatch,
    ScreeningOutcome,
    ScreeningReason,
    ScreeningRecord,
    ScreeningReview,
    ScreeningSubject,
    SubjectKind,
)
from screening.selectors import payout_blocks
from screening.services import (
    SanctionsFiles,
    sanctions_list_import,
    screening_before_payout,
    screening_review_propose,
    screening_review_second,
    screening_subject_update,
)

from tests.helpers.factories import PROFILE, UserFactory, make_expert, make_lab, make_ops, make_project

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "screening" / "samples"
TODAY = date(2026, 6, 17)


def import_sample_list(capture, *, prim: bytes | None = None, published_on=date(2026, 6, 15)):
    """The sample SDN list imported; the rescreening it queues runs at once."""
    files = SanctionsFiles(
        prim=prim or (SAMPLES / "SDN.CSV").read_bytes(),
        add=(SAMPLES / "ADD.CSV").read_bytes(),
        alt=(SAMPLES / "ALT.CSV").read_bytes(),
    )
    with capture(execute=True):
        return sanctions_list_import(
            actor=None, list_kind="sdn", files=files, published_on=published_on, source="SDN.CSV"
        )


def review_of(contributor) -> ScreeningReview:
    return ScreeningReview.objects.get(subject__kind="expert", subject__ref_id=contributor.pk)


def _profile(contributor, **changes) -> dict:
    return {**PROFILE, "legal_name": contributor.legal_name, **changes}


def _save(contributor, **changes):
    return contributor_profile_save(
        actor=contributor.user,
        user=contributor.user,
        data=_profile(contributor, **changes),
        specialties=[Domain.objects.get(slug="cardiology")],
    )


# --- when screening runs -----------------------------------------------------------------


def test_sign_up_screens_the_expert_and_a_listed_name_opens_a_review_that_holds_pay(
    django_capture_on_commit_callbacks,
):
    import_sample_list(django_capture_on_commit_callbacks)
    clean = make_expert(legal_name="Ada Example")
    listed = make_expert(legal_name="Iván Sample")

    [clear] = ScreeningRecord.objects.filter(subject__ref_id=clean.pk, subject__kind="expert")
    assert (clear.reason, clear.outcome, clear.sdn_list.published_on) == ("sign_up", "clear", date(2026, 6, 15))
    [record] = ScreeningRecord.objects.filter(subject__ref_id=listed.pk, subject__kind="expert")
    assert (record.reason, record.outcome) == ("sign_up", "possible_match")
    [match] = record.matches.all()
    assert (match.entry.ent_num, match.matched_name, match.subject_name) == (
        10001,
        "SAMPLE, Ivan Testovich",
        "Iván Sample",
    )
    assert match.country == "unknown" and match.date_of_birth == "unknown"
    review = review_of(listed)
    assert (review.status, review.entry_keys) == ("possible_match", ["sdn:10001"])
    assert AuditEvent.objects.filter(action="screening.review.opened", target_id=str(review.pk)).exists()

    blocks = payout_blocks(contributor_ids=[clean.pk, listed.pk], on=TODAY)
    assert list(blocks) == [listed.pk]
    assert blocks[listed.pk].startswith("Your payouts are paused while we check your name against the sanctions lists")
    assert "nothing you earned is lost" in blocks[listed.pk]
    assert "SAMPLE" not in blocks[listed.pk] and "10001" not in blocks[listed.pk]


def test_a_change_of_legal_name_or_country_is_screened_again_and_other_changes_are_not(
    django_capture_on_commit_callbacks,
):
    import_sample_list(django_capture_on_commit_callbacks)
    expert = make_expert(legal_name="Ada Example")
    _save(expert, weekly_availability_hours=10)
    _save(expert, legal_name="Ivan Testovich Sample")
    _save(expert, legal_name="Ivan Testovich Sample", country="GB", subdivision="")
    reasons = list(
        ScreeningRecord.objects.filter(subject__ref_id=expert.pk).order_by("pk").values_list("reason", "outcome")
    )
    assert reasons == [
        ("sign_up", "clear"),
        ("name_change", "possible_match"),
        ("country_change", "possible_match"),
    ]
    # One review stays open for the person, however many screenings find them.
    assert ScreeningReview.objects.filter(subject__ref_id=expert.pk).count() == 1


def test_a_new_list_rescreens_everyone_once(django_capture_on_commit_callbacks):
    import_sample_list(django_capture_on_commit_callbacks)
    expert = make_expert(legal_name="Ada Example")
    lab, _ = make_lab(name="Example Trading Company Limited")
    assert review_of_lab(lab).status == "possible_match"

    newer = (
        SAMPLES / "SDN.CSV"
    ).read_bytes() + b'10009,"EXAMPLE, Ada","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'
    publication = import_sample_list(django_capture_on_commit_callbacks, prim=newer, published_on=date(2026, 6, 16))
    records = ScreeningRecord.objects.filter(
        reason=ScreeningReason.LIST_UPDATE, sdn_list_id=publication.sanctions_list_id
    )
    assert set(records.values_list("subject__kind", "subject__ref_id", "outcome")) == {
        ("expert", expert.pk, "possible_match"),
        ("lab", lab.pk, "possible_match"),
    }
    assert review_of(expert).entry_keys == ["sdn:10009"]
    # The same publication again (a retried task) screens nobody twice.
    from screening.services import screening_rescreen_all

    assert screening_rescreen_all(actor=None)["screened"] == 0


def review_of_lab(lab) -> ScreeningReview:
    return ScreeningReview.objects.get(subject__kind="lab", subject__ref_id=lab.pk)


def test_before_a_payout_batch_experts_are_screened_unless_already_screened_against_the_list(
    django_capture_on_commit_callbacks,
):
    expert = make_expert(legal_name="Ivan Sample")  # signed up before any list was imported
    assert not ScreeningRecord.objects.exists()
    finance = make_ops(Role.OPS_FINANCE)[0]
    files = SanctionsFiles(prim=(SAMPLES / "SDN.CSV").read_bytes())
    sanctions_list_import(actor=None, list_kind="sdn", files=files, published_on=TODAY, source="x")
    first = screening_before_payout(actor=finance, contributor_ids=[expert.pk])
    again = screening_before_payout(actor=finance, contributor_ids=[expert.pk])
    assert (first.screened, first.reviews_opened, again.screened, again.skipped) == (1, 1, 0, 1)
    assert ScreeningRecord.objects.get().reason == "payout_batch"


def test_without_any_list_nothing_is_screened_and_nobody_is_held():
    expert = make_expert(legal_name="Ivan Sample")
    assert not ScreeningRecord.objects.exists()
    assert ScreeningSubject.objects.get(kind="expert", ref_id=expert.pk).name == "Ivan Sample"
    assert payout_blocks(contributor_ids=[expert.pk], on=TODAY) == {}


def test_identity_verification_adds_a_date_of_birth_that_rules_a_namesake_out(django_capture_on_commit_callbacks):
    import_sample_list(django_capture_on_commit_callbacks)
    expert = make_expert(legal_name="Ivan Sample")
    subject = screening_subject_update(
        actor=None,
        kind=SubjectKind.EXPERT,
        ref_id=expert.pk,
        name="Ivan Sample",
        country="US",
        subdivision="US-CA",
        date_of_birth=date(1990, 4, 2),
    )
    latest = subject.records.order_by("-pk").first()
    assert (latest.reason, latest.outcome, latest.date_of_birth) == ("birth_date_change", "clear", date(1990, 4, 2))


# --- comprehensively sanctioned places ------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "subdivision", "field"),
    [("IR", "", "country"), ("CU", "", "country"), ("KP", "", "country"), ("UA", "UA-43", "subdivision"),
     ("UA", "UA-14", "subdivision"), ("UA", "UA-09", "subdivision")],
)  # fmt: skip
def test_sign_up_in_a_comprehensively_sanctioned_place_is_refused_with_a_field_error(country, subdivision, field):
    user = UserFactory(role=Role.EXPERT)
    with pytest.raises(ApplicationError) as refused:
        contributor_profile_save(
            actor=user,
            user=user,
            data={**PROFILE, "country": country, "subdivision": subdivision},
            specialties=[Domain.objects.get(slug="cardiology")],
        )
    assert "US sanctions" in refused.value.fields[field][0]


def test_syria_is_no_longer_refused_since_its_program_was_lifted():
    assert make_expert(country="SY", subdivision="").country == "SY"
    assert make_expert(country="UA", subdivision="UA-32").subdivision == "UA-32"


def test_moving_to_a_sanctioned_country_is_refused_and_a_profile_there_is_held_at_payout():
    expert = make_expert()
    with pytest.raises(ApplicationError) as refused:
        _save(expert, country="IR", subdivision="")
    assert refused.value.fields["country"]
    # A profile that is there all the same (set before the rule, or by hand) is held.
    type(expert).objects.filter(pk=expert.pk).update(country="CU", subdivision="")
    assert "comprehensive US sanctions" in payout_blocks(contributor_ids=[expert.pk], on=TODAY)[expert.pk]


def test_a_lab_in_a_sanctioned_country_cannot_be_created():
    owner = UserFactory(role=Role.LAB_MEMBER)
    with pytest.raises(ApplicationError) as refused:
        lab_create(actor=owner, name="Havana Labs", country="CU")
    assert "US sanctions" in refused.value.fields["country"][0]


# --- the four-eyes review ------------------------------------------------------------------


def test_clearing_needs_a_second_different_person_and_then_pay_is_free(django_capture_on_commit_callbacks):
    import_sample_list(django_capture_on_commit_callbacks)
    expert = make_expert(legal_name="Ivan Sample")
    first, second = make_ops()[0], make_ops()[0]
    review = review_of(expert)

    with pytest.raises(ApplicationError):
        screening_review_propose(actor=first, review=review, decision="clear", reason="short")
    with pytest.raises(NotPermitted):
        screening_review_propose(actor=expert.user, review=review, decision="clear", reason="Different birth year.")
    review = screening_review_propose(
        actor=first, review=review, decision="clear", reason="Passport shows born 1991 in Ohio; entry born 1970."
    )
    assert review.status == "proposed_clear"
    assert expert.pk in payout_blocks(contributor_ids=[expert.pk], on=TODAY)
    with pytest.raises(NotPermitted) as same:
        screening_review_second(actor=first, review=review, agree=True, reason="I agree with myself here.")
    assert same.value.code == "four_eyes"
    # The database refuses it too.
    with pytest.raises(IntegrityError), transaction.atomic():
        ScreeningReview.objects.filter(pk=review.pk).update(status="cleared", decided_by=first)

    review = screening_review_second(actor=second, review=review, agree=True, reason="Checked the passport scan too.")
    assert (review.status, review.decided_by) == ("cleared", second)
    assert review.keep_until == date(2036, 6, 17)
    assert payout_blocks(contributor_ids=[expert.pk], on=TODAY) == {}

    # Screened again unchanged, the cleared entry opens nothing; a new name is screened afresh.
    run = screening_before_payout(actor=second, contributor_ids=[expert.pk])
    assert run.screened == 0
    from screening.services import screening_subjects_screen

    subject = ScreeningSubject.objects.get(kind="expert", ref_id=expert.pk)
    screening_subjects_screen(actor=second, subject_ids=[subject.pk], reason=ScreeningReason.MANUAL)
    assert subject.records.order_by("-pk").first().outcome == ScreeningOutcome.CLEARED_BEFORE
    assert payout_blocks(contributor_ids=[expert.pk], on=TODAY) == {}
    _save(expert, legal_name="Ivan Samplov")
    assert review_of_open(expert).status == "possible_match"


def review_of_open(contributor) -> ScreeningReview:
    return ScreeningReview.objects.get(subject__ref_id=contributor.pk, subject__kind="expert", decided_at__isnull=True)


def test_a_second_person_can_send_a_proposal_back(django_capture_on_commit_callbacks):
    import_sample_list(django_capture_on_commit_callbacks)
    expert = make_expert(legal_name="Ivan Sample")
    first, second = make_ops()[0], make_ops()[0]
    review = screening_review_propose(
        actor=first, review=review_of(expert), decision="clear", reason="Looks like a different man."
    )
    review = screening_review_second(actor=second, review=review, agree=False, reason="No evidence was attached.")
    assert (review.status, review.proposed_by) == ("possible_match", None)
    assert AuditEvent.objects.filter(action="screening.review.sent_back").count() == 1


def test_a_confirmed_match_stays_blocked_whatever_later_screenings_find(django_capture_on_commit_callbacks):
    import_sample_list(django_capture_on_commit_callbacks)
    expert = make_expert(legal_name="Ivan Sample")
    first, second = make_ops()[0], make_ops()[0]
    review = screening_review_propose(
        actor=first, review=review_of(expert), decision="confirm", reason="Same date and place of birth."
    )
    screening_review_second(actor=second, review=review, agree=True, reason="Agreed: same person, report made.")
    assert AuditEvent.objects.filter(action="screening.review.confirmed").exists()
    _save(expert, legal_name="Ada Example")  # a new name screens clear, but the block stands
    assert ScreeningRecord.objects.filter(subject__ref_id=expert.pk).order_by("-pk").first().outcome == "clear"
    assert payout_blocks(contributor_ids=[expert.pk], on=TODAY)[expert.pk].startswith("Your payouts are blocked")
    with pytest.raises(ApplicationError):
        screening_review_propose(actor=first, review=review, decision="clear", reason="Changed my mind on this.")


def test_a_lab_with_a_possible_match_cannot_fund_projects(django_capture_on_commit_callbacks):
    import_sample_list(django_capture_on_commit_callbacks)
    lab, owner = make_lab(name="Example Trading Co. Ltd.")
    project = make_project(lab, owner)
    with pytest.raises(NotPermitted) as refused:
        project_funding_start(actor=owner, project=project, payment_method="pm_card_visa")
    assert refused.value.code == "sanctions_check"
    assert "while we check its name against the sanctions lists" in refused.value.message


# --- records are kept ---------------------------------------------------------------------


def test_records_are_kept_ten_years_and_the_database_refuses_to_change_or_delete_them_sooner(
    django_capture_on_commit_callbacks,
):
    import_sample_list(django_capture_on_commit_callbacks)
    expert = make_expert(legal_name="Ivan Sample")
    record = ScreeningRecord.objects.get(subject__ref_id=expert.pk)
    assert record.keep_until == date(2036, 6, 17) and review_of(expert).keep_until == date(2036, 6, 17)
    for change in (
        lambda: ScreeningRecord.objects.filter(pk=record.pk).update(outcome="clear"),
        lambda: ScreeningRecord.objects.filter(pk=record.pk).delete(),
        lambda: ScreeningMatch.objects.filter(record=record).delete(),
        lambda: ScreeningReview.objects.filter(subject=record.subject).delete(),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()
    assert record.matches.count() == 1


def test_a_leap_day_record_is_kept_until_the_28th_of_february(settings):
    from screening.services.subjects import keep_until

    assert keep_until(date(2028, 2, 29)) == date(2038, 2, 28)
    assert keep_until(timezone.now().date() + timedelta(days=1)) == date(2036, 6, 18)
