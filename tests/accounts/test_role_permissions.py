"""The named role checks of accounts.permissions, and the lab roles of marketplace.permissions."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Role, User
from accounts.permissions import (
    is_expert,
    is_lab_member,
    is_ops,
    is_ops_finance,
    is_ops_reviewer,
    require_ops_finance,
    require_ops_reviewer,
)
from config.errors import NotPermitted
from marketplace.models import LabRole
from marketplace.permissions import LAB_EDITORS, LAB_REVIEWERS, has_lab_role, require_lab_role
from marketplace.services import lab_member_add

from tests.helpers.factories import UserFactory, make_lab

CHECKS = (is_expert, is_lab_member, is_ops, is_ops_reviewer, is_ops_finance)
# Which checks each kind of person passes, in the order of CHECKS.
EXPECTED = {
    Role.EXPERT: (True, False, False, False, False),
    Role.LAB_MEMBER: (False, True, False, False, False),
    Role.OPS_REVIEWER: (False, False, True, True, False),
    Role.OPS_FINANCE: (False, False, True, False, True),
}


def test_every_role_has_an_expected_row():
    assert set(EXPECTED) == set(Role)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_passes_exactly_its_own_checks(role):
    user = User(email="someone@example.test", role=role)
    assert tuple(check(user) for check in CHECKS) == EXPECTED[role]
    # The properties templates use say the same.
    assert (user.is_expert, user.is_lab_member, user.is_ops, user.is_ops_reviewer, user.is_ops_finance) == EXPECTED[
        role
    ]


@pytest.mark.parametrize("nobody", [None, AnonymousUser()])
def test_nobody_passes_any_check(nobody):
    assert not any(check(nobody) for check in CHECKS)


def test_require_functions_refuse_with_a_sentence():
    reviewer = User(email="r@example.test", role=Role.OPS_REVIEWER)
    finance = User(email="f@example.test", role=Role.OPS_FINANCE)
    require_ops_reviewer(reviewer, to="can do that")
    require_ops_finance(finance, to="approve pay runs")
    with pytest.raises(NotPermitted, match=r"^Only operations reviewers can do that\.$"):
        require_ops_reviewer(finance, to="can do that")
    with pytest.raises(NotPermitted, match=r"^Only operations finance approve pay runs\.$"):
        require_ops_finance(reviewer, to="approve pay runs")
    with pytest.raises(NotPermitted):
        require_ops_reviewer(AnonymousUser(), to="can do that")


@pytest.mark.django_db
def test_lab_roles_decide_who_edits_and_who_reviews():
    lab, owner = make_lab()
    members = {role: UserFactory(role=Role.LAB_MEMBER) for role in (LabRole.MANAGER, LabRole.REVIEWER, LabRole.VIEWER)}
    for role, user in members.items():
        lab_member_add(actor=owner, lab=lab, email=user.email, role=role)
    stranger = UserFactory(role=Role.LAB_MEMBER)

    assert has_lab_role(owner, lab=lab, roles=LAB_EDITORS)
    assert has_lab_role(members[LabRole.MANAGER], lab=lab, roles=LAB_EDITORS)
    assert not has_lab_role(members[LabRole.REVIEWER], lab=lab, roles=LAB_EDITORS)
    assert has_lab_role(members[LabRole.REVIEWER], lab=lab, roles=LAB_REVIEWERS)
    assert not has_lab_role(members[LabRole.VIEWER], lab=lab, roles=LAB_REVIEWERS)
    assert not has_lab_role(stranger, lab=lab, roles=LAB_REVIEWERS)
    with pytest.raises(NotPermitted, match=r"^Only the lab's owner or managers can fund projects\.$"):
        require_lab_role(members[LabRole.VIEWER], lab=lab, roles=LAB_EDITORS, to="fund projects")
