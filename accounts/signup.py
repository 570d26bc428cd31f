"""The pages' sign-up form: allauth's form and flow, with the account created by
``accounts.services.user_sign_up`` as the API creates it (same checks, same audit event).

Kept apart from ``accounts.forms``, which allauth imports while building this form's base.
"""

from allauth.account.forms import SignupForm as AllauthSignupForm

from .services import user_sign_up


class SignupForm(AllauthSignupForm):
    # allauth's clean() has already applied the same password validators to the same
    # address as the service, so the service's checks pass for a valid form.

    def save(self, request):
        if self.account_already_exists:
            # allauth's try_save never gets here with a taken address: it mails the owner instead.
            raise ValueError(self.cleaned_data.get("email"))
        return user_sign_up(
            actor=None,
            email=self.cleaned_data["email"],
            password=self.cleaned_data["password1"],
            full_name=self.cleaned_data["full_name"],
            role=self.cleaned_data["role"],
            # allauth's flow sends the confirmation mail next, on its own.
            absolute_url=None,
        )
