"""The shared condition evaluator."""

import pytest

from core.conditions import OPERATORS, UnknownOperator, condition_evaluate

CASES = [
    (5, "equals", "5", True),
    ("abc", "equals", "abc", True),
    ("abc", "equals", "ABC", False),
    (True, "equals", 1, False),  # booleans are not numbers
    ("True", "equals", True, True),  # a template renders True as "True"
    (None, "equals", None, True),
    (5, "not_equals", 6, True),
    ("deploy-prod", "contains", "prod", True),
    (["a", "b"], "contains", "b", True),
    ([1, 2], "contains", "2", True),
    ({"k": 1}, "contains", "k", True),
    ("deploy", "not_contains", "prod", True),
    ("10", "greater_than", 9, True),  # numeric, not "10" < "9" as text
    ("b", "greater_than", "a", True),
    (2, "less_than", 10, True),
    (3, "greater_than_or_equal", 3.0, True),
    (3, "less_than_or_equal", 2, False),
    (None, "greater_than", 1, False),
    ("x", "in", ["x", "y"], True),
    ("z", "not_in", ["x", "y"], True),
    ("", "is_empty", None, True),
    ([], "is_empty", None, True),
    (0, "is_empty", None, False),
    ({"a": 1}, "is_not_empty", None, True),
    ("deploy-prod", "starts_with", "deploy", True),
    (None, "starts_with", "", False),
    ("report.csv", "ends_with", ".csv", True),
    (0, "exists", None, True),
    (None, "exists", None, False),
    (None, "not_exists", None, True),
    ("INC-2041", "regex_match", r"^INC-\d+$", True),
    ("INC-x", "regex_match", r"^INC-\d+$", False),
    ("a" * 5000 + "!", "regex_match", r"(a+)+$", False),  # backtracking engines hang here; RE2 does not
    ("abc", "regex_match", "(", False),  # an invalid pattern matches nothing
]


@pytest.mark.parametrize(("left", "operator", "right", "expected"), CASES)
def test_operators(left, operator, right, expected):
    assert condition_evaluate(left, operator, right) is expected


def test_every_operator_has_a_case():
    assert {case[1] for case in CASES} == set(OPERATORS)


def test_an_unknown_operator_is_refused():
    with pytest.raises(UnknownOperator):
        condition_evaluate(1, "__import__", 2)
