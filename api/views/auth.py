from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.contrib.auth import authenticate
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import lockout
from accounts.mfa import totp_code_valid
from accounts.permissions import is_ops
from accounts.services import user_sign_up
from audit.services import audit_record
from config.errors import ApplicationError

from ..authentication import BearerTokenAuthentication
from ..idempotency import not_idempotent
from ..serializers import auth as s
from ..throttling import ScopedRateThrottle


class SignupView(APIView):
    """Create an expert or lab-member account; a verification email is sent."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=s.SignupInput, responses={201: s.SignupOutput}, tags=["auth"])
    @not_idempotent("anonymous; the email address is unique, so a repeat is refused")
    def post(self, request):
        data = s.SignupInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_sign_up(
            actor=None,
            email=data.validated_data["email"],
            password=data.validated_data["password"],
            full_name=data.validated_data["full_name"],
            role=data.validated_data["role"],
            absolute_url=request.build_absolute_uri,
        )
        return Response(
            s.SignupOutput({"id": user.pk, "email": user.email, "role": user.role, "email_verified": False}).data,
            status=status.HTTP_201_CREATED,
        )


class VerifyEmailView(APIView):
    """Confirm an email address with the key from the verification email."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=s.VerifyEmailInput, responses={200: s.SignupOutput}, tags=["auth"])
    @not_idempotent("confirming twice has the same effect as once")
    def post(self, request):
        data = s.VerifyEmailInput(data=request.data)
        data.is_valid(raise_exception=True)
        confirmation = EmailConfirmationHMAC.from_key(data.validated_data["key"])
        if confirmation is None:
            raise ApplicationError(
                "This verification link is invalid or has expired.",
                code="invalid_key",
                fields={"key": ["Invalid or expired."]},
            )
        with transaction.atomic():
            address = confirmation.confirm(request._request)
            if address is None:
                address = confirmation.email_address
            user = address.user
            audit_record(actor=user, action="accounts.email.verified", target=user, after={"email": address.email})
        return Response(
            s.SignupOutput({"id": user.pk, "email": address.email, "role": user.role, "email_verified": True}).data
        )


class TokenView(APIView):
    """Exchange credentials (and a TOTP code, for operations staff) for an API token."""

    permission_classes = [AllowAny]
    # Bearer only: DELETE revokes the token it is sent with; POST needs no authentication.
    authentication_classes = [BearerTokenAuthentication]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(request=s.TokenInput, responses={200: s.TokenOutput}, tags=["auth"])
    @not_idempotent("issues the caller's existing token again")
    def post(self, request):
        data = s.TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"].lower()
        lockout.login_lockout_check(request._request, email=email)
        user = authenticate(request._request, email=email, password=data.validated_data["password"])
        if user is None:
            lockout.login_failure_record(request._request, email=email)
            raise ApplicationError("The email or password is wrong.", code="invalid_credentials")
        if not EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
            raise ApplicationError("Verify your email address first.", code="email_unverified")
        if is_ops(user):
            if not user.has_mfa:
                raise ApplicationError(
                    "Operations staff must set up two-factor authentication first (Account > Two-factor).",
                    code="mfa_setup_required",
                )
            if not totp_code_valid(user, data.validated_data.get("otp_code", "")):
                lockout.login_failure_record(request._request, email=email)
                raise ApplicationError(
                    "Enter a valid code from your authenticator app.",
                    code="mfa_required",
                    fields={"otp_code": ["Invalid or missing code."]},
                )
        lockout.login_success_record(request._request, email=email)
        with transaction.atomic():
            token, _ = Token.objects.get_or_create(user=user)
            audit_record(actor=user, action="accounts.token.issued", target=user, after={"mfa": is_ops(user)})
        return Response(s.TokenOutput({"token": token.key, "role": user.role}).data)

    @extend_schema(responses={204: None}, tags=["auth"])
    def delete(self, request):
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.MeOutput, tags=["auth"])
    def get(self, request):
        return Response(s.MeOutput(request.user).data)
