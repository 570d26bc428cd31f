import logging

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import health

logger = logging.getLogger(__name__)


def _answer(check_name: str, check) -> JsonResponse:
    try:
        result = check()
    except Exception:
        # A health check answers 503 whatever happens inside it: a 500 would read as a
        # bug in the site rather than a dependency that is down.
        logger.exception("health check %s failed unexpectedly", check_name)
        return JsonResponse({"status": "unavailable", "check": check_name, "reason": "check failed"}, status=503)
    if result.ok:
        return JsonResponse({"status": "ok", "check": result.check, **result.details})
    return JsonResponse({"status": "unavailable", "check": result.check, "reason": result.reason}, status=503)


@never_cache
@require_safe
def healthz(request):
    """The load balancer's probe: 503 only when the site cannot serve (no database); 200
    with ``"status": "degraded"`` and what is missing when it serves without a part."""
    try:
        database, degraded = health.site_health()
    except Exception:
        logger.exception("health check failed unexpectedly")
        return JsonResponse({"status": "unavailable", "reason": "check failed"}, status=503)
    if not database.ok:
        # Unavailable, not broken: a 503 takes this process out of the load balancer's rotation.
        return JsonResponse({"status": "unavailable", "reason": database.reason}, status=503)
    if degraded:
        return JsonResponse({"status": "degraded", "degraded": degraded})
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def healthz_db(request):
    return _answer("database", health.database_health)


@never_cache
@require_safe
def healthz_broker(request):
    return _answer("broker", health.broker_health)


@never_cache
@require_safe
def healthz_worker(request):
    return _answer("worker", health.worker_health)
