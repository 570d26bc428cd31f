"""The API's inputs accept what the database stores: the same choices, lengths and bounds."""

import importlib
import inspect

import pytest
from rest_framework import serializers

from accounts.models import SELF_SIGN_UP_ROLES, User
from api.serializers.auth import SignupInput
from api.serializers.experts import CredentialInput, ProfileInput
from api.serializers.instructions import InstructionPublishInput
from api.serializers.labs import LabInput, MemberInput, ProjectInput, ProjectTransitionInput, RateChangeInput, RateInput
from api.serializers.model_fields import bounds
from api.serializers.ops import AssessmentInput, TierDecisionInput
from api.serializers.payouts import PayoutHoldInput
from api.serializers.work import GoldAnswerInput, TaskInput, TimeEntryInput, TimeEntryReviseInput
from contributors.models import Contributor
from marketplace.models import GoldAnswer, InstructionVersion, Lab, LabMembership, Project, TaskSubmission, TimeEntry
from marketplace.services.projects import (
    PROJECT_TRANSITIONS,
    RATE_CHANGE_NOTICE_DAYS_DEFAULT,
    RATE_CHANGE_NOTICE_DAYS_MAX,
)
from payouts.models import PayoutHold
from vetting.models import Assessment, Credential, TierDecision

# Each input serializer with the model its values are stored in; fields of the same name
# (or named here) are compared.
PAIRS = [
    # The password is stored hashed: its column says nothing about what may be typed.
    (SignupInput, User, {"password": None}),
    (ProfileInput, Contributor, {}),
    (CredentialInput, Credential, {}),
    (TierDecisionInput, TierDecision, {"tier": "to_tier"}),
    (AssessmentInput, Assessment, {}),
    (LabInput, Lab, {}),
    (MemberInput, LabMembership, {}),
    (ProjectInput, Project, {}),
    (RateInput, Project, {}),
    (RateChangeInput, Project, {}),
    (TimeEntryInput, TimeEntry, {}),
    (TimeEntryReviseInput, TimeEntry, {}),
    (TaskInput, TaskSubmission, {}),
    (GoldAnswerInput, GoldAnswer, {}),
    (InstructionPublishInput, InstructionVersion, {}),
    (PayoutHoldInput, PayoutHold, {"note": "release_note"}),
]


def _compared_fields():
    for serializer_class, model, renamed in PAIRS:
        model_fields = {field.name: field for field in model._meta.get_fields() if hasattr(field, "attname")}
        for name, field in serializer_class().fields.items():
            model_field = model_fields.get(renamed.get(name, name)) if renamed.get(name, name) else None
            if model_field is not None:
                yield pytest.param(field, model, model_field, id=f"{serializer_class.__name__}.{name}")


@pytest.mark.parametrize(("field", "model", "model_field"), list(_compared_fields()))
def test_input_field_agrees_with_its_column(field, model, model_field):
    if model_field.many_to_many:
        return  # a list of objects looked up by the serializer, not a column
    if isinstance(field, serializers.ListField):
        field, model_field = field.child, model_field.base_field
    if isinstance(field, serializers.ChoiceField):
        allowed = dict(model_field.choices)
        if field.field_name == "role" and model is User:
            # Operations accounts are not signed up for: a subset, on purpose.
            assert list(field.choices) == [role.value for role in SELF_SIGN_UP_ROLES]
            assert set(field.choices) < set(allowed)
        else:
            assert field.choices == allowed
    elif isinstance(field, serializers.CharField) and model_field.max_length:
        assert field.max_length == model_field.max_length
    elif isinstance(field, serializers.IntegerField) and (field.min_value is not None or field.max_value is not None):
        limits = bounds(model, model_field.name)
        assert (field.min_value, field.max_value) == (limits.get("min_value"), limits.get("max_value"))
    elif isinstance(field, serializers.DecimalField):
        assert (field.max_digits, field.decimal_places) == (model_field.max_digits, model_field.decimal_places)


def test_choice_fields_are_all_compared_with_a_model():
    """A new choice field on these inputs without a column of the same name fails here."""
    compared = {param.id for param in _compared_fields()}
    unmatched = [
        f"{serializer_class.__name__}.{name}"
        for serializer_class, _, _ in PAIRS
        for name, field in serializer_class().fields.items()
        if isinstance(getattr(field, "child", field), serializers.ChoiceField)
        and f"{serializer_class.__name__}.{name}" not in compared
    ]
    assert unmatched == []


def test_project_actions_and_notice_come_from_the_service_rules():
    assert list(ProjectTransitionInput().fields["action"].choices) == list(PROJECT_TRANSITIONS)
    notice = RateChangeInput().fields["notice_days"]
    assert (notice.min_value, notice.max_value, notice.default) == (
        0,
        RATE_CHANGE_NOTICE_DAYS_MAX,
        RATE_CHANGE_NOTICE_DAYS_DEFAULT,
    )


def _input_serializers():
    for module_name in ("auth", "experts", "labs", "ops", "pay", "payouts", "work"):
        module = importlib.import_module(f"api.serializers.{module_name}")
        for name, serializer_class in inspect.getmembers(module, inspect.isclass):
            if issubclass(serializer_class, serializers.Serializer) and name.endswith(("Input", "Query", "Upload")):
                yield serializer_class


def _unbounded(name: str, field) -> list[str]:
    if field.read_only:
        return []
    if isinstance(field, serializers.ManyRelatedField):
        return [f"{name}: a list of related objects with no max_length (each is looked up)"]
    if isinstance(field, serializers.ManyRelatedField):
        return [f"{name}: a list of related objects with no max_length (each is looked up)"]
    if isinstance(field, serializers.ListField):
        own = [] if field.max_length is not None else [f"{name}: a list with no max_length"]
        return own + _unbounded(f"{name}[]", field.child)
    if isinstance(field, serializers.CharField) and field.max_length is None:
        return [f"{name}: text with no max_length"]
    if isinstance(field, serializers.Serializer):
        return [problem for child, sub in field.fields.items() for problem in _unbounded(f"{name}.{child}", sub)]
    return []


def test_every_text_and_list_the_api_accepts_has_a_length_limit():
    """A 10 MB note would otherwise be stored and sent back in every list that shows it."""
    unbounded = [
        problem
        for serializer_class in _input_serializers()
        for name, field in serializer_class().fields.items()
        for problem in _unbounded(f"{serializer_class.__name__}.{name}", field)
    ]
    assert unbounded == []
