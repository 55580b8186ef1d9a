"""The dashboard's figures as tables in the reader's language: each is shown as a chart with its data table, and
downloads as CSV and XLSX with the same rows."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from grants import labels, ui
from grants.applications.lists import WORKFLOW
from grants.dashboards import charts
from grants.dashboards.figures import DAY_BUCKETS, PS_GROUPS, Dashboard, counted, table_figures
from grants.ui import localised

MEASURES = {"awarded": _l("Awarded"), "committed": _l("Committed (agreements signed)"), "paid": _l("Paid"),
            "recovered": _l("Recovered")}
PS_GROUP_LABELS = {"existing_ps": _l("Existing social enterprise (PS)"), "new_ps": _l("New social enterprise (PS)"),
                   "converting_pes": _l("Social-economy entity becoming a PS")}


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    chart: str = "bar"  # bar, horizontal, line, or none
    money: bool = False  # the values are amounts
    charted: tuple[int, int | None] = (1, None)  # the columns the chart draws: from, to

    def series(self) -> dict[str, list]:
        """Each charted column as a series over the first column (the chart's labels)."""
        return {name: [row[i] for row in self.rows] for i, name in list(enumerate(self.header))[slice(*self.charted)]}

    @property
    def empty(self) -> bool:
        """No figure above zero: nothing to draw."""
        return not any(value for row in self.rows for value in row[1:] if not isinstance(value, str))

    @property
    def narrow(self) -> bool:
        """Drawn in half the page's width: bars over a few labels."""
        return self.chart == "bar" and len(self.rows) <= 8

    @property
    def labels(self) -> list[str]:
        return [str(row[0]) for row in self.rows]


def draw(table: Table, currency: str = "PLN"):
    """The table's chart (None when it has none, or nothing to draw)."""
    formatter = partial(ui.money, currency=currency) if table.money else ui.decimal
    chart = {"bar": partial(charts.bar, narrow=table.narrow), "horizontal": partial(charts.bar, horizontal=True),
             "line": charts.line}.get(table.chart)
    if chart is None or table.empty:
        return None
    return chart(table.key, table.title, table.labels, table.series(), formatter=formatter)


def tables(d: Dashboard, locale: str) -> dict[str, Table]:
    found = [_summary(d), _states(d, locale), _kinds(d), _money(d), _decision_days(d), _jobs(d),
             *_report_tables(d)]
    return {t.key: t for t in found if t is not None}


def _summary(d: Dashboard) -> Table:
    totals = d.totals()
    rows = [[_("Applications submitted"), d.submitted], [_("Decided"), d.decided],
            [_("Applications awarded"), d.awarded],
            [_("Success rate (%)"), d.success_rate], [_("Mean days to a decision"), d.mean_days],
            [_("Budget of the calls"), d.budget], *[[str(label), totals.get(m, Decimal("0.00"))]
                                                     for m, label in MEASURES.items()],
            [_("Reports overdue now"), d.overdue_reports], [_("Payments on hold now"), d.on_hold[0]],
            [_("Amount on hold now"), d.on_hold[1]]]
    return Table("summary", _("Summary"), [_("Figure"), _("Value")], rows, chart="none")


def _states(d: Dashboard, locale: str) -> Table:
    rows = [[state.label(locale), d.by_state[state.name]] for state in WORKFLOW.states if d.by_state.get(state.name)]
    return Table("states", _("Applications by state"), [_("State"), _("Applications")], rows, chart="horizontal")


def _kinds(d: Dashboard) -> Table:
    rows = [[str(label), d.by_kind[kind.value]["submitted"], d.by_kind[kind.value]["awarded"]]
            for kind, label in labels.ORGANISATION_TYPE_LABELS.items() if kind.value in d.by_kind]
    return Table("kinds", _("Applications by type of applicant"), [_("Type"), _("Submitted"), _("Awarded")], rows)


def _money(d: Dashboard) -> Table:
    cumulative = d.cumulative()
    rows = [[month, *[cumulative[m][i] for m in MEASURES]] for i, month in enumerate(d.months())]
    return Table("money", _("Money over time, running totals"), [_("Month"), *[str(v) for v in MEASURES.values()]],
                 rows, chart="line", money=True)


def _decision_days(d: Dashboard) -> Table:
    names = [f"{low + 1}–{high}" for low, high in zip((-1, *DAY_BUCKETS), DAY_BUCKETS)]
    names[0] = f"0–{DAY_BUCKETS[0]}"
    names.append(_("over %(days)d", days=DAY_BUCKETS[-1]))
    return Table("decision-days", _("Days from submission to a decision"), [_("Days"), _("Applications")],
                 [[name, n] for name, n in zip(names, d.day_buckets)])


def _jobs(d: Dashboard) -> Table | None:
    created, kept = d.jobs["created"], d.jobs["maintained"]
    rows = [[str(PS_GROUP_LABELS[g]), created[g]["people"], kept[g]["people"], created[g]["fte"], kept[g]["fte"]]
            for g in PS_GROUPS]
    return Table("jobs", _("Jobs created and maintained"), [
        _("Enterprise"), _("Created (people)"), _("Maintained (people)"), _("Created (FTE)"),
        _("Maintained (FTE)")], rows, charted=(1, 3))


def _report_tables(d: Dashboard) -> list[Table]:
    """Each table question of accepted reports (advice by kind, participants by demographic …), then the totals of
    their count and hours questions."""
    found = []
    for question, table in table_figures(d.report_figures).items():
        columns = list(table["columns"])
        rows = [[localised(label), *[table["cells"].get((row, c), Decimal(0)) for c in columns]]
                for row, label in table["rows"].items()]
        found.append(Table(f"report-{question}", localised(table["label"]),
                           [_("Row"), *[localised(table["columns"][c]) for c in columns]], rows))
    totals = [[localised(f.label), counted(f), f.reports] for f in d.report_figures if f.row is None]
    if totals:
        found.append(Table("report-totals", _("Totals from accepted reports"),
                           [_("Indicator"), _("Total"), _("Reports")], totals, chart="none"))
    return found
