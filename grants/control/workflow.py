"""Binds the control and recovery workflows."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from grants.control.models import Control, RecoveryCase
from grants.engine.registry import bind


def control_facts(control: Control, now: datetime) -> dict[str, Any]:
    return {"findings_count": control.findings_count}


def recovery_facts(case: RecoveryCase, now: datetime) -> dict[str, Any]:
    # Interest from the dated rate table is added by the recovery area; principal alone until then.
    return {"outstanding": case.principal - case.repaid, "due_at": case.due_at}


CONTROL_BINDING = bind(Control, facts=control_facts)
RECOVERY_BINDING = bind(RecoveryCase, facts=recovery_facts)
