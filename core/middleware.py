"""Request ids on every response; unstorable text refused at the door; contract-shaped answers to
crashes outside DRF views."""

from __future__ import annotations

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, QueryDict

from core.contracts import renderer_for_path
from core.envelopes import json_response
from core.errors import ErrorDetail
from core.input_hygiene import parameter_problems, repeated_parameters, text_problem
from core.problems import Problem, problem_from_exception
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


class InputHygieneMiddleware:
    """Refuses NUL characters (and lone surrogates) in the path, the query string and form bodies
    before any view or database sees them: a 404 for the path (no resource has such an id), a 400
    or 422 for a parameter, in the contract's envelope under a contract's prefix, else Django's
    own 404 and 400 pages. JSON bodies are checked by the parser (core.parsers)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if text_problem(request.path) is not None:
            return _refuse(request, Problem(kind="not_found", message="Not found."), Http404)
        problems = parameter_problems(request.GET.lists())
        message = "Query validation failed"
        if not problems and renderer_for_path(request.path) is not None:
            problems = repeated_parameters(request.GET.lists())
        if not problems:
            problems = parameter_problems(_form_fields(request))
            message = "Request validation failed."
        if problems:
            details = [ErrorDetail(p.path, p.message, p.type, p.type.upper()) for p in problems]
            return _refuse(request, Problem(kind="invalid", message=message, details=details), BadRequest)
        return self.get_response(request)


def _form_fields(request):
    """A form body's fields. Form-encoded ones for every method (Django parses POST only; DRF
    parses PUT and PATCH forms itself): a body Django refuses (too large, too many fields) is left
    to the view, which answers in its envelope. Multipart ones only for the portal's and the
    admin's pages (the APIs parse no multipart bodies), which would read them anyway."""
    if request.content_type == "application/x-www-form-urlencoded":
        try:
            if request.method == "POST":
                return request.POST.lists()
            return QueryDict(request.body, encoding=request.encoding).lists()
        except (RequestDataTooBig, SuspiciousOperation):
            return []
    if (
        request.content_type == "multipart/form-data"
        and request.method == "POST"
        and renderer_for_path(request.path) is None
    ):
        return request.POST.lists()
    return []


def _refuse(request, problem: Problem, django_exception: type[Exception]):
    render = renderer_for_path(request.path)
    if render is None:  # the portal, the admin: Django's own error pages
        raise django_exception(problem.message)
    problem.request_id, problem.path = getattr(request, "request_id", ""), request.path
    return json_response(render, problem)
