from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import lockout
from accounts.mfa import totp_code_valid
from accounts.permissions import is_ops
from accounts.services import user_sign_up
from accounts.tokens import api_token_expires_at, api_token_issue, api_token_revoke, api_tokens_of
from audit.services import audit_record
from config.errors import ApplicationError

from ..authentication import BearerTokenAuthentication
from ..idempotency import not_idempotent
from ..serializers import auth as s
from ..throttling import ScopedRateThrottle


def _invalid_credentials() -> ApplicationError:
    return ApplicationError(
        "The email, password or authenticator code is wrong (operations staff also send otp_code).",
        code="invalid_credentials",
    )


class SignupView(APIView):
    """Create an expert or lab-member account; a verification email is sent."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=s.SignupInput, responses={202: s.SignupAccepted}, tags=["auth"])
    @not_idempotent("anonymous; a repeat creates nothing more and mails the address again")
    def post(self, request):
        data = s.SignupInput(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"].strip().lower()
        # The same answer whether the address was free or already had an account (whose
        # owner is mailed instead): sign-up does not tell who has an account.
        user_sign_up(
            actor=None,
            email=email,
            password=data.validated_data["password"],
            full_name=data.validated_data["full_name"],
            role=data.validated_data["role"],
            absolute_url=request.build_absolute_uri,
        )
        return Response(
            s.SignupAccepted(
                {"email": email, "message": "Check your email: we have sent a message to this address."}
            ).data,
            status=status.HTTP_202_ACCEPTED,
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
    @not_idempotent("anonymous; each call issues a new token")
    def post(self, request):
        data = s.TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"].lower()
        lockout.login_lockout_check(request._request, email=email)
        user = authenticate(request._request, email=email, password=data.validated_data["password"])
        if user is None:
            lockout.login_failure_record(request._request, email=email)
            raise _invalid_credentials()
        if not EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
            raise ApplicationError("Verify your email address first.", code="email_unverified")
        if is_ops(user):
            if not user.has_mfa:
                raise ApplicationError(
                    "Operations staff must set up two-factor authentication first (Account > Two-factor).",
                    code="mfa_setup_required",
                )
            if not totp_code_valid(user, data.validated_data.get("otp_code", "")):
                # The same answer as a wrong password: a different one would tell whoever
                # is guessing that they have found an operations account's password.
                lockout.login_failure_record(request._request, email=email)
                raise _invalid_credentials()
        lockout.login_success_record(request._request, email=email)
        token, key = api_token_issue(actor=user, second_factor=is_ops(user))
        return Response(
            s.TokenOutput({"token": key, "role": user.role, "expires_at": api_token_expires_at(token)}).data
        )

    @extend_schema(responses={204: None}, tags=["auth"])
    def delete(self, request):
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        api_token_revoke(actor=request.user, token_id=request.auth.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(APIView):
    """The caller's tokens that still work (never the tokens themselves)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.TokenListOutput(many=True), tags=["auth"])
    def get(self, request):
        current = getattr(request.auth, "pk", None)
        tokens = [
            {
                "id": token.pk,
                "prefix": token.prefix,
                "created_at": token.created_at,
                "last_used_at": token.last_used_at,
                "expires_at": api_token_expires_at(token),
                "current": token.pk == current,
            }
            for token in api_tokens_of(user=request.user)
        ]
        return Response(s.TokenListOutput(tokens, many=True).data)


class TokenRevokeView(APIView):
    """Revoke one of the caller's tokens; another person's answers 404."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None}, tags=["auth"])
    def delete(self, request, pk: int):
        try:
            api_token_revoke(actor=request.user, token_id=pk)
        except ApplicationError as error:
            if error.code == "not_found":
                raise Http404 from None
            raise
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.MeOutput, tags=["auth"])
    def get(self, request):
        return Response(s.MeOutput(request.user).data)
