from django.shortcuts import redirect, render

from accounts.permissions import is_expert, is_ops


def home(request):
    """Send each person to where their work is."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "home.html")
    if is_ops(user):
        return redirect("ops-dashboard")
    if is_expert(user):
        return redirect("expert-dashboard")
    return redirect("lab-home")
