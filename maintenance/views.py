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
