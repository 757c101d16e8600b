"""``/demo/echo``: a local endpoint for the demo workflows, so ``make run`` needs no internet.

Answers with what it was sent (method, path, query, body; headers without credentials). Off unless
``OPSGATE_DEMO_ENDPOINTS`` (default: DEBUG), so a production portal does not serve it.
"""

import json

from django.conf import settings
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt

HIDDEN_HEADERS = {"authorization", "cookie", "x-api-key", "proxy-authorization"}
MAX_BODY = 64 * 1024


@csrf_exempt  # machines call it, with no session
def demo_echo(request):
    if not settings.OPSGATE_DEMO_ENDPOINTS:
        raise Http404
    raw = request.body[:MAX_BODY].decode(errors="replace")
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return JsonResponse(
        {
            "method": request.method,
            "path": request.path,
            "query": request.GET.dict(),
            "headers": {k: v for k, v in request.headers.items() if k.lower() not in HIDDEN_HEADERS},
            "body": raw,
            "json": parsed,
        }
    )
