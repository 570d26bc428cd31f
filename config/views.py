from django.db import DatabaseError, connection
from django.http import JsonResponse
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


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        # Unavailable, not broken: a 503 takes this process out of the load balancer's rotation.
        return JsonResponse({"status": "unavailable", "reason": "database unreachable"}, status=503)
    return JsonResponse({"status": "ok"})
