import zoneinfo

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models

from config.fields import BoundedTextField

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


class NoticeKind(models.TextChoices):
    """What a notice is about; each kind is mailed or not as its recipient chooses (security always)."""

    GENERAL = "general", "General"
    SECURITY = "security", "Security of your account"
    INVITATIONS = "invitations", "Invitations and applications"
    REVIEWS = "reviews", "Reviews of work"
    APPEALS = "appeals", "Appeals"
    DISPUTES = "disputes", "Disputed time"
    PAY = "pay", "Pay"
    PAYOUT_HOLDS = "payout_holds", "Payout holds"
    CREDENTIALS = "credentials", "Credentials and tiers"
    CASES = "cases", "Account cases"
    IDENTITY = "identity", "Identity verification"
    TAX = "tax", "Tax forms and documents"
    PROJECTS = "projects", "Projects and engagements"
    BUDGET = "budget", "Budgets and funding"
    OPERATIONS = "operations", "Operations work"
    MESSAGES = "messages", "Messages in conversations"


# Kinds that are always mailed, whatever a person's preferences say.
NOTICE_KINDS_ALWAYS_MAILED = frozenset({NoticeKind.SECURITY})

# Kinds whose inbox item is the thing itself, not the notice: a conversation waits in the
# inbox, unread, until it is read. Their notices are mailed as the person chose, but neither
# listed nor counted beside it (a message would show twice), and reading the thing marks
# them read (``accounts.notices.notices_mark_read_about``).
NOTICE_KINDS_SHOWN_BY_THEIR_PAGE = frozenset({NoticeKind.MESSAGES})

NOTICE_TITLE_MAX_LENGTH = 200
NOTICE_BODY_MAX_LENGTH = 5000


class NoticeMail(models.TextChoices):
    """How a notice reaches its recipient's mailbox, decided when it is written."""

    NOW = "now", "Mailed at once"
    DIGEST = "digest", "In the daily digest"
    NONE = "none", "Not mailed"


class Notice(models.Model):
    """Something a person was told, kept in their inbox whether or not it was mailed."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices, default=NoticeKind.GENERAL)
    title = models.CharField(max_length=NOTICE_TITLE_MAX_LENGTH)
    body = BoundedTextField(max_length=NOTICE_BODY_MAX_LENGTH, blank=True)
    # A path inside the product (the page the notice is about), never another site.
    link = models.CharField(max_length=500, blank=True)
    mail = models.CharField(max_length=10, choices=NoticeMail.choices, default=NoticeMail.NOW)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notice_recipient_created"),
            models.Index(
                fields=["recipient"], name="notice_recipient_unread", condition=models.Q(read_at__isnull=True)
            ),
            models.Index(
                fields=["created_at"],
                name="notice_digest_due",
                condition=models.Q(mail="digest", emailed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title} ({self.recipient})"


class NoticePreference(models.Model):
    """Which kinds of notice a person has mailed, and whether they come once a day in one digest."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="notice_preference")
    # Kinds the person asked not to be mailed about (they still reach the inbox).
    muted_kinds = ArrayField(
        models.CharField(max_length=20, choices=NoticeKind.choices),
        size=len(NoticeKind.choices),
        default=list,
        blank=True,
    )
    daily_digest = models.BooleanField(default=False)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"notice preferences of {self.user}"
