"""Pure conditions on facts. Each reads only the Context; the engine supplies the facts.

A fact missing from the context is a programming error (KeyError), never silently "true".
"""
from __future__ import annotations

from decimal import Decimal

from workflows.base import Context, Guard, Label


def _guard(name: str, pl: str, en: str, *, routing: bool = False, scope: str | None = None):
    def decorator(check):
        return Guard(name=name, check=check, unmet=Label(pl=pl, en=en), routing=routing, scope=scope)
    return decorator


CALL, GRANT = "call", "grant"  # scopes of guards that read totals


# --- application ----------------------------------------------------------------------------------

@_guard("call_is_open", "Nabór nie przyjmuje teraz wniosków.", "The call is not accepting applications now.")
def call_is_open(ctx: Context) -> bool:
    return ctx["call_opens_at"] <= ctx.now < ctx["call_closes_at"]


@_guard("answers_complete", "Nie wszystkie wymagane pola są wypełnione.", "Some required answers are missing.")
def answers_complete(ctx: Context) -> bool:
    return not ctx["missing_answers"]


@_guard("attachments_complete", "Brakuje wymaganych załączników.", "Some required attachments are missing.")
def attachments_complete(ctx: Context) -> bool:
    return not ctx["missing_attachments"]


@_guard("eligible", "Wnioskodawca nie spełnia kryteriów dostępu.", "The applicant does not meet the eligibility rules.")
def eligible(ctx: Context) -> bool:
    return not ctx["eligibility_failures"]


@_guard("formal_checklist_complete", "Nie zaznaczono wszystkich punktów listy kontrolnej oceny formalnej.",
        "Not every item of the formal-check list has been ticked.")
def formal_checklist_complete(ctx: Context) -> bool:
    return not ctx["formal_checklist_missing"]


@_guard("correction_round_left", "Wykorzystano już dozwolone rundy korekty.", "No correction round is left.")
def correction_round_left(ctx: Context) -> bool:
    return ctx["correction_rounds"] < ctx["max_correction_rounds"]


@_guard("before_correction_deadline", "Termin na korektę minął.", "The correction deadline has passed.")
def before_correction_deadline(ctx: Context) -> bool:
    return ctx["correction_due_at"] is not None and ctx.now < ctx["correction_due_at"]


@_guard("correction_deadline_passed", "Termin na korektę jeszcze nie minął.",
        "The correction deadline has not passed yet.")
def correction_deadline_passed(ctx: Context) -> bool:
    return ctx["correction_due_at"] is not None and ctx.now >= ctx["correction_due_at"]


@_guard("all_scorecards_in", "Nie wszystkie karty oceny zostały złożone.", "Not every scorecard has been submitted.")
def all_scorecards_in(ctx: Context) -> bool:
    return ctx["scorecards_submitted"] >= ctx["evaluators_required"]


@_guard("no_discrepancy", "Oceny różnią się tak, że potrzebna jest trzecia ocena.",
        "The scores differ enough to need a third evaluation.")
def no_discrepancy(ctx: Context) -> bool:
    return not ctx["discrepancy"]


@_guard("discrepancy", "Oceny nie różnią się na tyle, by potrzebna była trzecia ocena.",
        "The scores do not differ enough to need a third evaluation.")
def discrepancy(ctx: Context) -> bool:
    return bool(ctx["discrepancy"])


@_guard("third_review_allowed", "Ten typ naboru nie przewiduje trzeciej oceny.",
        "This call type has no third evaluation.")
def third_review_allowed(ctx: Context) -> bool:
    return bool(ctx["third_review_allowed"])


@_guard("third_scorecard_in", "Trzecia karta oceny nie została złożona.", "The third scorecard has not been submitted.")
def third_scorecard_in(ctx: Context) -> bool:
    return bool(ctx["third_scorecard_submitted"])


@_guard("ranking_published", "Lista rankingowa nie została opublikowana.", "The ranking list has not been published.")
def ranking_published(ctx: Context) -> bool:
    return bool(ctx["ranking_published"])


@_guard("budget_allows", "Budżet naboru nie pozwala na tę kwotę.", "The call's budget does not cover this amount.",
        scope=CALL)
def budget_allows(ctx: Context) -> bool:
    return Decimal(ctx["budget_available"]) >= Decimal(ctx["award_amount"])


@_guard("appeal_deadline_set", "Termin na odwołanie nie został jeszcze wyznaczony; program poinformuje o nim.",
        "No appeal deadline has been set for this decision yet; the programme will tell you when it is.")
