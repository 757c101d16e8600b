"""Workflow graph validation (docs/architecture.md): every problem, one string each.

The node and edge shapes are the origin's (``@automateos/workflow-schema``); the rules that its
UI only suggested are enforced here: one start node, unique ids, existing endpoints, no cycle,
everything reachable from start, a valid config per node type, credentials used only where a
secret belongs (see ``runs.engine.nodes.credentials_allowed``) and sent only to an origin written
out in the URL (``runs.engine.nodes.config_problems``).
"""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from runs.engine.events import RUN_MARKERS
from runs.engine.nodes import CONFIGS, CREDENTIAL_PLACES, config_problems, credentials_allowed
from runs.engine.rendering import dotted, references_credentials, template_strings
from runs.journal.event_schema import ID_MAX

NodeType = Literal["start", "http", "approval", "condition", "transform", "delay"]


class _Position(BaseModel):
    x: float
    y: float


class _NodeData(BaseModel):
    label: str | None = None
    config: dict[str, Any] | None = None


class _Node(BaseModel):
    id: str = Field(min_length=1, max_length=ID_MAX)
    type: NodeType
    position: _Position
    data: _NodeData


class _Edge(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    source: str
    target: str
    sourceHandle: str | None = None
    targetHandle: str | None = None
    type: str | None = None
    data: dict[str, Any] | None = None


class _Graph(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nodes: list[_Node]
    edges: list[_Edge]
    meta: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


def _config_problem(node_id: str, error: dict) -> str:
    path = ".".join(str(part) for part in error["loc"])
    where = f"Node '{node_id}' config.{path}" if path else f"Node '{node_id}' config"
    kind = error["type"]
    if kind == "missing":
        return f"{where} is required"
    if kind == "extra_forbidden":
        return f"{where} is not a known setting"
    if kind == "url":
        return f"{where} {error['msg']}"
    return f"{where} is invalid: {error['msg']}"


def _credential_problems(node_id: str, node_type: str, config: dict) -> list[str]:
    return [
        f"Node '{node_id}' config.{dotted(path)} uses credentials, {CREDENTIAL_PLACES}"
        for path, text in template_strings(config)
        if references_credentials(text) and not credentials_allowed(node_type, config, path)
    ]


def _find_cycle(node_ids: list[str], successors: dict[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for root in node_ids:
        if state.get(root):
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = []
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node], path = 1, [*path, node]
            nexts = successors.get(node, [])
            if index < len(nexts):
                stack.append((node, index + 1))
                child = nexts[index]
                if state.get(child) == 1:
                    return [*path[path.index(child) :], child]
                if not state.get(child):
                    stack.append((child, 0))
            else:
                state[node], path = 2, path[:-1]
    return None


def graph_problems(graph: Any) -> list[str]:
    """Every problem with ``graph``; empty when it can run."""
    try:
        parsed = _Graph.model_validate(graph)
    except ValidationError as exc:
        return [
            f"graph.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" if e["loc"] else f"graph: {e['msg']}"
            for e in exc.errors(include_url=False)
        ]
    problems: list[str] = []
    ids = [node.id for node in parsed.nodes]
    seen: set[str] = set()
    for node_id in ids:
        if node_id in seen:
            problems.append(f"Duplicate node id '{node_id}'")
        elif node_id in RUN_MARKERS:
            problems.append(f"Node id '{node_id}' is reserved for the run's own journal events")
        seen.add(node_id)
    starts = [node.id for node in parsed.nodes if node.type == "start"]
    if len(starts) != 1:
        problems.append(f"Workflow must have exactly one start node (found {len(starts)})")
    types = {node.id: node.type for node in parsed.nodes}
    for node in parsed.nodes:
        try:
            CONFIGS[node.type].model_validate(node.data.config or {})
        except ValidationError as exc:
            problems.extend(_config_problem(node.id, e) for e in exc.errors(include_url=False))
        problems.extend(_credential_problems(node.id, node.type, node.data.config or {}))
        problems.extend(f"Node '{node.id}' {p}" for p in config_problems(node.type, node.data.config or {}))
    successors: dict[str, list[str]] = defaultdict(list)
    edge_ids: set[str] = set()
    for edge in parsed.edges:
        if edge.id in edge_ids:
            problems.append(f"Duplicate edge id '{edge.id}'")
        edge_ids.add(edge.id)
        missing = [end for end in (edge.source, edge.target) if end not in types]
        for end in missing:
            problems.append(f"Edge references non-existent node '{end}'")
        if missing:
            continue
        if types[edge.target] == "start":
            problems.append(f"Edge '{edge.id}' leads into the start node")
        if types[edge.source] == "condition" and edge.sourceHandle not in ("true", "false"):
            problems.append(
                f"Edge '{edge.id}' from condition node '{edge.source}' needs sourceHandle 'true' or 'false'"
            )
        successors[edge.source].append(edge.target)
    cycle = _find_cycle(list(dict.fromkeys(ids)), successors)
    if cycle:
        problems.append(f"Workflow contains a cycle: {' -> '.join(cycle)}")
    if len(starts) == 1:
        reached, queue = {starts[0]}, deque([starts[0]])
        while queue:
            for child in successors.get(queue.popleft(), []):
                if child not in reached:
                    reached.add(child)
                    queue.append(child)
        problems.extend(
            f"Node '{n}' is not reachable from the start node" for n in dict.fromkeys(ids) if n not in reached
        )
    return problems
