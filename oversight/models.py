"""A person's request that a person review an automated decision about them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from config.fields import BoundedTextField

from .systems import SYSTEM_CHOICES

STATEMENT_MAX = 2000
DECISION_MAX = 1000
REASON_MAX = 4000


class RequestStatus(models.TextChoices):
    OPEN = "open", "Waiting for a person"
    UPHELD = "upheld", "Decision upheld"
    OVERTURNED = "overturned", "Decision overturned"
    PARTLY = "partly", "Decision partly changed"


DECIDED_STATUSES = (RequestStatus.UPHELD, RequestStatus.OVERTURNED, RequestStatus.PARTLY)


class ReviewRequest(models.Model):
    """An automated decision a person asked a person of operations to review.

    ``decision`` is what the product showed them, in the words it used, kept as they saw
    it. ``configured_by`` is whoever configured the system for this decision, when the
    product records one (``oversight/decisions.py`` says who, for each kind); the database
    refuses a decision by them, or by the person who asked.
    """

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    system = models.CharField(max_length=40, choices=SYSTEM_CHOICES)
    subject_id = models.PositiveBigIntegerField()
    decision = BoundedTextField(max_length=DECISION_MAX)
    statement = BoundedTextField(max_length=STATEMENT_MAX)
    configured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=12, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = BoundedTextField(max_length=REASON_MAX, blank=True)
    # What overturning did, in words for the person ("The hold on task T-1 was lifted.").
    effect = models.CharField(max_length=300, blank=True)
    # The corrected figure the reviewer gave (a score), when the decision has one.
    corrected_figure = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    # When operations' reviewers were reminded: once as the answer fell due within
    # ``REMIND_DAYS`` days, once when it went overdue, never again for the same request.
    due_soon_reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        indexes = [
            models.Index(fields=["status", "opened_at"], name="review_request_queue"),
            models.Index(fields=["requester", "opened_at"], name="review_request_person"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "system", "subject_id"],
                condition=models.Q(status=RequestStatus.OPEN),
                name="one_open_review_request_per_decision",
            ),
            models.CheckConstraint(
                condition=models.Q(status=RequestStatus.OPEN, decided_at__isnull=True, decided_by__isnull=True)
                | (
                    models.Q(status__in=DECIDED_STATUSES, decided_at__isnull=False, decided_by__isnull=False)
                    & ~models.Q(decision_reason="")
                ),
                name="review_request_decided_with_reasons",
            ),
            models.CheckConstraint(condition=~models.Q(statement=""), name="review_request_has_a_statement"),
            models.CheckConstraint(
                condition=models.Q(due_at__gt=models.F("opened_at")), name="review_request_due_after_opening"
            ),
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True) | ~models.Q(decided_by=models.F("requester")),
                name="review_request_decider_is_not_the_requester",
            ),
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True)
                | models.Q(configured_by__isnull=True)
                | ~models.Q(decided_by=models.F("configured_by")),
                name="review_request_decider_did_not_configure",
            ),
        ]

    def __str__(self) -> str:
        return f"Review request #{self.pk} ({self.get_system_display()}, {self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN

    @property
    def answered_late(self) -> bool:
        return self.decided_at is not None and self.decided_at > self.due_at