def appeal_deadline_set(ctx: Context) -> bool:
    return ctx["appeal_due_at"] is not None


@_guard("within_appeal_window", "Termin na odwołanie minął.", "The appeal period has ended.")
def within_appeal_window(ctx: Context) -> bool:
    # Without a deadline the rule above refuses (and says why); this one speaks only of a deadline passed.
    return ctx["appeal_due_at"] is None or ctx.now <= ctx["appeal_due_at"]


@_guard("not_appealed_before", "Odwołanie od tej decyzji zostało już rozpatrzone, a rozstrzygnięcie jest ostateczne.",
        "An appeal against this decision has already been decided, and that decision is final.")
def not_appealed_before(ctx: Context) -> bool:
    return not ctx["appealed_before"]


@_guard("appealed_from_formal_check", "Odwołanie nie dotyczy oceny formalnej.",
        "The appeal is not against the formal check.", routing=True)
def appealed_from_formal_check(ctx: Context) -> bool:
    return ctx["appealed_from"] == "formally_rejected"


@_guard("appealed_from_merit_review", "Odwołanie nie dotyczy oceny merytorycznej.",
        "The appeal is not against the merit review.", routing=True)
def appealed_from_merit_review(ctx: Context) -> bool:
    return ctx["appealed_from"] in ("rejected", "reserve")


appealed_from_formally_rejected = Guard(
    "appealed_from_formally_rejected", lambda ctx: ctx["appealed_from"] == "formally_rejected",
    Label(pl="Odwołanie nie dotyczy odrzucenia formalnego.", en="The appeal is not against a formal rejection."),
    routing=True)
appealed_from_rejected = Guard(
    "appealed_from_rejected", lambda ctx: ctx["appealed_from"] == "rejected",
    Label(pl="Odwołanie nie dotyczy odrzucenia po ocenie.", en="The appeal is not against a rejection after scoring."),
    routing=True)
appealed_from_reserve = Guard(
    "appealed_from_reserve", lambda ctx: ctx["appealed_from"] == "reserve",
    Label(pl="Odwołanie nie dotyczy umieszczenia na liście rezerwowej.",
          en="The appeal is not against the reserve list."),
    routing=True)


# The signing of an agreement waits for each of these; a refusal names every one still missing.
@_guard("agreement_prepared", "Umowa nie została jeszcze przygotowana.", "The agreement has not been prepared yet.")
def agreement_prepared(ctx: Context) -> bool:
    return "agreement" not in ctx["agreement_missing"]


@_guard("security_accepted", "Zabezpieczenie nie zostało jeszcze przyjęte.", "The security has not been accepted yet.")
def security_accepted(ctx: Context) -> bool:
    return "security" not in ctx["agreement_missing"]


@_guard("de_minimis_checked", "Pomoc de minimis nie została sprawdzona.", "The de minimis aid has not been checked.")
def de_minimis_checked(ctx: Context) -> bool:
    return "de_minimis" not in ctx["agreement_missing"]


@_guard("bank_account_verified", "Rachunek bankowy nie został potwierdzony.", "The bank account is not verified.")
def bank_account_verified(ctx: Context) -> bool:
    return "bank_account" not in ctx["agreement_missing"]


@_guard("signed_scan_uploaded", "Wnioskodawca nie przesłał skanu podpisanej umowy.",
        "The applicant has not uploaded the scan of the signed agreement.")
def signed_scan_uploaded(ctx: Context) -> bool:
    return "signed_scan" not in ctx["agreement_missing"]


@_guard("settlement_has_lines", "Rozliczenie nie zawiera żadnego wydatku.", "The settlement lists no expenditure.")
def settlement_has_lines(ctx: Context) -> bool:
    return ctx["settlement_lines"] > 0


@_guard("durability_required", "Ta dotacja nie ma okresu trwałości.", "This grant has no durability period.",
        routing=True)
def durability_required(ctx: Context) -> bool:
    return ctx["durability_months"] > 0


@_guard("no_durability", "Ta dotacja ma okres trwałości.", "This grant has a durability period.", routing=True)
def no_durability(ctx: Context) -> bool:
    return ctx["durability_months"] == 0


@_guard("control_done", "Przed zamknięciem wymagana jest kontrola wykorzystania dotacji.",
        "A usage control must be closed before the grant closes.")
def control_done(ctx: Context) -> bool:
    return not ctx["control_required"] or ctx["control_closed"]


