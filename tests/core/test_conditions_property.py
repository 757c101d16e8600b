"""Properties of the condition evaluator and the event filters over arbitrary JSON and arbitrary
paths (Unicode digits, dots, empty segments, lone surrogates): the only exception any of them may
raise is the domain's validation error, and a path ``path_problem`` accepts never raises at all."""

import math

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from automation.triggers import event_matches
from core.conditions import OPERATORS, condition_evaluate, path_index, path_problem, value_at
from core.envelopes import automation_rules, operator_api
from core.errors import ErrorDetail, Invalid
from core.problems import Problem

# Every code point, lone surrogates included (JSON's "\ud800" escapes decode to them).
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=12)
TRICKY = st.sampled_from(
    ["", ".", "..", "0", "01", "²", "³", "١٢", "٣", "9" * 30, "a", "b.c", " ", "\x00", "\ud800"]
)
KEYS = st.one_of(TRICKY, ANY_TEXT)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and the infinities too: Python's json reads them
    st.decimals(allow_nan=True).map(str),  # numbers written as text: "1E+999999", "sNaN"
    KEYS,
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=16,
)
PATHS = st.one_of(KEYS, st.lists(KEYS, min_size=1, max_size=5).map(".".join))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=JSON, path=PATHS)
@example(data={"evidence": ["x", "y", "z"]}, path="evidence.²")
@example(data=[1, 2, 3], path="٣")
@example(data={"a": [0]}, path="a." + "9" * 5000)
def test_value_at_raises_only_the_validation_error_and_only_for_refused_paths(data, path):
    try:
        value_at(data, path)
    except Invalid:
        assert path_problem(path) is not None
    else:
        assert path_problem(path) is None


@SETTINGS
@given(data=st.dictionaries(KEYS, JSON, min_size=1, max_size=4))
def test_value_at_reads_every_key_it_accepts(data):
    for key, value in data.items():
        if path_problem(key) is None and "." not in key:
            found = value_at(data, key)
            assert found == value or (isinstance(value, float) and math.isnan(value))


@SETTINGS
@given(left=JSON, operator=st.sampled_from(OPERATORS), right=JSON)
@example(left="\ud800", operator="regex_match", right="a")
@example(left="a", operator="regex_match", right="\ud800")
@example(left=10**5000, operator="greater_than", right="x")
@example(left="1E+999999999999999999999", operator="less_than", right=1)
@example(left=float("nan"), operator="greater_than_or_equal", right=float("inf"))
def test_every_operator_answers_a_bool_over_any_json(left, operator, right):
    assert condition_evaluate(left, operator, right) in (True, False)


@SETTINGS
@given(left=JSON, operator=st.one_of(ANY_TEXT, JSON), right=JSON)
def test_an_unknown_operator_is_the_validation_error(left, operator, right):
    try:
        condition_evaluate(left, operator, right)
    except Invalid:
        assert operator not in OPERATORS
    else:
        assert operator in OPERATORS


EVENT_CONFIGS = st.fixed_dictionaries(
    {"event_type": st.sampled_from(["error", "action"])},
    optional={
        "event_source": st.one_of(KEYS, JSON),
        "event_filters": st.dictionaries(PATHS, JSON, max_size=3),
    },
)


@SETTINGS
@given(config=st.one_of(EVENT_CONFIGS, JSON), payload=st.one_of(JSON, st.dictionaries(KEYS, JSON)))
@example(config={"event_type": "error", "event_filters": {"evidence.²": "x"}}, payload={"type": "error"})
@example(config={"event_type": "error", "event_filters": ["a"]}, payload={"type": "error"})
@example(config={"event_type": "error", "event_source": "x"}, payload={"type": "error", "meta": [1]})
def test_the_event_filter_matcher_raises_only_the_validation_error(config, payload):
    try:
        matched = event_matches(config, payload)
    except Invalid as exc:
        assert exc.kind == "invalid"
    else:
        assert matched in (True, False)


@SETTINGS
@given(payload=st.dictionaries(KEYS, JSON), filters=st.dictionaries(PATHS, JSON, max_size=3))
def test_an_event_of_another_type_never_matches(payload, filters):
    payload = {**payload, "type": "action"}
    try:
        assert event_matches({"event_type": "error", "event_filters": filters}, payload) is False
    except Invalid:
        assert any(path_problem(key) for key in filters)


@SETTINGS
@given(path=PATHS)
def test_the_envelopes_render_any_error_path(path):
    """The error envelopes split a problem's path with the same index parser: never a crash."""
    for segment in path.split("."):
        index = path_index(segment)
        assert index is None or (segment.isascii() and segment.isdigit() and index == int(segment))
    problem = Problem(kind="invalid", message="Validation failed", details=[ErrorDetail(path, "bad")])
    assert automation_rules.render(problem)[0] == 400
    assert operator_api.render(problem)[0] == 422
