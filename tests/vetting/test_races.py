"""Two people acting on the same record at the same moment: one wins, the other is told why."""


import pytest

from accounts.models import Role
from config.errors import ApplicationError
from contributors.models import Contributor
from vetting.models import Credential, CredentialStatus, TierDecision
from vetting.services import credential_review_start, credential_verify, tier_decision_approve, tier_decision_propose

from tests.helpers.factories import make_credential, make_expert, make_ops
from tests.helpers.races import at_once


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_starting_the_same_review_one_gets_it():
    first, _ = make_ops(Role.OPS_REVIEWER)
    second, _ = make_ops(Role.OPS_REVIEWER)
    credential = make_credential(make_expert())
    outcomes = at_once(
        lambda: credential_review_start(actor=first, credential=credential),
        lambda: credential_review_start(actor=second, credential=credential),
    )
    refused = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert len(refused) == 1 and refused[0].code == "illegal_transition"
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.IN_REVIEW


@pytest.mark.django_db(transaction=True)
def test_two_second_approvers_at_once_apply_the_tier_once():
    proposer, _ = make_ops(Role.OPS_REVIEWER)
    approver_a, _ = make_ops(Role.OPS_REVIEWER)
    approver_b, _ = make_ops(Role.OPS_REVIEWER)
    contributor = make_expert()
    decision = tier_decision_propose(actor=proposer, contributor=contributor, tier="expert", reason="Strong record")
    outcomes = at_once(
        lambda: tier_decision_approve(actor=approver_a, decision=decision),
        lambda: tier_decision_approve(actor=approver_b, decision=decision),
    )
    assert sum(isinstance(o, TierDecision) for o in outcomes) == 1
    assert Contributor.objects.get(pk=contributor.pk).tier == "expert"
    from audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="vetting.tier.changed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_verifying_twice_at_once_verifies_once():
    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    credential = make_credential(make_expert())
    credential_review_start(actor=reviewer, credential=credential)
    outcomes = at_once(
        lambda: credential_verify(actor=reviewer, credential=credential),
        lambda: credential_verify(actor=reviewer, credential=credential),
    )
    assert sum(isinstance(o, Credential) for o in outcomes) == 1
