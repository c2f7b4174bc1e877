"""Individual service funds (ISFs) in the demo month: each four-weekly period's plan price advanced to
the ISF provider, its returns, and a death told to the council two weeks late.

- A finance officer raises the advances of the periods whose advances fall due by the month's
  four-weekly run (`POST /isf-advances`): the month's, the current period's and, when the run pays on
  or after it starts, the next one's (invoicing's job may have raised some already: the same invoice).
- The provider holding the most funds sends the month's returns: one as JSON spending 60% of the
  budget, partly through a sub-contractor (accepted; the balance above a week's budget is credited
  against the current period's advance), one as CSV spending all of it (nothing to reclaim).
- After that run is exported, a death in week 3 is recorded (the agreement ends that day): invoicing
  credits what the run paid for the days after it, and the officer raises the next period's advances,
  which the next four-weekly run pays net of those credits (`dp_review.next_four_weekly`).
"""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

from shared.demo import care
from shared.demo.client import FINANCE_OFFICER, Stack, StackError, provider as as_provider, until
from shared.demo.council import Council, Person
from shared.demo.invoices import every
from shared.demo.ledger import Ledger

PERIOD = timedelta(days=28)
SUBCONTRACTORS = {"json_surplus": "Greystone Day Opportunities Ltd", "csv_whole": "Ashby Job Coaching Ltd"}
CSV_COLUMNS = ("person_ref", "period_start", "support_type", "subcontractor", "hours", "spend", "over_budget_reason")
PAYABLE = ("approved", "scheduled", "paid")


def periods_due_by(first: date, pay_date: date) -> tuple[date, ...]:
    """The periods from the month's (`first`) whose advances are due (on their first day) by `pay_date`:
    the month's, the current one's, and the next one's when it starts by then."""
    return tuple(first + PERIOD * n for n in range(3) if first + PERIOD * n <= pay_date)


def pounds(pence: int) -> str:
    """Pence as the provider's spreadsheet writes pounds: 1234.50."""
    if pence < 0:
        raise ValueError("a return's spend is never negative")
    return f"{pence // 100}.{pence % 100:02d}"


def return_lines(story: str, budget_pence: int, weekly_units: Decimal) -> list[dict]:
    """What the provider says the month's budget bought: "json_surplus" spends 60% of it (two thirds by
    its own staff, the rest on community activities from a sub-contractor); "csv_whole" all of it
    (three quarters by its own staff, the rest on supported employment from a sub-contractor)."""
    hours = weekly_units * 4
    if story == "json_surplus":
        spend = budget_pence * 3 // 5
        own, share, other = spend * 2 // 3, (Decimal("0.4"), Decimal("0.2")), "community activities"
    elif story == "csv_whole":
        spend = budget_pence
        own, share, other = spend * 3 // 4, (Decimal("0.75"), Decimal("0.25")), "supported employment"
    else:
        raise ValueError(f"no ISF return story {story!r}")
    return [{"support_type": "personal support", "subcontractor": None, "hours": f"{hours * share[0]:.2f}",
             "spend_pence": own},
            {"support_type": other, "subcontractor": SUBCONTRACTORS[story], "hours": f"{hours * share[1]:.2f}",
             "spend_pence": spend - own}]


