"""The registry of automated systems names real code, and each reviewable one can be reviewed."""

from importlib import import_module

import pytest
from django.conf import settings

from oversight.decisions import SUBJECTS
from oversight.models import ReviewRequest
from oversight.systems import SYSTEMS


def _resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(import_module(module), name)


@pytest.mark.parametrize("system", SYSTEMS, ids=lambda system: system.key)
def test_each_system_names_the_function_that_makes_its_decision(system):
    assert callable(_resolve(system.code)), system.code
    for name in system.settings:
        assert hasattr(settings, name), name
    for text in (system.name, system.decides, system.data_used, system.overridden_by, system.how_to_review):
        assert text.strip()


def test_every_reviewable_system_has_a_way_to_find_its_decisions():
    assert {system.subject for system in SYSTEMS if system.subject} == set(SUBJECTS)


def test_keys_are_unique_and_fit_the_stored_column():
    keys = [system.key for system in SYSTEMS]
    assert len(keys) == len(set(keys))
    assert max(map(len, keys)) <= ReviewRequest._meta.get_field("system").max_length


def test_every_celery_task_that_decides_about_people_is_listed():
    """The scheduled work that decides something about a person is on the public page."""
    listed = {system.code for system in SYSTEMS}
    for code in (
        "marketplace.services.reviews.work_auto_approve_sweep",
        "marketplace.services.quality.quality_scores_compute",
        "vetting.services.credentials.credentials_expiry_sweep",
        "payouts.transfers.compliance.compliance_blocks",
        "screening.services.subjects.screening_subjects_screen",
    ):
        assert code in listed
