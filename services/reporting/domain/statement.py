"""A person's statement in plain language: what was planned, delivered, invoiced and paid from their budget."""
from __future__ import annotations

from datetime import date
from typing import Any

from shared.money import format_gbp

SERVICE_NAMES = {
    "home_care": "Home care", "day_care": "Day care", "extra_care": "Extra care", "residential": "Residential care",
    "nursing": "Nursing care", "supported_living": "Supported living", "shared_lives": "Shared lives",
    "direct_payment": "Direct payments", "unknown": "Care",
}


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


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
    return out


def statement(figures: dict[str, Any]) -> dict[str, Any]:
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
                    "paid_pence": figures["totals"]["paid_pence"]},
        "notes": ["Invoices that cover several people at once are not included in a person's statement.",
                  "Amounts are in pounds; planned costs are the council's forecast for the whole of each month."],
    }
