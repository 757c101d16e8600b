"""Branching and joins: which nodes start and which are skipped, as a pure function."""

from runs.engine.plan import StepView, next_moves
from tests.runs.engine.graphs import branching, edge, graph, node, transform

OK = StepView("succeeded")


def test_the_start_node_is_ready_first():
    g = graph([node("start", "start"), transform("t", 1)], [edge("start", "t")])
    assert next_moves(g, {}, approval_open=False) == (["start"], [])


def test_a_node_waits_for_every_incoming_branch():
    g = graph(
        [node("start", "start"), transform("a", 1), transform("b", 2), transform("join", 3)],
        [edge("start", "a"), edge("start", "b"), edge("a", "join"), edge("b", "join")],
    )
    assert next_moves(g, {"start": OK}, approval_open=False) == (["a", "b"], [])
    assert next_moves(g, {"start": OK, "a": OK, "b": StepView("running")}, approval_open=False) == ([], [])
    assert next_moves(g, {"start": OK, "a": OK, "b": OK}, approval_open=False) == (["join"], [])


def test_the_untaken_branch_is_skipped_and_the_skip_flows_on():
    g = branching(
        {"left": 1, "operator": "equals", "right": 1},
        true_nodes=[transform("yes", 1)],
        false_nodes=[transform("no", 0), transform("after-no", 0)],
    )
    steps = {"start": OK, "check": StepView("succeeded", {"result": True})}
    assert next_moves(g, steps, approval_open=False) == (["yes"], ["no", "after-no"])
    steps = {"start": OK, "check": StepView("succeeded", {"result": False})}
    assert next_moves(g, steps, approval_open=False) == (["no"], ["yes"])


def test_a_join_after_a_condition_runs_when_one_branch_was_taken():
    g = graph(
        [
            node("start", "start"),
            node("check", "condition", {}),
            transform("a", 1),
            transform("b", 2),
            transform("j", 3),
        ],
        [
            edge("start", "check"),
            edge("check", "a", "true"),
            edge("check", "b", "false"),
            edge("a", "j"),
            edge("b", "j"),
        ],
    )
    steps = {"start": OK, "check": StepView("succeeded", {"result": True}), "a": OK}
    assert next_moves(g, steps, approval_open=False) == (["j"], ["b"])


def test_only_one_approval_opens_at_a_time():
    g = graph(
        [node("start", "start"), node("ask-1", "approval"), node("ask-2", "approval")],
        [edge("start", "ask-1"), edge("start", "ask-2")],
    )
    assert next_moves(g, {"start": OK}, approval_open=False) == (["ask-1"], [])
    waiting = {"start": OK, "ask-1": StepView("waiting")}
    assert next_moves(g, waiting, approval_open=True) == ([], [])
    assert next_moves(g, {"start": OK, "ask-1": OK}, approval_open=False) == (["ask-2"], [])
