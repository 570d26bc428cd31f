from django import forms

from .models import Role


class SignupRoleForm(forms.Form):
    """Extra fields on the public sign-up form.

    Only experts and lab members sign themselves up; operations accounts are created
    by an administrator (``manage.py ops_user_create``).
    """

    full_name = forms.CharField(max_length=200, label="Full name")
    role = forms.ChoiceField(
        choices=[(Role.EXPERT, "I am an expert looking for work"), (Role.LAB_MEMBER, "I work for an AI lab")],
        initial=Role.EXPERT,
        widget=forms.RadioSelect,
        label="I am joining as",
    )

    def signup(self, request, user):
        user.full_name = self.cleaned_data["full_name"]
        user.role = self.cleaned_data["role"]
        user.save(update_fields=["full_name", "role"])
