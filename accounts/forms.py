from django import forms

from .models import Role, User


class SignupRoleForm(forms.Form):
    """Extra fields on the public sign-up form.

    Only experts and lab members sign themselves up; operations accounts are created
    by an administrator (``manage.py ops_user_create``). The account is created with
    these fields by ``accounts.signup.SignupForm`` through ``accounts.services.user_sign_up``.
    """

    full_name = forms.CharField(max_length=User._meta.get_field("full_name").max_length, label="Full name")
    role = forms.ChoiceField(
        choices=[(Role.EXPERT, "I am an expert looking for work"), (Role.LAB_MEMBER, "I work for an AI lab")],
        initial=Role.EXPERT,
        widget=forms.RadioSelect,
        label="I am joining as",
    )

    def signup(self, request, user):
        # allauth requires this hook; these fields are saved by user_sign_up itself
        # (accounts.signup.SignupForm.save), so there is nothing left to do here.
        pass
