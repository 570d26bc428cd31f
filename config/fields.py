"""Model fields shared by the apps.

``BoundedTextField`` is the only kind of free text a model stores: a ``TextField`` whose
``max_length`` is required and enforced at every layer. Forms built from the model and the
API's serializers (``api/serializers/model_fields.py``) read the limit from the field, model
validation checks it, and the table carries ``CHECK (length(column) <= max_length)``
(named ``<app>_<model>_<field>_length``), so nothing written behind the forms' back (a
service, a shell, an import) can store more. A plain ``TextField`` has no limit at all in
PostgreSQL: one request could store megabytes that every list showing the field would then
send out again. ``tests/config/test_fields.py`` fails on any unbounded text column.
"""

from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual


class BoundedTextField(models.TextField):
    def __init__(self, *args, max_length: int, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(MaxLengthValidator(self.max_length))

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        if cls._meta.abstract:
            return  # each concrete model inheriting the field gets its own constraint
        # A table constraint rather than the column's own check: migrations add, alter and
        # drop it like any constraint in Meta, and it is named after the field. A new list,
        # because the one from Meta may be shared with other models.
        constraint_name = f"{cls._meta.app_label}_{cls._meta.model_name}_{self.name}_length"
        if all(constraint.name != constraint_name for constraint in cls._meta.constraints):
            cls._meta.constraints = [
                *cls._meta.constraints,
                models.CheckConstraint(
                    condition=LessThanOrEqual(Length(self.name), self.max_length), name=constraint_name
                ),
            ]
            # Migrations read the options Meta declared from here.
            cls._meta.original_attrs["constraints"] = cls._meta.constraints
