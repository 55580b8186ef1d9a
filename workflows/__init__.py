"""Declared workflows: what may happen to each kind of object, as data plus pure guard functions.

Nothing here imports Flask or the database; grants/engine runs these declarations.
"""
from workflows import application, control, payment, report, support
from workflows.base import Workflow

WORKFLOWS: dict[str, Workflow] = {
    w.name: w for w in (
        application.WORKFLOW, payment.WORKFLOW, report.WORKFLOW, control.CONTROL, control.RECOVERY,
        support.JOB, support.BRIDGING_EXTENSION, support.PACKAGE_ITEM,
    )
}
