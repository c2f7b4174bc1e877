"""A person's statement in plain language: what was planned, delivered, invoiced and paid from their budget;
what they are charged towards their care, and what their individual service fund bought.

Contributions and ISFs are shown by four-weekly period (each period overlapping the statement, whole). A
charge is never more than the cost of the care received in its period: when it is less than the assessed
contribution for that reason, the statement says so.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from shared.money import format_gbp
from services.reporting.domain.person_charges import ContributionCharge, IsfReturn, IsfSupport

SERVICE_NAMES = {
    "home_care": "Home care", "day_care": "Day care", "extra_care": "Extra care", "residential": "Residential care",
    "nursing": "Nursing care", "supported_living": "Supported living", "shared_lives": "Shared lives",
    "direct_payment": "Direct payments", "unknown": "Care",
}


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def period_text(first: date, last: date) -> str:
    return f"{long_date(first)} to {long_date(last)}"


def contribution_sentence(charge: ContributionCharge) -> str:
    """What the person is charged for one period, and why it is less than their contribution when capped."""
    period = period_text(charge.period_start, charge.period_end)
    if charge.capped and charge.charged_pence == 0:
        return (f"For {period} you are charged nothing, as no care was delivered for you in that time "
                f"(your assessed contribution would have been {format_gbp(charge.contribution_pence)}).")
    if charge.capped:
        return (f"For {period} you are charged {format_gbp(charge.charged_pence)}, capped at the cost of the care "
                f"you received (your assessed contribution for that time is {format_gbp(charge.contribution_pence)}).")
    if charge.charged_pence == 0:
        return f"For {period} you are charged nothing towards the cost of your care."
    return f"For {period} you are charged {format_gbp(charge.charged_pence)} towards the cost of your care."


def hours_words(hours: str) -> str:
    value = Decimal(hours)
    return "1 hour" if value == 1 else f"{value.normalize():f} hours"


def support_sentence(support: IsfSupport) -> str:
    name = support.support_type.replace("_", " ").strip()
    name = name[:1].upper() + name[1:]
    if Decimal(support.hours) == 0:
        return f"{name}: {format_gbp(support.spend_pence)}."
    return f"{name}: {hours_words(support.hours)}, {format_gbp(support.spend_pence)}."


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def isf_period(isf: IsfReturn, provider_name: str | None) -> dict[str, Any]:
    """One period of the person's ISF: its budget, what was spent and what it bought, in words."""
    who = provider_name or isf.provider_id
    difference = isf.spend_pence - isf.budget_pence
    compared = ("all of the budget" if difference == 0 else f"{format_gbp(-difference)} less than the budget"
                if difference < 0 else f"{format_gbp(difference)} more than the budget")
    subcontractors = [f"{s.subcontractor} ({format_gbp(s.spend_pence)})" for s in isf.by_subcontractor]
    return {
        "period_start": isf.period_start, "period_end": isf.period_end, "provider_id": isf.provider_id,
        "provider_name": provider_name, "budget_pence": isf.budget_pence, "spend_pence": isf.spend_pence,
        "by_support": [{"support_type": s.support_type, "hours": s.hours, "spend_pence": s.spend_pence,
                        "sentence": support_sentence(s)} for s in isf.by_support],
        "by_subcontractor": [{"subcontractor": s.subcontractor, "spend_pence": s.spend_pence}
                             for s in isf.by_subcontractor],
        "sentence": (f"Your individual service fund with {who} for {period_text(isf.period_start, isf.period_end)} "
                     f"had a budget of {format_gbp(isf.budget_pence)}, and {format_gbp(isf.spend_pence)} was spent "
                     f"({compared})."),
        "subcontractors_sentence": (f"{who} paid other organisations for some of this: {_listed(subcontractors)}."
                                    if subcontractors else None),
    }


def line_sentence(line: dict[str, Any]) -> str:
    service = SERVICE_NAMES.get(line["service_type"], line["service_type"].replace("_", " ").capitalize())
    if line["service_type"] == "direct_payment":
        # money paid into an account the council manages for the person is not counted: what it pays out is
        return f"{service} to you, your nominee or your personal assistants: {format_gbp(line['paid_pence'])} paid."
    who = line.get("provider_name") or line.get("provider_id") or "your provider"
    return (f"{service} from {who}: {format_gbp(line['committed_pence'])} planned, "
            f"{format_gbp(line['delivered_pence'])} delivered, {format_gbp(line['invoiced_pence'])} invoiced, "
            f"{format_gbp(line['paid_pence'])} paid.")


