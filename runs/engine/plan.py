"""Which nodes of a run can start now and which will never run: a pure function of the graph and
the steps so far, so the runner and its tests agree on branching and joins.

A node is decided once every node with an edge into it is finished. It runs if at least one of
those edges was taken (its source succeeded and, for a condition, the edge's ``sourceHandle`` is
the condition's result); otherwise it is skipped, and the skip flows on to what follows it.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass

from runs.engine.nodes import condition

FINAL = ("succeeded", "failed", "skipped")


@dataclass(frozen=True)
class StepView:
    state: str
    output: object = None


def topological_order(graph: dict) -> list[str]:
    ids = [node["id"] for node in graph["nodes"]]
    incoming = {node_id: 0 for node_id in ids}
    successors: dict[str, list[str]] = defaultdict(list)
    for edge in graph["edges"]:
        successors[edge["source"]].append(edge["target"])
        incoming[edge["target"]] += 1
    queue, order = deque(n for n in ids if incoming[n] == 0), []
    while queue:
        node_id = queue.popleft()
        order.append(node_id)
        for child in successors[node_id]:
            incoming[child] -= 1
            if incoming[child] == 0:
                queue.append(child)
    return order


def _taken(edge: dict, source_type: str, source: StepView) -> bool:
    if source.state != "succeeded":
        return False
    if source_type == "condition":
        return edge.get("sourceHandle") == condition.branch(source.output or {})
    return True


def next_moves(
    graph: dict, steps: dict[str, StepView], *, approval_open: bool
) -> tuple[list[str], list[str]]:
    """(nodes to start now, nodes to skip), each in topological order.

    Only one approval may be open per run (the journal allows one pending approval at a time), so
    with ``approval_open`` a ready approval node waits its turn, as does a second one made ready now.
    """
    types = {node["id"]: node["type"] for node in graph["nodes"]}
    edges_into: dict[str, list[dict]] = defaultdict(list)
    for edge in graph["edges"]:
        edges_into[edge["target"]].append(edge)
    states = dict(steps)
    ready: list[str] = []
    skipped: list[str] = []
    for node_id in topological_order(graph):
        if node_id in states:
            continue
        edges = edges_into[node_id]
        if not edges:
            if types[node_id] == "start":
                ready.append(node_id)
            continue
        sources = [states.get(edge["source"]) for edge in edges]
        if any(source is None or source.state not in FINAL for source in sources):
            continue
        if any(_taken(edge, types[edge["source"]], src) for edge, src in zip(edges, sources, strict=True)):
            if types[node_id] == "approval":
                if approval_open:
                    continue
                approval_open = True
            ready.append(node_id)
        else:
            skipped.append(node_id)
            states[node_id] = StepView("skipped")
    return ready, skipped
