"""Invoices for the month: self-billed from confirmed actuals (invoicing raises them itself), the
care homes' scheduled invoices, and the invoices of the provider with no self-billing agreement, which
builds them from its confirmed weeks; one of them has wrong lines, is held with reasons, rejected by
an officer and sent again corrected."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from shared.demo.client import FINANCE_OFFICER, Stack, StackError, Who, provider as as_provider, until
from shared.demo.council import Council, Provider
from shared.demo.ledger import Ledger, ProviderInvoice


async def every(stack: Stack, path: str, who: Who, **params: Any) -> list[dict]:
    """Every item of one of invoicing's lists, 500 a page, following each page's `Link: <…>; rel="next"`."""
    out: list[dict] = []
    url: httpx.URL | None = httpx.URL(path, params={**params, "limit": 500})
    while url is not None:
        response = await stack.send("GET", "invoicing", url.raw_path.decode("ascii"), who)
        if response.status_code != 200:
            raise StackError(f"GET invoicing{url.path} as {who.role}: {response.status_code} {response.text[:800]}")
        out += response.json()
        following = response.links.get("next", {}).get("url")
        url = httpx.URL(following) if following else None
    return out


async def listed(stack: Stack, provider_id: str, kind: str) -> list[dict]:
    return await every(stack, "/invoices", FINANCE_OFFICER, provider_id=provider_id, kind=kind)


def self_bills_due(council: Council, ledger: Ledger, provider: Provider) -> int:
    """How many self-billed invoices the confirmed weeks make due (a period with nothing paid has none)."""
    paid: dict[str, list[int]] = {}
    for (agreement_id, _week), period in ledger.confirmed.items():
        person = ledger.person_of(agreement_id)
        if next(p for p in council.people if p.ref == person).provider_key == provider.key:
            paid.setdefault(agreement_id, []).append(period["amount_pence"] + period["adjustments_pence"])
    if provider.cycle == "four_weekly":
        return sum(1 for weeks in paid.values() if sum(weeks) > 0)
    return sum(1 for weeks in paid.values() for amount in weeks if amount > 0)


async def self_billed(stack: Stack, council: Council, ledger: Ledger, provider: Provider) -> list[dict]:
    due = self_bills_due(council, ledger, provider)
    pid = ledger.provider_ids[provider.key]

    async def raised():
        found = await listed(stack, pid, "self_billed")
        return found if len(found) >= due else None

    return await until(raised, what=f"invoicing to self-bill the {due} confirmed period(s) of {provider.name}")


async def scheduled(stack: Stack, council: Council, ledger: Ledger) -> None:
    """Finance raises the month's scheduled invoices (only plan agreements not yet invoiced are raised;
    an ISF is advanced instead: `isf.py`)."""
    async def run():
        response = await stack.send("POST", "invoicing", "/invoices/scheduled", FINANCE_OFFICER,
                                    params={"period_start": council.month.first.isoformat()})
        if response.status_code == 409:
            return None  # another run (the hourly job) holds the lock: try again
        if response.status_code != 200:
            raise StackError(f"raising scheduled invoices: {response.status_code} {response.text[:300]}")
        return response.json()

    await until(run, what="a scheduled-invoice run for the month", interval=2)
    for person in council.people:
        if person.care != "residential":
            continue
        aid = ledger.agreement_ids[person.ref]

        async def raised(aid=aid):
            return await stack.get("invoicing", "/invoices", FINANCE_OFFICER, agreement_id=aid, kind="scheduled")

        await until(raised, what=f"the scheduled invoice of {aid} ({person.ref})")


def _lines(council: Council, ledger: Ledger, provider: Provider, week: date) -> list[dict]:
    lines = []
    for person in council.clients_of(provider.key):
        aid = ledger.agreement_ids[person.ref]
        period = ledger.confirmed.get((aid, week))
        for line in period["lines"] if period else ():
            if line["amount_pence"]:
                lines.append({"agreement_ref": aid, "service_user_ref": person.ref, "amount_pence": line["amount_pence"],
                              "date_from": line["local_date"], "visit_id": line["visit_id"],
                              "carer_id": line["carer_id"], "description": f"visit {line['visit_id']}"})
    return lines


def _wrong(lines: list[dict]) -> list[dict]:
    """Three mistakes a provider makes: an amount keyed wrong, a visit nobody verified, and a line
    naming one client's agreement for another client."""
    wrong = [dict(line) for line in lines]
    wrong[0]["amount_pence"] += 275
    wrong.append({**lines[1], "visit_id": lines[1]["visit_id"] + "-X", "description": "visit not on the rota"})
    other = next(line for line in lines if line["service_user_ref"] != lines[2]["service_user_ref"])
    wrong[2]["service_user_ref"] = other["service_user_ref"]
    return wrong


async def send_invoice(stack: Stack, ledger: Ledger, provider: Provider, number: str, week: date, lines: list[dict],
                       wrong: bool = False) -> dict:
    pid = ledger.provider_ids[provider.key]
    who = as_provider(pid)

    async def sent():
        found = await every(stack, "/invoices", who, kind="provider")
        mine = next((i for i in found if i["number"] == number), None)
        return await stack.get("invoicing", f"/invoices/{mine['invoice_id']}", who) if mine else None

    invoice = await sent() or await stack.json("POST", "invoicing", f"/providers/{pid}/invoices", who, find=sent, json={
        "invoice_number": number, "invoice_date": (week + timedelta(days=8)).isoformat(), "period_start": week.isoformat(),
        "period_end": (week + timedelta(days=6)).isoformat(), "lines": lines})
    ledger.provider_invoices.append(ProviderInvoice(provider.key, number, week, tuple(lines), invoice["invoice_id"],
                                                    wrong))
    return invoice


async def providers_own_invoices(stack: Stack, council: Council, ledger: Ledger, provider: Provider) -> None:
    """A week's invoice each; the second week's is first sent with wrong lines."""
    for n, week in enumerate(council.month.weeks):
        lines = _lines(council, ledger, provider, week)
        if not lines:
            continue
        number = f"{provider.key}-{week:%Y%m%d}"
        if n == 1 and len(lines) >= 3:
            invoice = await send_invoice(stack, ledger, provider, number, week, _wrong(lines), wrong=True)
            if invoice["status"] == "held":
                await stack.step("invoicing", f"/invoices/{invoice['invoice_id']}/reject", FINANCE_OFFICER,
                                 {"reason": "returned to the provider: see the reasons on each line"},
                                 done=lambda i=invoice: _status_is(stack, i["invoice_id"], "void"))
            number += "-R"
        await send_invoice(stack, ledger, provider, number, week, lines)


async def _status_is(stack: Stack, invoice_id: str, status: str) -> dict | None:
    invoice = await stack.get("invoicing", f"/invoices/{invoice_id}", FINANCE_OFFICER)
    return invoice if invoice["status"] == status else None
