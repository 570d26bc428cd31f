"""Stripe events as they arrived: verified, stored once, processed once."""

from django.db import models

from config.fields import BoundedTextField


class StripeEventStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored (type not handled)"
    FAILED = "failed", "Failed; will be retried"
    UNKNOWN_OBJECT = "unknown", "Names an object Stripe does not have"


class StripeEvent(models.Model):
    """Every verified webhook from Stripe, stored once by its event id."""

    stripe_id = models.CharField(max_length=100, unique=True)
    endpoint = models.CharField(max_length=20)
    type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=StripeEventStatus.choices, default=StripeEventStatus.RECEIVED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = BoundedTextField(blank=True, max_length=2000)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_id}"
