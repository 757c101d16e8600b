"""The catch-all for URL misses under a contract's prefix."""

from django.http import Http404
from django.views.decorators.csrf import csrf_exempt

from core.contracts import renderer_for_path
from core.envelopes import json_response
from core.problems import Problem


@csrf_exempt  # a miss is a miss for every method; CSRF's HTML 403 would break the envelope
def contract_route_not_found(request, *args, **kwargs):
    render = renderer_for_path(request.path)
    if render is None:  # CATCH_ALL_PATTERN and the renderers' prefixes disagree: a bug, not a client error
        raise Http404
    problem = Problem(
        kind="not_found",
        message="Not found.",
        request_id=request.request_id,
        path=request.path,
        route_miss=True,
    )
    return json_response(render, problem)
