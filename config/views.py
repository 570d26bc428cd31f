from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render


def home(request):
    """Send each person to where their work is."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "home.html")
    if user.is_ops:
        return redirect("ops-dashboard")
    if user.is_expert:
        return redirect("expert-dashboard")
    return redirect("lab-home")


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
