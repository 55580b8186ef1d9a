"""Loads every area's models and workflow plugs, so the metadata (and Alembic) sees the whole schema
and every workflow object can be fired. An area is a package under grants/; adding one means adding
its name here, nothing else."""
from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

# In an order where each area's plugs find the bindings they extend (the owner binds first).
AREAS = ("auth", "calls", "applications", "evaluation", "finance", "reporting", "control", "support", "registry",
         "api")

import_module("grants.engine.models")
import_module("grants.services.audit")
import_module("grants.services.mail")
for _area in AREAS:
    for _part in ("models", "workflow"):
        if find_spec(f"grants.{_area}.{_part}") is not None:
            import_module(f"grants.{_area}.{_part}")