def return_csv(person_ref: str, period_start: date, lines: list[dict]) -> str:
    """The return as the provider's spreadsheet saves it: one row per line, spend in pounds."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        writer.writerow((person_ref, period_start.isoformat(), line["support_type"], line["subcontractor"] or "",
                         line["hours"], pounds(line["spend_pence"]), ""))
    return out.getvalue()


def _advanced_then(person: Person, start: date, deaths_told: bool) -> bool:
    """Whether the person's ISF has an advance for the period starting `start`: not when the agreement
    ended (as agreements knows it) before the period."""
    if person.died_on is None or person.died_on >= start:
        return True
    return person.death_notified_late and not deaths_told


async def _raise(stack: Stack, start: date) -> dict:
    async def run():
        response = await stack.send("POST", "invoicing", "/isf-advances", FINANCE_OFFICER,
                                    json={"period_start": start.isoformat()})
        if response.status_code == 409:
            return None  # the job's round holds the lock: try again
        if response.status_code not in (200, 201):
            raise StackError(f"raising the ISF advances of {start}: {response.status_code} {response.text[:300]}")
        return response.json()

    return await until(run, what=f"an ISF advance run for the period from {start}", interval=2)


async def advanced(stack: Stack, council: Council, ledger: Ledger, periods: tuple[date, ...], *,
                   deaths_told: bool) -> list[dict]:
    """A finance officer raises each period's advances; every fund's advance for it, approved (invoicing's
    summaries). A fund that ended before a period has none."""
    for start in periods:
        ledger.isf.raised[start] = await _raise(stack, start)
    out = []
    for person in council.of_care("isf"):
        aid = ledger.agreement_ids[person.ref]
        for start in periods:
            if not _advanced_then(person, start, deaths_told):
                continue

            async def approved(aid=aid, start=start):
                found = await stack.get("invoicing", "/invoices", FINANCE_OFFICER, agreement_id=aid,
                                        kind="isf_advance")
                mine = next((i for i in found if i["period_start"] == start.isoformat()), None)
                if mine and mine["status"] in ("held", "void"):
                    raise StackError(f"the ISF advance {mine['number']} of {aid} is {mine['status']}: "
                                     f"{mine['hold_codes']}")
                return mine if mine and mine["status"] in PAYABLE else None

            invoice = await until(approved, what=f"the approved ISF advance of {aid} ({person.ref}) from {start}")
            ledger.isf.advances[(person.ref, start)] = invoice["invoice_id"]
            out.append(invoice)
    return out


async def returned(stack: Stack, council: Council, ledger: Ledger) -> None:
    """The month's returns sent by the providers; the surplus reclaimed against the current advance."""
    first = council.month.first
    for person in council.of_care("isf"):
        if not person.isf_return:
            continue
        pid = ledger.provider_ids[person.provider_key]
        who = as_provider(pid)
        advance = await stack.get("invoicing", f"/invoices/{ledger.isf.advances[(person.ref, first)]}", FINANCE_OFFICER)
        lines = ledger.isf.sent[person.ref] = return_lines(person.isf_return, advance["total_pence"],
                                                          person.weekly_units)

        async def mine(person=person, who=who):
            found = await stack.get("invoicing", "/isf-returns", who, person_ref=person.ref)
            return next((r for r in found if r["period_start"] == first.isoformat()), None)

        sent = await mine()
        if sent is None:
            if person.isf_return == "json_surplus":
                response = await stack.send("POST", "invoicing", f"/providers/{pid}/isf-returns", who, find=mine, json={
                    "person_ref": person.ref, "period_start": first.isoformat(), "lines": lines,
                    "over_budget_reason": None})
            else:
                response = await stack.send("POST", "invoicing", f"/providers/{pid}/isf-returns", who, find=mine,
                                            content=return_csv(person.ref, first, lines).encode(),
                                            content_type="text/csv")
            if response.status_code == 409:
                sent = await mine()
            elif response.status_code not in (200, 201):
                raise StackError(f"the ISF return of {person.ref}: {response.status_code} {response.text[:800]}")
            else:
                body = response.json()
                sent = body["returns"][0] if "returns" in body else body  # a CSV's answer: its returns
        if sent is None or sent["status"] != "accepted":
            raise StackError(f"the ISF return of {person.ref} was not accepted: {sent}")
        if person.isf_return == "json_surplus" and sent["reclaim"] is None:
            async def reclaimed(return_id=sent["return_id"]):
                now = await stack.get("invoicing", f"/isf-returns/{return_id}", FINANCE_OFFICER)
                return now if now["reclaim"] else None

            sent = await until(reclaimed, what=f"the surplus of {person.ref}'s ISF to be reclaimed")
        ledger.isf.returns[person.ref] = sent
        if sent["reclaim"]:
            ledger.isf.surplus_credit_note_id = sent["reclaim"]["credit_note_id"]


async def surplus_credit(stack: Stack, ledger: Ledger) -> dict[str, str]:
    """The surplus credit note and the advance it corrects, for the run paying that advance to net it."""
    note_id = ledger.isf.surplus_credit_note_id
    if not note_id:
        return {}
    note = await stack.get("invoicing", f"/invoices/{note_id}", FINANCE_OFFICER)
    return {note_id: note["corrects_invoice_id"]}


async def death_told_late(stack: Stack, council: Council, ledger: Ledger) -> None:
    """Once the month's four-weekly run has scheduled the advances it paid, the death is recorded; wait
    for invoicing's overpayment credit note on each of them (each paid for days after it)."""
    for person in council.of_care("isf"):
        if not person.death_notified_late:
            continue
        aid = ledger.agreement_ids[person.ref]
        pid = ledger.provider_ids[person.provider_key]
        paid = {ledger.isf.advances[(person.ref, s)] for s in ledger.isf.first_run_periods}
        for invoice_id in sorted(paid):
            async def scheduled(invoice_id=invoice_id):
                now = await stack.get("invoicing", f"/invoices/{invoice_id}", FINANCE_OFFICER)
                return now if now["status"] in ("scheduled", "paid") else None

            await until(scheduled, what=f"invoicing to hold the ISF advance {invoice_id} as scheduled in the run")
        await care.ended_by_death(stack, aid, person, "notified by the family two weeks late")

        async def credited(pid=pid, paid=paid):
            notes = await every(stack, "/invoices", FINANCE_OFFICER, provider_id=pid, kind="credit_note")
            mine = {n["invoice_id"]: n["corrects_invoice_id"] for n in notes if n["corrects_invoice_id"] in paid}
            return mine if set(mine.values()) == paid else None

        ledger.isf.overpayments |= await until(
            credited, what=f"overpayment credit notes on the {len(paid)} advance(s) paid after {person.ref}'s death")


async def next_advances(stack: Stack, council: Council, ledger: Ledger) -> list[dict]:
    """The advances of the period after those the month's run paid, raised by the officer."""
    start = ledger.isf.next_period = max(ledger.isf.first_run_periods) + PERIOD
    return await advanced(stack, council, ledger, (start,), deaths_told=True)


def providers_of_isfs(council: Council, ledger: Ledger) -> list[str]:
    return sorted({ledger.provider_ids[p.provider_key] for p in council.of_care("isf")})
