"""The house, drawn from the code's own imports: layers that only point down, no cycles, thin views.

Layers, lowest first: workflow declarations → foundation → services → engine → access → areas → web.
A module may import its own layer and those below, never above (imports inside functions count).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VIEW_MAX_LINES = 40
FOUNDATION = {"grants.types", "grants.extensions", "grants.config", "grants.errors", "grants.locking",
              "grants.identifiers", "grants.search", "grants.auth.models"}
ACCESS = {"grants.access", "grants.labels"}
# Modules of the web layer besides those that declare routes: the app factory, shared page helpers (the
# staff lists' reading of query arguments among them, the figures' tables in the reader's language), forms, the
# command line and the demo, and the list of every model.
WEB = {"grants", "grants.ui", "grants.web", "grants.forms", "grants.cli", "grants.demo", "grants.models",
       "grants.security_headers", "grants.listing", "grants.dashboards.tables", "grants.registry.analytics"}
LAYERS = ("declarations", "foundation", "services", "engine", "access", "areas", "web")


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted([*ROOT.glob("grants/**/*.py"), *ROOT.glob("workflows/**/*.py")]):
        if "translations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def _declares_routes(name: str) -> bool:
    return any(isinstance(node, ast.Attribute) and node.attr == "route" for node in ast.walk(TREES[name]))


def _api_endpoints(name: str) -> bool:
    """The JSON API's modules of routes (flask-smorest's bp.get, bp.post …) and what sets them up."""
    return name.startswith("grants.api.") and name not in ("grants.api.models", "grants.api.tokens",
                                                          "grants.api.schemas")


def layer_of(name: str) -> str:
    if name == "workflows" or name.startswith("workflows."):
        return "declarations"
    if name in FOUNDATION:
        return "foundation"
    if name.startswith("grants.services"):
        return "services"
    if name.startswith("grants.engine"):
        return "engine"
    if name in ACCESS:
        return "access"
    if name in WEB or name.endswith(".forms") or _declares_routes(name) or _api_endpoints(name):
        return "web"
    return "areas"


def imports_of(name: str) -> set[str]:
    """The project modules a module imports, anywhere in it."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    targets: set[str] = set()
    for node in ast.walk(TREES[name]):
        candidates = []
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            candidates = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for candidate in candidates:
            while candidate and candidate not in MODULES:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name:
                targets.add(candidate)
                break
    return targets


def test_every_import_points_down_or_sideways():
    upward = []
    for name in MODULES:
        rank = LAYERS.index(layer_of(name))
        for target in imports_of(name):
            if LAYERS.index(layer_of(target)) > rank:
                upward.append(f"{name} ({layer_of(name)}) imports {target} ({layer_of(target)})")
    assert upward == []


def test_declarations_know_nothing_of_the_app():
    assert [f"{n} imports {t}" for n in MODULES if layer_of(n) == "declarations"
            for t in imports_of(n) if t.startswith("grants")] == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    graph = {name: imports_of(name) for name in MODULES}
    # A package's __init__ naming its own modules is not a cycle worth the name.
    cycles = [c for c in _cycles(graph) if not all(m.startswith(min(c, key=len) + ".") for m in c[1:])]
    assert cycles == []


def test_the_check_sees_an_upward_import():
    """The layer test would fail if the engine reached into an area."""
    assert LAYERS.index(layer_of("grants.applications.models")) > LAYERS.index(layer_of("grants.engine.core"))
    assert layer_of("grants.applications.views") == "web" and layer_of("grants.applications.queries") == "areas"


def _views():
    for name, tree in TREES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == "route"
                    for d in node.decorator_list):
                yield name, node


@pytest.mark.parametrize("limit", [VIEW_MAX_LINES])
def test_views_are_short_and_never_roll_back(limit):
    long_views, rollbacks = [], []
    for name, view in _views():
        start = min([d.lineno for d in view.decorator_list] + [view.lineno])
        if view.end_lineno - start + 1 > limit:
            long_views.append(f"{name}.{view.name}: {view.end_lineno - start + 1} lines")
        if "rollback" in ast.unparse(view) and view.name != "healthz":
            rollbacks.append(f"{name}.{view.name}")
    assert long_views == [] and rollbacks == []


STATE_TEST = re.compile(r"\.status\s*(==|!=|\bin\b|\bnot in\b)")


def test_templates_ask_actions_or_permissions_not_states():
    offending = [f"{path.relative_to(ROOT)}:{number}"
                 for path in sorted((ROOT / "templates").rglob("*.html"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if STATE_TEST.search(line)]
    assert offending == []
