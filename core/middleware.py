"""Request ids on every response; contract-shaped answers to crashes outside DRF views."""

from __future__ import annotations

from core.contracts import renderer_for_path
from core.envelopes import json_response
from core.problems import problem_from_exception
from core.request_id import HEADER, accept_or_new, current_request_id


class RequestIdMiddleware:
    """Keeps a well-formed incoming ``X-Request-ID`` (else makes one) and echoes it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = accept_or_new(request.headers.get(HEADER, ""))
        token = current_request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response[HEADER] = request.request_id
        return response


class ContractExceptionMiddleware:
    """Exceptions escaping plain Django views under a contract's prefix get that contract's body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        render = renderer_for_path(request.path)
        if render is None:
            return None
        return json_response(render, problem_from_exception(exception, request))