@_guard("durability_ended", "Okres trwałości jeszcze trwa.", "The durability period has not ended.")
def durability_ended(ctx: Context) -> bool:
    return ctx["durability_ends_at"] is not None and ctx.now >= ctx["durability_ends_at"]


@_guard("recovery_settled", "Zwrot nie został rozliczony.", "The recovery case is not settled.")
def recovery_settled(ctx: Context) -> bool:
    return bool(ctx["recovery_settled"])


# --- payment --------------------------------------------------------------------------------------

@_guard("payment_conditions_met", "Warunki wypłaty nie są spełnione.", "The conditions for this payment are not met.")
def payment_conditions_met(ctx: Context) -> bool:
    return not ctx["payment_holds"]


@_guard("held_automatically", "Płatność wstrzymał pracownik, nie system.",
        "A person put this payment on hold, not the system.")
def held_automatically(ctx: Context) -> bool:
    return bool(ctx["held_automatically"])


@_guard("payment_conditions_unmet", "Warunki wypłaty są spełnione.", "The conditions for this payment are met.")
def payment_conditions_unmet(ctx: Context) -> bool:
    return bool(ctx["payment_holds"])


@_guard("within_award", "Suma wypłat przekroczyłaby kwotę przyznaną.", "The payments would exceed the awarded amount.",
        scope=GRANT)
def within_award(ctx: Context) -> bool:
    return Decimal(ctx["paid_and_approved_total"]) + Decimal(ctx["amount"]) <= Decimal(ctx["award"])


@_guard("bank_account_valid", "Numer rachunku bankowego jest nieprawidłowy.", "The bank account number is not valid.")
def bank_account_valid(ctx: Context) -> bool:
    return bool(ctx["bank_account_valid"])


@_guard("payment_due", "Termin tej płatności jeszcze nie nadszedł.", "This payment is not due yet.")
def payment_due(ctx: Context) -> bool:
    return ctx["due_at"] is not None and ctx.now >= ctx["due_at"]


# --- reports --------------------------------------------------------------------------------------

@_guard("report_complete", "Sprawozdanie nie jest kompletne.", "The report is not complete.")
def report_complete(ctx: Context) -> bool:
    return not ctx["missing_answers"]


@_guard("report_overdue", "Termin złożenia sprawozdania jeszcze nie minął.", "The report is not overdue yet.")
def report_overdue(ctx: Context) -> bool:
    return ctx["due_at"] is not None and ctx.now >= ctx["due_at"]


# --- recovery -------------------------------------------------------------------------------------

@_guard("fully_repaid", "Kwota do zwrotu z odsetkami nie została w całości spłacona.",
        "The amount due with interest has not been repaid in full.")
def fully_repaid(ctx: Context) -> bool:
    return Decimal(ctx["outstanding"]) <= 0


@_guard("repayment_overdue", "Termin zwrotu jeszcze nie minął.", "The repayment is not overdue yet.")
def repayment_overdue(ctx: Context) -> bool:
    return ctx["due_at"] is not None and ctx.now > ctx["due_at"] and Decimal(ctx["outstanding"]) > 0


# --- jobs and bridging support --------------------------------------------------------------------

@_guard("financed_period_ended", "Okres finansowania miejsca pracy jeszcze trwa.",
        "The job's financed period has not ended.")
def financed_period_ended(ctx: Context) -> bool:
    return ctx["financed_until"] is not None and ctx.now >= ctx["financed_until"]


@_guard("job_durability_ended", "Okres trwałości miejsca pracy jeszcze trwa.",
        "The job's durability period has not ended.")
def job_durability_ended(ctx: Context) -> bool:
    return ctx["durability_ends_at"] is not None and ctx.now >= ctx["durability_ends_at"]


@_guard("extension_within_basic", "Przedłużone wsparcie pomostowe nie może przekroczyć podstawowego.",
        "Extended bridging support may not exceed the basic support.")
def extension_within_basic(ctx: Context) -> bool:
    return (ctx["requested_months"] <= ctx["max_extension_months"]
            and Decimal(ctx["requested_monthly_amount"]) <= Decimal(ctx["basic_monthly_amount"]))


@_guard("recommendations_settled", "Grantobiorca nie odpowiedział na zalecenie, a termin jeszcze nie minął.",
        "A recommendation is waiting for the grantee's answer and its deadline has not passed.")
def recommendations_settled(ctx: Context) -> bool:
    return not ctx["recommendations_waiting"]


@_guard("findings_recorded", "Nie zapisano ustaleń kontroli.", "No findings have been recorded.")
def findings_recorded(ctx: Context) -> bool:
    return bool(ctx["findings_count"])
