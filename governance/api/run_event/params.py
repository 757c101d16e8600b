"""The run-event contract's parameters as both its doors read them (runs' ``run_event`` and
governance's Automation Manager): the query string and the JSON body merged, the origin's ``api``
error for a malformed one."""

from __future__ import annotations

from core.errors import BadRequest


class ApiParameterError(BadRequest):
    default_code = "api"


def request_params(request) -> dict:
    """The origin merges the query string and the JSON body (the body wins)."""
    params = {key: request.query_params.get(key) for key in request.query_params}
    if not isinstance(request.data, dict):  # null, [], 0, "": a body that is not parameters
        raise ApiParameterError("Malformed request body (must be a JSON object)")
    params.update(request.data)
    return params


def approved_flag(value) -> bool:
    """Only JSON ``true`` counts: ``"false"`` (and every other string) is not an approval."""
    return value is True
