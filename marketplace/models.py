from django.conf import settings
from django.db import models


class Lab(models.Model):
    """An AI lab (or any organisation) that posts projects and pays for expert work."""

    name = models.CharField(max_length=200, unique=True)
    website = models.URLField(blank=True)
    country = models.CharField(max_length=2)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class LabRole(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    REVIEWER = "reviewer", "Reviewer"
    VIEWER = "viewer", "Viewer"


class LabMembership(models.Model):
    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lab_memberships")
    role = models.CharField(max_length=20, choices=LabRole.choices)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lab", "user"], name="one_membership_per_lab_user")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) at {self.lab}"
