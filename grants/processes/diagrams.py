"""SVG diagrams of the declared workflows, drawn by Graphviz from the generated DOT source."""
from __future__ import annotations

import functools
import re
import shutil
import subprocess

from markupsafe import Markup

from workflows import WORKFLOWS
from workflows.describe import dot


class DiagramUnavailable(RuntimeError):
    pass


@functools.lru_cache(maxsize=64)
def svg(workflow_name: str, locale: str) -> Markup:
    """The workflow as inline SVG in the given language (cached per process: declarations are constant)."""
    executable = shutil.which("dot")
    if executable is None:
        raise DiagramUnavailable("Graphviz (the 'dot' program) is not installed")
    source = dot(WORKFLOWS[workflow_name], locale)
    result = subprocess.run([executable, "-Tsvg"], input=source, capture_output=True, text=True, timeout=20,
                            check=False)
    if result.returncode != 0:
        raise DiagramUnavailable(result.stderr.strip() or "dot failed")
    text = result.stdout
    # Inline and scalable: drop the prolog and the fixed size (the viewBox keeps the proportions).
    # The SVG comes from our own declaration, never from user input.
    text = re.sub(r'<svg width="[^"]*" height="[^"]*"', '<svg role="img" class="workflow-diagram"',
                  text[text.index("<svg"):], count=1)
    return Markup(text)
