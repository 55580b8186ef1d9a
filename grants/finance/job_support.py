"""What the agreement's page shows of job-creation support: each month of the schedule with its instalment and
employment proofs, the forms to upload and decide proofs, and the extension of bridging support."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_login import current_user

from grants.applications.models import Application
from grants.engine.core import available_actions
from grants.finance import agreements, jobs
from grants.finance.forms import ExtensionForm, NoteForm, ProofForm
from grants.finance.models import Agreement
from grants.finance.permissions import is_applicant_side


@dataclass
class Month:
    period: int
    instalments: list = field(default_factory=list)
    proofs: list = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return any(proof.status == "accepted" for proof in self.proofs)

    @property
    def waiting(self) -> bool:
        return any(proof.status == "submitted" for proof in self.proofs)


@dataclass
class JobSupport:
    months: list[Month]
    extensions: list
    decisions: dict  # extension id → the officer's available actions
    open_proofs: set  # proofs the officer may accept or return now
    proof_form: ProofForm
    note_form: NoteForm
    extension_form: ExtensionForm
    may_upload: bool
    may_extend: bool
    errors: dict


def job_support(application: Application, agreement: Agreement | None, officer: bool, forms: dict) -> JobSupport | None:
    """None unless this is a signed job-creation agreement."""
    if agreement is None or agreement.signed_at is None or agreement.schedule_model not in agreements.JOB_MODELS:
        return None
    months: dict[int, Month] = defaultdict(lambda: Month(0))
    for payment in agreements.planned(application):
        if payment.period:
            months[payment.period].instalments.append(payment)
    for proof in jobs.proofs(application):
        months[proof.period].proofs.append(proof)
    for period, month in months.items():
        month.period = period
    applicant = is_applicant_side(current_user, application)
    proof_form = forms.get("proof_form") or ProofForm()
    proof_form.period.choices = [(m.period, str(m.period)) for m in sorted(months.values(), key=lambda m: m.period)
                                 if not m.accepted]
    extensions = jobs.extensions(application)
    return JobSupport(
        months=sorted(months.values(), key=lambda m: m.period), extensions=extensions,
        decisions={e.id: available_actions(e, current_user) for e in extensions if officer},
        open_proofs={p.id for m in months.values() for p in m.proofs if officer and p.status == "submitted"},
        proof_form=proof_form, note_form=forms.get("note_form") or NoteForm(),
        extension_form=forms.get("extension_form") or ExtensionForm(),
        may_upload=applicant and application.status in jobs.RUNNING and bool(proof_form.period.choices),
        may_extend=applicant and jobs.may_extend(application), errors=forms.get("job_errors") or {})
