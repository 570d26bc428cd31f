"""Error pages that answer in the API's own error shape under /api/ and as pages elsewhere."""

from django.http import JsonResponse
from django.views import defaults


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse({"code": "not_found", "message": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse(
            {"code": "server_error", "message": "Something went wrong on our side; nothing was changed."}, status=500
        )
    return defaults.server_error(request)


def bad_request(request, exception=None):
    if _is_api(request):
        return JsonResponse({"code": "bad_request", "message": "The request could not be understood."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        return JsonResponse({"code": "permission_denied", "message": "You may not do this."}, status=403)
    return defaults.permission_denied(request, exception)
