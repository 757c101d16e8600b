"""The one bounded parser of pagination parameters, and the limit/offset page built on it."""

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.errors import Invalid
from core.pagination import OFFSET_MAX, LimitOffsetPage, bounded_int


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 7),
        ("", 7),
        ("1", 1),
        ("+3", 3),
        ("100", 100),
        ("0", None),
        ("101", None),
        ("9223372036854775808", None),
        ("9" * 5000, None),
        ("\u0661\u0660", None),
        ("1_0", None),
        (" 10", None),
        ("10\n", None),
        ("1e3", None),
    ],
)
def test_bounded_int(raw, expected):
    assert bounded_int(raw, default=7, low=1, high=100) == expected


@pytest.mark.parametrize(
    "query", ["offset=9223372036854775808", f"offset={OFFSET_MAX + 1}", "limit=\u0661\u0660"]
)
def test_a_limit_offset_page_refuses_what_the_database_cannot_hold(query):
    request = Request(APIRequestFactory().get(f"/x?{query}"))
    with pytest.raises(Invalid) as raised:
        LimitOffsetPage().paginate_queryset([], request)
    (detail,) = raised.value.details
    assert detail.code == "INVALID_PAGINATION" and detail.path in ("limit", "offset")
