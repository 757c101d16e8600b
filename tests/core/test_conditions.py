"""The shared condition evaluator."""

import pytest

from core.conditions import (
    OPERATORS,
    PathInvalid,
    UnknownOperator,
    condition_evaluate,
    path_index,
    path_problem,
    value_at,
)
from core.errors import Invalid

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


def test_an_unknown_operator_is_the_domain_s_validation_error():
    with pytest.raises(Invalid, match="Unknown condition operator: __import__"):
        condition_evaluate(1, "__import__", 2)


@pytest.mark.parametrize(
    ("left", "operator", "right", "expected"),
    [
        ("\ud800abc", "regex_match", "abc", True),  # a lone surrogate (JSON can carry one) is not a crash
        ("abc", "regex_match", "\ud800", False),
        pytest.param(10**5000, "greater_than", "x", False, id="beyond-str-digit-limit-as-text"),
        pytest.param(10**5000, "greater_than", 1, True, id="beyond-str-digit-limit-as-number"),
    ],
)
def test_inputs_python_s_str_and_re2_refuse(left, operator, right, expected):
    assert condition_evaluate(left, operator, right) is expected


@pytest.mark.parametrize(
    ("segment", "index"),
    [
        ("0", 0),
        ("12", 12),
        ("007", 7),
        ("²", None),
        ("٣", None),
        ("\uff11", None),
        ("-1", None),
        ("9" * 19, None),
        ("\ud800", None),
    ],
)
def test_only_ascii_digits_are_list_indexes(segment, index):
    assert path_index(segment) == index


DATA = {"evidence": ["a", "b", "c"], "²": "squared", "ticket": {"priority": "high"}}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("evidence.2", "c"),
        ("evidence.3", None),
        ("ticket.priority", "high"),
        ("ticket.nope", None),
        ("²", None),
    ],
)
def test_value_at_reads_keys_and_ascii_indexes(path, value):
    if path == "²":
        with pytest.raises(PathInvalid):
            value_at(DATA, path)
    else:
        assert value_at(DATA, path) == value


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("evidence.²", "has the segment '²': list indexes are written in the digits 0-9"),
        ("items.٣", "has the segment '٣': list indexes are written in the digits 0-9"),
        ("", "must be a dotted path such as ticket.priority"),
        ("a..b", "has an empty segment (a leading, trailing or doubled dot)"),
        (".a", "has an empty segment (a leading, trailing or doubled dot)"),
        ("a.", "has an empty segment (a leading, trailing or doubled dot)"),
        ("a.\x00", "holds an unprintable (control or format) character"),
        ("a." + "9" * 19, "has an index longer than 18 digits"),
        ("a" * 501, "must be at most 500 characters"),
    ],
)
def test_malformed_paths_are_named_and_refused_by_value_at(path, why):
    assert path_problem(path) == why
    with pytest.raises(PathInvalid) as raised:
        value_at({"evidence": [1, 2, 3]}, path)
    assert raised.value.message.endswith(why)


def test_well_formed_paths_pass():
    assert [path_problem(p) for p in ("ticket.priority", "items.0", "a b.c-d", "Ünïcode.ключ")] == [None] * 4
