"""The report forms a programme officer starts from: a community-wealth-building technical-assistance provider's
periodic report, and an OWES grantee's report. An officer copies one to a call and edits the copy."""
from __future__ import annotations

from dataclasses import dataclass


def _t(pl: str, en: str) -> dict[str, str]:
    return {"pl": pl, "en": en}


def _o(option_id: str, pl: str, en: str) -> dict:
    return {"id": option_id, "label": _t(pl, en)}


def _q(question_id: str, kind: str, pl: str, en: str, *, required: bool = False, **more) -> dict:
    return {"id": question_id, "type": kind, "label": _t(pl, en), "required": required, **more}


PARTICIPANTS = [_o("participants", "Uczestnicy", "Participants")]
TOTALS_ONLY = _t("Tylko liczby zbiorcze – bez danych o konkretnych osobach.",
                 "Totals only: nothing about any one person.")
HOURS = [{**_o("hours", "Godziny", "Hours"), "type": "hours"}]
UNKNOWN_ROW = _o("unknown", "Nieznane", "Unknown")

CCWBE = [
    _q("progress_heading", "section", "Postęp i otoczenie", "Progress and context"),
    _q("goals_progress", "long_text", "Postęp w realizacji celów w tym okresie", "Progress on your goals this period",
       required=True),
    _q("constraints", "long_text", "Ograniczenia i trudności", "Constraints"),
    _q("opportunities", "long_text", "Szanse", "Opportunities"),
    _q("new_partnerships", "yes_no_details", "Czy nawiązano nowe partnerstwa? Jakie?",
       "Did you form new partnerships? Which?", required=True),
    _q("collaboration", "yes_no_details",
       "Czy współpracowano z innymi dostawcami wsparcia? Z którymi i w czyim imieniu?",
       "Did you collaborate with other providers? Which, and on whose behalf?", required=True),
    _q("working_group", "yes_no", "Czy uczestniczono w spotkaniach grupy roboczej?",
       "Did you attend the working-group meetings?"),
    _q("working_group_usefulness", "rating", "Przydatność spotkań grupy roboczej", "Usefulness of the working group",
       ends={"low": _t("bezużyteczne", "not useful"), "high": _t("bardzo przydatne", "very useful")}),
    _q("anything_else", "long_text", "Czy chcesz coś dodać?", "Anything else you would like to share?"),
    _q("demographics_heading", "section", "Uczestnicy", "Participants"),
    _q("gender", "table", "Uczestnicy według tożsamości płciowej", "Participants by gender identity",
       options=[_o("woman", "Kobieta", "Woman"), _o("man", "Mężczyzna", "Man"),
                _o("non_binary", "Osoba niebinarna", "Non-binary"), UNKNOWN_ROW],
       columns=PARTICIPANTS, help=TOTALS_ONLY),
    _q("age", "table", "Uczestnicy według wieku", "Participants by age range",
       options=[_o("under_25", "Poniżej 25", "Under 25"), _o("age_25_44", "25–44", "25–44"),
                _o("age_45_64", "45–64", "45–64"), _o("age_65_plus", "65 i więcej", "65 and over"), UNKNOWN_ROW],
       columns=PARTICIPANTS, help=TOTALS_ONLY),
    _q("ethnicity", "table", "Uczestnicy według pochodzenia (rasy/etniczności)", "Participants by race/ethnicity",
       options=[_o("black", "Czarnoskórzy / Afroamerykanie", "Black / African American"),
                _o("latino", "Latynosi", "Hispanic / Latino"), _o("white", "Biali", "White"),
                _o("asian", "Azjaci", "Asian"), _o("indigenous", "Rdzenni mieszkańcy", "Indigenous"),
                _o("multiracial", "Wielu pochodzeń", "Multiracial"), UNKNOWN_ROW],
       columns=PARTICIPANTS, help=TOTALS_ONLY),
    _q("community_area", "table", "Uczestnicy według obszaru (dzielnicy)", "Participants per community area",
       options=[_o("austin", "Austin", "Austin"), _o("chicago_lawn", "Chicago Lawn", "Chicago Lawn"),
                _o("englewood", "Englewood", "Englewood"), _o("humboldt_park", "Humboldt Park", "Humboldt Park"),
                _o("north_lawndale", "North Lawndale", "North Lawndale"),
                _o("south_lawndale", "South Lawndale (Little Village)", "South Lawndale (Little Village)"),
                _o("other", "Inny obszar", "Other area"), UNKNOWN_ROW],
       columns=PARTICIPANTS, help=TOTALS_ONLY),
    _q("activity_heading", "section", "Działania w liczbach", "Activities in numbers"),
    _q("one_on_one_sessions", "count", "Konsultacje indywidualne (liczba)", "One-on-one sessions", required=True),
    _q("group_workshops", "count", "Warsztaty grupowe (liczba)", "Group workshops", required=True),
    _q("hours_by_stage", "table", "Godziny wsparcia według etapu", "Hours of support by stage",
       options=[_o("pre_development", "Przed założeniem spółdzielni", "Pre-development"),
                _o("conversions", "Przekształcenia w spółdzielnie", "Conversions"),
                _o("existing", "Istniejące spółdzielnie", "Existing cooperatives")], columns=HOURS, required=True),
    _q("businesses_developed", "count", "Przedsiębiorstwa, które rozwinęły się dzięki wsparciu",
       "Businesses developed", required=True),
    _q("jobs_created", "count", "Utworzone miejsca pracy", "Jobs created", required=True,
       help=_t("Także 0, jeśli w tym okresie nie utworzono żadnego.", "Zero if none were created this period.")),
    _q("organisations", "list", "Organizacje, z którymi pracowano", "Organisations worked with",
       columns=[{"id": "name", "label": _t("Nazwa", "Name"), "type": "text"},
                {"id": "kind", "label": _t("Rodzaj", "Kind"), "type": "choice",
                 "options": [_o("cooperative", "Spółdzielnia", "Cooperative"),
                             _o("startup", "Grupa zakładająca", "Start-up group"),
                             _o("business", "Przedsiębiorstwo do przekształcenia", "Business converting"),
                             _o("other", "Inna", "Other")]}]),
    _q("assistance_kinds", "multiple_choice", "Rodzaje udzielonego wsparcia", "Kinds of technical assistance",
       unknown=True, options=[_o("legal", "Prawne", "Legal"), _o("financial", "Finansowe", "Financial"),
                              _o("governance", "Ład organizacyjny", "Governance"),
                              _o("marketing", "Marketing", "Marketing"), _o("training", "Szkolenia", "Training")]),
    _q("needs_gaps", "long_text", "Największe potrzeby i luki", "Biggest needs and gaps"),
    _q("testimonials", "long_text", "Opinie uczestników", "Testimonials"),
    _q("media", "media", "Zdjęcia, dokumenty i linki", "Photos, documents and links"),
]