def sentences(figures: dict[str, Any]) -> list[str]:
    """The statement's paragraphs, from the figures of `store.people.statement_figures`."""
    t = figures["totals"]
    out = [f"This statement covers {long_date(figures['from'])} to {long_date(figures['to'])}."]
    if figures["weekly_budget_pence"] is not None:
        contribution = figures["weekly_contribution_pence"] or 0
        out.append(f"Your personal budget is {format_gbp(figures['weekly_budget_pence'])} a week"
                   + (f", of which you pay {format_gbp(contribution)} a week yourself" if contribution else "")
                   + f". Over this time your budget comes to {format_gbp(t['budget_pence'])}.")
    else:
        out.append("We have no personal budget on record for you yet.")
    out.append(f"The care planned for you over this time costs {format_gbp(t['committed_pence'])}.")
    out.append(f"Care worth {format_gbp(t['delivered_pence'])} was delivered and checked against your plan.")
    out.append(f"Your care providers' invoices for {format_gbp(t['invoiced_pence'])} were approved"
               " (after any credits).")
    out.append(f"{format_gbp(t['paid_pence'])} has been paid so far.")
    if figures["weekly_budget_pence"] is not None:
        left = t["budget_pence"] - t["paid_pence"]
        out.append(f"That leaves {format_gbp(left)} of your budget for this time not yet paid out." if left >= 0
                   else f"Payments are {format_gbp(-left)} more than your budget for this time.")
    if figures["exceeded"]:
        out.append(f"The care now planned costs {format_gbp(figures['exceeded_by_weekly_pence'])} a week more than "
                   "your budget; your social worker has been told.")
    charges: list[ContributionCharge] = figures.get("contributions", [])
    if charges:
        out.append(f"For the four-weekly periods that overlap this time you are charged "
                   f"{format_gbp(sum(c.charged_pence for c in charges))} in all towards the cost of your care; "
                   "each period is shown below.")
    returns: list[IsfReturn] = figures.get("isf_returns", [])
    if returns:
        out.append(f"Your individual service fund had a budget of {format_gbp(sum(r.budget_pence for r in returns))}"
                   f" for the four-weekly periods that overlap this time, and "
                   f"{format_gbp(sum(r.spend_pence for r in returns))} was spent; what it bought is shown below.")
    return out


def statement(figures: dict[str, Any]) -> dict[str, Any]:
    charges: list[ContributionCharge] = figures.get("contributions", [])
    returns: list[IsfReturn] = figures.get("isf_returns", [])
    names: dict[str, str] = figures.get("provider_names", {})
    return {
        "person_ref": figures["person_ref"], "from": figures["from"], "to": figures["to"],
        "sentences": sentences(figures),
        "lines": [{**line, "sentence": line_sentence(line)} for line in figures["lines"]],
        "figures": {"weekly_budget_pence": figures["weekly_budget_pence"],
                    "weekly_contribution_pence": figures["weekly_contribution_pence"],
                    "budget_pence": figures["totals"]["budget_pence"],
                    "planned_pence": figures["totals"]["committed_pence"],
                    "delivered_pence": figures["totals"]["delivered_pence"],
                    "invoiced_pence": figures["totals"]["invoiced_pence"],
                    "paid_pence": figures["totals"]["paid_pence"],
                    "contributions_charged_pence": sum(c.charged_pence for c in charges),
                    "isf_budget_pence": sum(r.budget_pence for r in returns),
                    "isf_spend_pence": sum(r.spend_pence for r in returns)},
        "contributions": [{"period_start": c.period_start, "period_end": c.period_end,
                           "charged_pence": c.charged_pence, "contribution_pence": c.contribution_pence,
                           "care_cost_pence": c.care_cost_pence, "capped": c.capped, "reason": c.reason,
                           "sentence": contribution_sentence(c)} for c in charges],
        "isf": [isf_period(r, names.get(r.provider_id)) for r in returns],
        "notes": ["Invoices that cover several people at once are not included in a person's statement.",
                  "Amounts are in pounds; planned costs are the council's forecast for the whole of each month.",
                  *(["Your contributions and individual service fund are counted in four-weekly periods; a period "
                     "that overlaps this statement is shown whole."] if charges or returns else [])],
    }
