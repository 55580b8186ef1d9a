"""The jobs of a job-creation grant, as the web's jobs pages show them: the grantee's people and staff who read
applications read a running grant's jobs; anyone else gets 404. The PESEL is masked as the web's list masks it
(the first two and the last two digits), here on one job as well. Staff fire the jobs' transitions (finance starts
the financing, officers and auditors report a job lost) through the transitions endpoint."""
from __future__ import annotations

from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from grants.access import Permission, get_or_404
from grants.api.core import QUERY, READ, PageArgs, access, answers, bp, page_schema, paged
from grants.api.schemas import amount
from grants.api.transitions import register_object
from grants.applications.models import Application
from grants.support import jobs as ops
from grants.support.models import Job
from grants.support.permissions import can_read_job, can_read_jobs
from grants.support.views import SHOWN
from grants.types import LARGEST_ID

ROW_ID = "int(max=2147483647)"  # its id column is a 32-bit integer: a larger id is no row (404)


class JobSchema(Schema):
    id = fields.Integer(required=True)
    application_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "The state in the job workflow."})
    person_name = fields.String(allow_none=True)
    pesel = fields.String(required=True, metadata={"description": "Masked: the first two and last two digits."})
    eligibility = fields.String(allow_none=True)
    disability = fields.Boolean(required=True)
    fte = fields.Decimal(as_string=True, places=2, required=True, metadata={
        "type": "string", "format": "decimal", "description": "Working time: 1, 0.75, 0.5 or 0.25."})
    starts_on = fields.Date(allow_none=True)
    financed_until = fields.DateTime(allow_none=True)
    durability_ends_at = fields.DateTime(allow_none=True)
    lost_on = fields.Date(allow_none=True)
    replace_by = fields.Date(allow_none=True, metadata={"description": "Lost: to be replaced by then."})
    replaces_id = fields.Integer(allow_none=True, metadata={"description": "The lost job it replaces."})
    recovery_case_id = fields.Integer(allow_none=True)
    version = fields.Integer(required=True, metadata={"description": "Send it back to fire a transition."})


class JobDetailSchema(JobSchema):
    share = amount(required=True)  # the job's part of the grant: the agreement's create rate × its FTE


JobPage = page_schema(JobSchema, "JobPage")
COLUMNS = ("id", "application_id", "status", "person_name", "eligibility", "disability", "fte", "starts_on",
           "financed_until", "durability_ends_at", "lost_on", "replace_by", "replaces_id", "recovery_case_id",
           "version")


class JobArgs(PageArgs):
    application_id = fields.Integer(required=True, validate=validate.Range(1, LARGEST_ID),
                                    metadata={"description": "The grant whose jobs to list."})


def _row(job: Job) -> dict:
    return {name: getattr(job, name) for name in COLUMNS} | {"pesel": ops.masked(job.pesel)}


@bp.get("/jobs")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@answers(404)
@bp.etag
@bp.arguments(JobArgs, **QUERY)
@bp.response(200, JobPage)
@bp.doc(tags=["Jobs"], summary="A grant's jobs", description="As the grant's jobs page: a running job-creation "
        "grant's, for its people and for staff who read applications.", security=[{"token": []}])
def list_jobs(args):
    application = get_or_404(Application, args["application_id"], can_read_jobs)
    if application.status not in SHOWN or "job" not in application.call.type.uses_workflows:
        abort(404)
    page = paged(select(Job).where(Job.application_id == application.id), Job.id, args)
    page["items"] = [_row(job) for job in page["items"]]
    return page


@bp.get(f"/jobs/<{ROW_ID}:job_id>")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@answers(404)
@bp.etag
@bp.response(200, JobDetailSchema)
@bp.doc(tags=["Jobs"], summary="A job", security=[{"token": []}])
def get_job(job_id: int):
    job = get_or_404(Job, job_id, can_read_job)
    return _row(job) | {"share": ops.share(job, ops.agreement_of(job.application))}


def _lost(trigger: str, data: dict) -> dict:
    """`report_loss` takes the day the job was lost, as the job page's form gives it (today when left out)."""
    return {"lost_on": data["lost_on"].isoformat()} if trigger == "report_loss" and data.get("lost_on") else {}


register_object("jobs", Job, can_read_job, takes=_lost)
