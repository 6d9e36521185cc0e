from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import check_services


@never_cache
@require_GET
def healthz(request):
    """200 with each service's state when all answer; 503 naming those that do not."""
    states = check_services()
    failing = [state.name for state in states if not state.ok]
    body = {
        "status": "ok" if not failing else "unavailable",
        "failing": failing,
        "services": {s.name: {"ok": s.ok, "detail": s.detail} for s in states},
    }
    return JsonResponse(body, status=503 if failing else 200)
