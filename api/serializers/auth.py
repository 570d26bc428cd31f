"""Signing up, verifying an email address, tokens and who am I."""

from rest_framework import serializers

from accounts.models import SELF_SIGN_UP_ROLES, User

from .model_fields import max_length

# Longer than any password manager makes; a megabyte "password" would only cost hashing time.
PASSWORD_MAX_LENGTH = 256


class SignupInput(serializers.Serializer):
    email = serializers.EmailField(max_length=max_length(User, "email"))
    password = serializers.CharField(write_only=True, max_length=PASSWORD_MAX_LENGTH, style={"input_type": "password"})
    full_name = serializers.CharField(max_length=max_length(User, "full_name"))
    role = serializers.ChoiceField(choices=[(role.value, role.label) for role in SELF_SIGN_UP_ROLES])


class SignupAccepted(serializers.Serializer):
    email = serializers.EmailField()
    message = serializers.CharField()


class SignupOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    role = serializers.CharField()
    email_verified = serializers.BooleanField()


class VerifyEmailInput(serializers.Serializer):
    key = serializers.CharField(max_length=200)


class TokenInput(serializers.Serializer):
    email = serializers.EmailField(max_length=max_length(User, "email"))
    password = serializers.CharField(write_only=True, max_length=PASSWORD_MAX_LENGTH, style={"input_type": "password"})
    otp_code = serializers.CharField(
        required=False, allow_blank=True, max_length=10, help_text="Required for operations staff."
    )


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Shown only now; only its digest is kept.")
    role = serializers.CharField()
    expires_at = serializers.DateTimeField(help_text="If unused until then; each use moves it on, up to the longest life.")


class TokenListOutput(serializers.Serializer):
    id = serializers.IntegerField()
    prefix = serializers.CharField(help_text="The token's first characters.")
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    current = serializers.BooleanField(help_text="Whether this is the token the request was sent with.")


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    timezone = serializers.CharField()
    mfa_enabled = serializers.BooleanField(source="has_mfa")