OWES = [
    _q("summary", "long_text", "Opis realizacji w okresie", "What was done in the period", required=True),
    _q("jobs_maintained", "count", "Utrzymane miejsca pracy", "Jobs maintained", required=True),
    _q("jobs_created", "count", "Nowe miejsca pracy", "Jobs created", required=True),
    _q("advisory_hours", "table", "Godziny doradztwa według rodzaju", "Advisory hours by kind", required=True,
       options=[_o("legal", "Prawne", "Legal"), _o("accounting", "Księgowe", "Accounting"),
                _o("marketing", "Marketingowe", "Marketing"), _o("it", "Informatyczne", "IT")], columns=HOURS),
    _q("problems", "long_text", "Trudności i sposób ich rozwiązania", "Problems and how they were solved"),
    _q("media", "media", "Dokumentacja (zdjęcia, listy obecności, linki)",
       "Documentation (photos, attendance lists, links)"),
]


@dataclass(frozen=True)
class Template:
    key: str
    name: dict[str, str]
    questions: list[dict]


TEMPLATES = {t.key: t for t in (
    Template("ccwbe", _t("Sprawozdanie dostawcy wsparcia technicznego (budowanie bogactwa wspólnot)",
                         "Community-wealth-building technical-assistance provider report"), CCWBE),
    Template("owes", _t("Sprawozdanie grantobiorcy OWES", "OWES grantee report"), OWES),
)}
