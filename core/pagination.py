"""Pagination parameters, bounded in one place, and limit/offset pages
``{<items_key>: [...], total, limit, offset}`` (400 otherwise).

``bounded_int`` is the one parser of a page, limit or offset: ASCII digits only, and never beyond
``OFFSET_MAX`` rows into a table, so no query parameter reaches the database as an integer it
cannot hold. Each contract words the refusal in its own envelope.
"""

from __future__ import annotations

import re

from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from core.errors import ErrorDetail, Invalid

OFFSET_MAX = 2**31 - 1  # beyond any real table; keeps the database from an integer overflow
_INTEGER = re.compile(r"[+-]?[0-9]{1,10}")


def bounded_int(raw: str | None, *, default: int, low: int, high: int) -> int | None:
    """``raw`` as an integer in ``[low, high]``; ``default`` when absent or empty; None when it is
    anything else (not ASCII digits, too long, out of bounds)."""
    if raw is None or raw == "":
        return default
    if not _INTEGER.fullmatch(raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def page_number_max(limit_max: int) -> int:
    """The highest page a page/limit list accepts: its last row stays within ``OFFSET_MAX``."""
    return OFFSET_MAX // limit_max


class LimitOffsetPage(BasePagination):
    default_limit = 20
    max_limit = 100
    max_offset = OFFSET_MAX
    items_key = "items"

    def _int(self, request, name: str, default: int, low: int, high: int) -> int:
        value = bounded_int(request.query_params.get(name), default=default, low=low, high=high)
        if value is None:
            bounds = f"between {low} and {high}"
            raise Invalid(
                "Invalid pagination parameters.",
                details=[
                    ErrorDetail(name, f"must be an integer {bounds}", "value_error", "INVALID_PAGINATION")
                ],
            )
        return value

    def paginate_queryset(self, queryset, request, view=None):
        self.limit = self._int(request, "limit", self.default_limit, 1, self.max_limit)
        self.offset = self._int(request, "offset", 0, 0, self.max_offset)
        self.total = queryset.count()
        return list(queryset[self.offset : self.offset + self.limit])

    def get_paginated_response(self, data):
        return Response(
            {self.items_key: data, "total": self.total, "limit": self.limit, "offset": self.offset}
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": [self.items_key, "total", "limit", "offset"],
            "properties": {
                self.items_key: schema,
                "total": {"type": "integer"},
                "limit": {"type": "integer"},
                "offset": {"type": "integer"},
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_limit},
            },
            {
                "name": "offset",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 0},
            },
        ]


def page_schema(serializer_class, *, name: str, items_key: str = "items"):
    """The OpenAPI shape of a page of ``serializer_class``, for ``extend_schema(responses=...)``."""
    from drf_spectacular.utils import inline_serializer
    from rest_framework import serializers

    return inline_serializer(
        name=name,
        fields={
            items_key: serializer_class(many=True),
            "total": serializers.IntegerField(),
            "limit": serializers.IntegerField(),
            "offset": serializers.IntegerField(),
        },
    )


def page_parameters():
    from core.schema import EmptyIsDefaultParameter

    page = LimitOffsetPage
    return [
        EmptyIsDefaultParameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": page.max_limit},
            description=f"1-{page.max_limit}, default {page.default_limit}",
        ),
        EmptyIsDefaultParameter(
            "offset",
            {"type": "integer", "minimum": 0, "maximum": page.max_offset},
            description="default 0",
        ),
    ]
