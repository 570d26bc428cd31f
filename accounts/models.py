import zoneinfo

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models

from . import permissions
from .roles import OPS_ROLES as OPS_ROLES
from .roles import SELF_SIGN_UP_ROLES as SELF_SIGN_UP_ROLES
from .roles import Role as Role

TIMEZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("an email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.OPS_REVIEWER)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in: an expert, a lab member or an operations staff member."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.EXPERT)
    timezone = models.CharField(max_length=64, choices=TIMEZONE_CHOICES, default="UTC")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    def __str__(self) -> str:
        return self.email

    # For templates, which cannot call functions with arguments: the rules are in
    # accounts.permissions, which the code calls directly.

    @property
    def is_ops(self) -> bool:
        return permissions.is_ops(self)

    @property
    def is_ops_reviewer(self) -> bool:
        return permissions.is_ops_reviewer(self)

    @property
    def is_ops_finance(self) -> bool:
        return permissions.is_ops_finance(self)

    @property
    def is_expert(self) -> bool:
        return permissions.is_expert(self)

    @property
    def is_lab_member(self) -> bool:
        return permissions.is_lab_member(self)

    @property
    def has_mfa(self) -> bool:
        from allauth.mfa.models import Authenticator

        return Authenticator.objects.filter(user=self, type=Authenticator.Type.TOTP).exists()


class ApiToken(models.Model):
    """A bearer token for the API (``accounts.tokens``). Only its SHA-256 is stored: the token
    itself is shown once, when it is issued."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_digest = models.CharField(max_length=64, unique=True)
    # The token's first characters, so its owner can tell their tokens apart in a list.
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField()
    # The password and second factor the token was issued under (accounts.tokens.credentials_stamp):
    # changing either revokes it.
    credentials_stamp = models.CharField(max_length=64)
    # Whether a TOTP code was given when it was issued (required of operations staff).
    second_factor = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user_created")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
