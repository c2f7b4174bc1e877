"""Paying the month: the next four-weekly run pays the plan's invoices, the ISFs' advances (net of the
surplus credited) and the direct payments due, the next weekly run the approved home-care invoices
(net of the credit note), and the first weekly run on or after the four-weekly one what
council-managed accounts pay: the invoices of the agreements they fund and the PAs' net pay. A
finance officer proposes each run; a finance approver who did not propose it approves; the files
are exported and copies of the Bacs file, the pain.001 and the journal (and of the remittance advices
asked for) saved under .local/demo/<tag>/.

The council pays early rather than at the 30-day limit, so each run names the month's invoices
(`pay_early`) and is limited to the demo's own providers and direct payments.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from shared.demo.client import FINANCE_APPROVER, FINANCE_OFFICER, Stack, StackError, until
from shared.demo.ledger import Ledger, RunDone

FILES = {"bacs": "bacs.txt", "pain001": "pain001.xml", "journal": "journal.csv"}


async def next_run(stack: Stack, kind: str, today: date) -> date:
    """The pay date of the next run of `kind` whose Bacs file can still be submitted."""
    calendar = await stack.get("payments", "/payment-calendar", FINANCE_OFFICER,
                               **{"from": today.isoformat(), "to": (today + timedelta(days=70)).isoformat()})
    return date.fromisoformat(next(r["pay_date"] for r in calendar
                                   if r["kind"] == kind and date.fromisoformat(r["submit_by"]) >= today))


async def payable_in_payments(stack: Stack, invoices: list[dict]) -> None:
    """Payments holds each invoice approved, at its amount, undisputed."""
    async def known(invoice: dict):
        response = await stack.send("GET", "payments", f"/invoices/{invoice['invoice_id']}", FINANCE_OFFICER)
        seen = response.json() if response.status_code == 200 else None
        return seen if seen and seen["state"] == "approved" and not seen["disputed"] \
            and seen["amount_pence"] == invoice["total_pence"] else None

    for invoice in invoices:
        await until(lambda i=invoice: known(i), what=f"payments to hold invoice {invoice['invoice_id']} approved")


async def proposed(stack: Stack, body: dict, invoice_ids: list[str], credit_note_ids: list[str]) -> dict:
    """A proposed run paying every invoice asked for and netting every credit note (proposed again
    while payments has not yet heard of one: an unapproved proposal pays nothing)."""
    wanted = set(invoice_ids) | set(credit_note_ids)
    left_out: list[dict] = []

    async def complete():
        run = await stack.json("POST", "payments", "/payment-runs", FINANCE_OFFICER, json=body)
        lines = {ln["line_id"] for p in run["payments"] for ln in p["lines"]}
        left_out[:] = [e for e in run["exclusions"] if set(e["settles"]) & wanted]
        return run if wanted <= lines else None

    try:
        return await until(complete, what=f"a {body.get('kind')} run paying all {len(invoice_ids)} invoice(s) and "
                                          f"{len(credit_note_ids)} credit note(s)", timeout=90, interval=3)
    except StackError as exc:
        raise StackError(f"{exc}; the last proposal left out: {left_out}") from None


async def approved_and_exported(stack: Stack, ledger: Ledger, run: dict, folder: Path, *,
                                name: str | None = None, remittances: tuple[str, ...] = ()) -> RunDone:
    """Approved by a second person, exported, its files saved (and the remittance advice of each provider
    key in `remittances` the run pays); kept in the ledger as `name` (its kind)."""
    run_id = run["run_id"]

    async def approved():
        now = await stack.get("payments", f"/payment-runs/{run_id}", FINANCE_OFFICER, lines="false")
        return now if now["status"] == "approved" else None

    await stack.step("payments", f"/payment-runs/{run_id}/approve", FINANCE_APPROVER, done=approved,
                     body=None)
    exported = await stack.json("POST", "payments", f"/payment-runs/{run_id}/export", FINANCE_OFFICER)
    done = RunDone(run["kind"], run_id, date.fromisoformat(run["pay_date"]), exported["total_pence"],
                   run["totals"]["direct_payments_pence"])
    name = name or run["kind"]
    target = folder / f"{name}-{run_id}"
    target.mkdir(parents=True, exist_ok=True)
    for file, filename in FILES.items():
        response = await stack.send("GET", "payments", f"/payment-runs/{run_id}/files/{file}", FINANCE_OFFICER)
        if response.status_code != 200:
            raise StackError(f"downloading {file} of run {run_id}: {response.status_code} {response.text[:300]}")
        path = target / filename
        path.write_bytes(response.content)
        done.files[file] = path
    paid = {p["payee_id"] for p in run["payments"]}
    for key in remittances:
        provider_id = ledger.provider_ids[key]
        if provider_id not in paid:
            continue
        response = await stack.send("GET", "payments", f"/payment-runs/{run_id}/files/remittance/{provider_id}.csv",
                                    FINANCE_OFFICER)
        if response.status_code != 200:
            raise StackError(f"downloading the remittance of {key} in run {run_id}: {response.status_code}")
        path = target / f"remittance-{key}.csv"
        path.write_bytes(response.content)
        done.remittances[key] = path
    ledger.runs[name] = done
    return done


async def pay_month(stack: Stack, ledger: Ledger, today: date, folder: Path, *, weekly: list[dict],
                    four_weekly: list[dict], direct_payments: list[str], providers: list[str],
                    credits: dict[str, str] | None = None, remittances: tuple[str, ...] = ()) -> list[RunDone]:
    """`weekly` / `four_weekly`: the approved invoices (invoicing's summaries) each run pays; `credits`:
    credit notes (id -> the invoice it corrects) besides the dispute's, each netted by the run paying its
    invoice; `remittances`: provider keys whose remittance advice of the four-weekly run is kept.

    The four-weekly run goes first: it pays the direct payments, council-managed ones into the
    council's client account, so the managed accounts hold money before anything is paid from them."""
    await payable_in_payments(stack, weekly + four_weekly)
    credits = dict(credits or {})
    if ledger.dispute:
        credits[ledger.dispute.credit_note_id] = ledger.dispute.invoice_id
    out = []
    for kind, invoices, dps in (("four_weekly", four_weekly, direct_payments), ("weekly", weekly, None)):
        body = {"pay_date": (await next_run(stack, kind, today)).isoformat(), "kind": kind, "providers": providers,
                "pay_early": [i["invoice_id"] for i in invoices], "direct_payments": dps or []}
        notes = [note for note, invoice_id in credits.items() if invoice_id in body["pay_early"]]
        run = await proposed(stack, body, body["pay_early"], notes)
        out.append(await approved_and_exported(stack, ledger, run, folder,
                                               remittances=remittances if kind == "four_weekly" else ()))
    return out


async def pay_from_managed_accounts(stack: Stack, ledger: Ledger, folder: Path, *, invoices: list[dict],
                                    payroll_lines: list[str], providers: list[str]) -> RunDone:
    """The first weekly run after the four-weekly one (which paid the managed accounts) pays what
    council-managed accounts owe: the invoices of the agreements they fund and the PAs' net pay (the run
    is limited to the demo's providers and to the PAs of its managed direct payments)."""
    await payable_in_payments(stack, invoices)
    pay_date = await next_run(stack, "weekly", ledger.runs["four_weekly"].pay_date)
    body = {"pay_date": pay_date.isoformat(), "kind": "weekly", "providers": providers,
            "pay_early": [i["invoice_id"] for i in invoices], "direct_payments": list(ledger.dp_ids.values())}
    run = await proposed(stack, body, body["pay_early"] + payroll_lines, [])
    return await approved_and_exported(stack, ledger, run, folder, name="managed")
