"""Every piece of free text the product stores has a length limit, in forms and in the database.

The API's side is checked in tests/api/test_api_serializers.py. A plain ``TextField`` (or a
``CharField`` without ``max_length``, which PostgreSQL allows) would let one request store
megabytes that every list showing it sends out again.
"""

import importlib
import inspect
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import IntegrityError, connection, models, transaction

from contributors.forms import BoundedMultipleChoiceField
from marketplace.models import Project

from tests.helpers.factories import make_lab, make_project

pytestmark = pytest.mark.django_db

# Lists the product writes itself from rows it already bounds (matching's summaries of a
# profile's specialties and verified credentials), never from what somebody sends.
DERIVED_LISTS = {
    "contributors.Contributor.specialty_ids",
    "contributors.Contributor.specialty_families",
    "contributors.Contributor.verified_credential_kinds",
    "contributors.Contributor.verified_credential_families",
}


def _product_apps():
    root = Path(settings.BASE_DIR).resolve()
    # The project's own apps: under its folder, but not installed packages (a virtualenv
    # made inside the checkout, as `make` does, is under it too).
    return [
        config
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(root)
        and "site-packages" not in Path(config.path).parts
        and config.label not in settings.DEVELOPMENT_APPS
    ]


def _product_fields():
    for config in _product_apps():
        for model in config.get_models():
            for field in model._meta.local_concrete_fields:
                yield model, field


def _length_checks(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c'",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def test_every_text_column_of_the_product_has_a_length_limit_the_database_enforces():
    unbounded = []
    for model, field in _product_fields():
        name = f"{model._meta.label}.{field.name}"
        if isinstance(field, ArrayField):
            if field.size is None and name not in DERIVED_LISTS:
                unbounded.append(f"{name}: a list with no size")
            field = field.base_field
        if isinstance(field, models.TextField):
            check = f"length({field.column}) <= {field.max_length}"
            if field.max_length is None or not any(check in found for found in _length_checks(model._meta.db_table)):
                unbounded.append(f"{name}: text with no max_length and CHECK ({check})")
        elif isinstance(field, models.CharField) and field.max_length is None:
            unbounded.append(f"{name}: a CharField with no max_length")
    assert unbounded == []


def test_the_database_refuses_text_over_the_limit_written_behind_the_forms_back():
    lab, owner = make_lab()
    project = make_project(lab, owner)
    limit = Project._meta.get_field("brief").max_length
    with pytest.raises(IntegrityError, match="brief"), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(brief="x" * (limit + 1))
    Project.objects.filter(pk=project.pk).update(brief="x" * limit)


def _product_forms():
    for config in _product_apps():
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for _, form_class in inspect.getmembers(module, inspect.isclass):
            if issubclass(form_class, forms.BaseForm) and form_class.__module__ == module.__name__:
                yield form_class


def test_every_text_field_and_list_of_every_form_has_a_length_limit():
    unbounded = [
        f"{form_class.__module__}.{form_class.__name__}.{name}"
        for form_class in _product_forms()
        for name, field in form_class.base_fields.items()
        if (isinstance(field, forms.CharField) and field.max_length is None)
        # Each choice once (and at most the column's size), however often a form repeats it.
        or (isinstance(field, forms.MultipleChoiceField) and not isinstance(field, BoundedMultipleChoiceField))
    ]
    assert unbounded == []
