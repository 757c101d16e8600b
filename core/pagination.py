"""Limit/offset pages ``{<items_key>: [...], total, limit, offset}`` with bounds checked (400 otherwise)."""

from __future__ import annotations

from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from core.errors import ErrorDetail, Invalid


class LimitOffsetPage(BasePagination):
    default_limit = 20
    max_limit = 100
    max_offset = 2**31 - 1  # beyond any real table; keeps the database from an integer overflow
    items_key = "items"

    def _int(self, request, name: str, default: int, low: int, high: int | None) -> int:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
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
    from drf_spectacular.utils import OpenApiParameter

    return [
        OpenApiParameter("limit", int, description="1-100, default 20"),
        OpenApiParameter("offset", int, description="default 0"),
    ]
