"""Plain descriptions of the declarations: a JSON-able snapshot, Graphviz DOT and Mermaid text.

All three are generated from the data, so a diagram can never drift from what the engine runs.
"""
from __future__ import annotations

from typing import Any

from workflows.base import SYSTEM, Transition, Workflow


def snapshot(workflow: Workflow) -> dict[str, Any]:
    """Everything a reviewer should see change, in a stable order."""
    return {
        "name": workflow.name,
        "label": [workflow.label.pl, workflow.label.en],
        "initial": workflow.initial,
        "states": [
            {"name": s.name, "label": [s.label.pl, s.label.en], "final": s.final,
             **({"public": [s.public.pl, s.public.en]} if s.public else {})}
            for s in workflow.states
        ],
        "transitions": [
            {"trigger": t.trigger, "source": list(t.source), "dest": t.dest, "who": sorted(t.who),
             "label": [t.label.pl, t.label.en], "guards": [g.name for g in t.guards],
             **({"relation": t.relation} if t.relation else {}),
             **({"timer": t.timer} if t.timer else {}),
             **({"reason_required": True} if t.reason_required else {})}
            for t in workflow.transitions
        ],
    }


def edges(workflow: Workflow) -> dict[tuple[str, str, str], Transition]:
    """One edge per (source, dest, trigger), in declaration order."""
    found: dict[tuple[str, str, str], Transition] = {}
    for t in workflow.transitions:
        for source in t.source:
            found.setdefault((source, t.dest, t.trigger), t)
    return found


def dot(workflow: Workflow, locale: str = "en") -> str:
    """Graphviz source: states as boxes (final ones doubled), scheduled transitions dashed."""
    lines = [
        f'digraph "{workflow.name}" {{',
        '  rankdir=LR; bgcolor="transparent";',
        '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#0d6efd", fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9, color="#555555"];',
        '  __start [shape=point, width=0.15, color="#333333"];',
        f'  __start -> "{workflow.initial}";',
    ]
    for s in workflow.states:
        extra = ', peripheries=2, fillcolor="#e9f5ee", color="#198754"' if s.final else ""
        lines.append(f'  "{s.name}" [label="{s.label(locale)}"{extra}];')
    for (source, dest, _trigger), t in edges(workflow).items():
        style = ', style=dashed' if t.scheduled or t.who == {SYSTEM} else ""
        lines.append(f'  "{source}" -> "{dest}" [label="{t.label(locale)}"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def mermaid(workflow: Workflow) -> str:
    """Mermaid stateDiagram source (English triggers), as GitHub renders it in the README."""
    lines = ["stateDiagram-v2", f"    [*] --> {workflow.initial}"]
    for (source, dest, trigger) in edges(workflow):
        lines.append(f"    {source} --> {dest}: {trigger}")
    lines += [f"    {s.name} --> [*]" for s in workflow.states if s.final]
    return "\n".join(lines) + "\n"
