"""Pagination parameters, bounded in one place, and two page shapes: limit/offset pages
``{<items_key>: [...], total, limit, offset}`` and page/limit pages ``{data, pagination, meta}``
(400 otherwise).

``bounded_int`` is the one parser of a page, limit or offset: ASCII digits only, and never beyond
``OFFSET_MAX`` rows into a table, so no query parameter reaches the database as an integer it
cannot hold. Each contract words the refusal in its own envelope.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
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


@dataclass(frozen=True)
class PageNumberPages:
    """Page/limit lists: ``?page=`` (from 1) and ``?limit=`` (1 to ``limit_max``) answered as
    ``{"data": [...], "pagination": {page, limit, total, totalPages, hasNext, hasPrev},
    "meta": {"filters": {page, limit, **filters}, "resource"}}``."""

    default_limit: int
    limit_max: int

    def _bounds(self) -> tuple[tuple[str, int, int], ...]:
        return (("page", 1, page_number_max(self.limit_max)), ("limit", self.default_limit, self.limit_max))

    def parameters(self) -> list:
        """The OpenAPI query parameters, for ``extend_schema(parameters=...)``."""
        from core.schema import EmptyIsDefaultParameter

        return [
            EmptyIsDefaultParameter(
                name, {"type": "integer", "minimum": 1, "maximum": high}, description=f"default {default}"
            )
            for name, default, high in self._bounds()
        ]

    def read(self, request) -> tuple[int, int]:
        """``(page, limit)``; ``Invalid`` ("Query validation failed") naming each one out of bounds."""
        problems = []
        values = {}
        for name, default, high in self._bounds():
            value = bounded_int(request.query_params.get(name), default=default, low=1, high=high)
            if value is None:
                problems.append(
                    ErrorDetail(
                        name, f"Expected an integer between 1 and {high}", "invalid_type", "invalid_type"
                    )
                )
            values[name] = value
        if problems:
            raise Invalid("Query validation failed", details=problems)
        return values["page"], values["limit"]

    def response(
        self,
        request,
        queryset: QuerySet,
        serialize: Callable[[Any], dict],
        *,
        resource: str,
        filters: Mapping[str, Any],
    ) -> Response:
        """The page of ``queryset`` the request asks for, each row through ``serialize``."""
        page, limit = self.read(request)
        total = queryset.count()
        rows = list(queryset[(page - 1) * limit : page * limit])
        pages = math.ceil(total / limit) if total else 0
        return Response(
            {
                "data": [serialize(row) for row in rows],
                "pagination": {
                    "page": page,
                    "limit": limit,
                    "total": total,
                    "totalPages": pages,
                    "hasNext": page < pages,
                    "hasPrev": page > 1,
                },
                "meta": {"filters": {"page": page, "limit": limit, **filters}, "resource": resource},
            }
        )
