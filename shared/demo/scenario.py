"""One month of the demo council, driven through the services' public interfaces only.

    month = await run_month(seed=1, people=500, providers=20)

returns a `MonthRun`: the generated council (people, providers, stories), every attendance the
providers' systems recorded, and the ledger of what was done (ids the services gave, every record
as sent, confirmed weeks, invoices sent, the dispute, the payment runs and their saved files).
Re-runnable on the same stack: each run has its own tag, so its references are its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from shared.demo import (actuals, assistants, care, contributions, dp_review, feeds as feeds_, invoices, isf,
                         paying, providers as providers_, queries)
from shared.demo.attendance import Attendance, month_of_attendances
from shared.demo.client import Stack, each
from shared.demo.council import Council, Provider
from shared.demo.ledger import Ledger, RunDone
from shared.demo.people import generate
from shared.demo.progress import Quiet
from shared.settings import REPO_ROOT

DEMO_DIR = REPO_ROOT / ".local" / "demo"


@dataclass
class MonthRun:
    council: Council
    attendances: list[Attendance]
    ledger: Ledger
    folder: Path

    @property
    def runs(self) -> dict[str, RunDone]:
        return self.ledger.runs


async def run_month(*, seed: int = 1, people: int = 500, providers: int = 20, tag: str | None = None,
                    today: date | None = None, progress=None, concurrency: int = 12) -> MonthRun:
    council = generate(seed, people=people, providers=providers, tag=tag, today=today)
    month = MonthRun(council, month_of_attendances(council), Ledger(), DEMO_DIR / council.tag)
    progress = progress or Quiet()
    async with Stack(concurrency=concurrency) as stack:
        await _set_up(stack, month, progress)
        await _four_weeks(stack, month, progress)
        await _invoiced(stack, month, progress)
        await _paid(stack, month, progress)
    return month


async def _set_up(stack: Stack, m: MonthRun, progress) -> None:
    council, ledger = m.council, m.ledger
    await each(council.providers, lambda p: providers_.register(stack, council, ledger, p), limit=4,
               done=progress.phase("providers registered, bank details checked", len(council.providers)))


    async def cared_for(person) -> None:
        await care.approved_request(stack, council, ledger, person)
        await care.care_started(stack, council, ledger, person)

    await each(council.people, cared_for, limit=16, done=progress.phase(
        "requests approved, care in force", len(council.people)))
    managed = [p for p in council.people if p.managed_dp]
    await each(managed, lambda p: assistants.registered(stack, council, ledger, p),
               done=progress.phase("personal assistants employed from managed accounts", len(managed)))
    changes = [p for p in council.people if (p.died_on and not p.death_notified_late) or p.hospital] + [
        p for p in council.people if p.provider_key and council.provider(p.provider_key).rate_change]
    advance = progress.phase("rate change, hospital stay, deaths recorded", len(changes))
    await care.life_events(stack, council, ledger)
    for _ in changes:
        advance()
    home = council.of_care("home_care")
    await each(home, lambda p: actuals.delivery_knows(stack, council, ledger, p),
               done=progress.phase("delivery planning every visit", len(home)))


async def _four_weeks(stack: Stack, m: MonthRun, progress) -> None:
    council, ledger = m.council, m.ledger
    home_providers = [p for p in council.providers if p.service_type == "home_care"]
    feeds = feeds_.Feeds(stack, council, ledger)
    try:
        for week in range(4):
            records = [a for a in m.attendances if a.week == week]

            async def send(provider: Provider, week=week, records=records) -> None:
                await feeds.send_week(provider, week, [a for a in records if a.provider_key == provider.key])

            await each(home_providers, send, limit=4, done=progress.phase(
                f"week {week + 1}: call monitoring sent ({len(records)} records)", len(home_providers)))
            clients = [p for p in council.of_care("home_care")]
            await each(clients, lambda p, week=week, records=records: actuals.confirm_week(
                stack, council, ledger, p, week, records),
                done=progress.phase(f"week {week + 1}: verified and confirmed by providers", len(clients)))
    finally:
        await feeds.close()
    advance = progress.phase("visits logged after a death rejected", 1)
    await actuals.reject_after_death(stack, council, ledger, m.attendances)
    advance()
    managed = [p for p in council.people if p.managed_dp]
    await each(managed, lambda p: assistants.timesheets(stack, council, ledger, p),
               done=progress.phase("PAs' timesheets submitted and approved", len(managed)))


async def _invoiced(stack: Stack, m: MonthRun, progress) -> None:
    council, ledger = m.council, m.ledger
    billed = [p for p in council.providers if p.service_type == "home_care" and p.self_billing]
    await each(billed, lambda p: invoices.self_billed(stack, council, ledger, p),
               done=progress.phase("self-billed invoices raised from actuals", len(billed)))
    own = [p for p in council.providers if p.service_type == "home_care" and not p.self_billing]
    await each(own, lambda p: invoices.providers_own_invoices(stack, council, ledger, p),
               done=progress.phase("providers' own invoices checked", len(own)))
    advance = progress.phase("scheduled invoices raised from plans", 1)
    await invoices.scheduled(stack, council, ledger)
    advance()
    pay_date = await paying.next_run(stack, "four_weekly", council.month.today)
    periods = ledger.isf.first_run_periods = isf.periods_due_by(council.month.first, pay_date)
    advance = progress.phase(f"ISFs advanced for {len(periods)} four-weekly periods", 1)
    await isf.advanced(stack, council, ledger, periods, deaths_told=False)
    advance()
    advance = progress.phase("ISF returns: a surplus reclaimed, a budget spent", 1)
    await isf.returned(stack, council, ledger)
    advance()
    advance = progress.phase("a dispute credited, a missed visit answered", 2)
    first = billed[0]
    bills = await invoices.listed(stack, ledger.provider_ids[first.key], "self_billed")
    # By period and person, not number: numbers follow the order confirmations arrive in.
    funded = {ledger.agreement_ids[p.ref] for p in council.people if p.managed_dp}  # paid from a managed account
    disputed = min((i for i in bills if not set(i["agreement_ids"]) & funded),
                   key=lambda i: (i["period_start"], ledger.person_of(i["agreement_ids"][0])))
    await queries.dispute_and_credit(stack, council, ledger, disputed["invoice_id"])
    advance()
    await queries.missed_visit_query(stack, council, ledger)
    advance()
    advance = progress.phase("contributions charged for the month, exported to debtors", 1)
    await contributions.charged(stack, council, ledger, m.folder)
    advance()


async def _paid(stack: Stack, m: MonthRun, progress) -> None:
    council, ledger = m.council, m.ledger
    advance = progress.phase("runs paid and exported", 3)
    for p in council.providers:
        await providers_.payable_in_payments(stack, ledger, p)
    approved = {"weekly": [], "four_weekly": []}
    advances = set(ledger.isf.advances.values())
    for p in council.providers:
        for kind in ("self_billed", "provider", "scheduled", "isf_advance"):
            for invoice in await invoices.listed(stack, ledger.provider_ids[p.key], kind):
                if invoice["status"] == "approved" and (kind != "isf_advance" or invoice["invoice_id"] in advances):
                    approved["weekly" if kind in ("self_billed", "provider") else "four_weekly"].append(invoice)
    advance()
    funded = {ledger.agreement_ids[p.ref] for p in council.people if p.managed_dp}
    from_managed = [i for i in approved["weekly"] if set(i["agreement_ids"]) & funded]
    dps = [ledger.agreement_ids[p.ref] for p in council.of_care("direct_payment")] + list(ledger.dp_ids.values())
    providers = [ledger.provider_ids[p.key] for p in council.providers]
    isf_keys = tuple(sorted({p.provider_key for p in council.of_care("isf")}))
    await paying.pay_month(stack, ledger, council.month.today, m.folder, four_weekly=approved["four_weekly"],
                           weekly=[i for i in approved["weekly"] if i not in from_managed], direct_payments=dps,
                           providers=providers, credits=await isf.surplus_credit(stack, ledger),
                           remittances=isf_keys)
    advance()
    managed = [p for p in council.people if p.managed_dp]
    for p in managed:
        await assistants.payroll(stack, council, ledger, p)
        await assistants.payroll_due(stack, ledger, p)
    lines = [f"PAY/{ledger.pa_ids[p.ref]}/{monday.isoformat()}" for p in managed for monday in council.month.weeks]
    await paying.pay_from_managed_accounts(stack, ledger, m.folder, invoices=from_managed, payroll_lines=lines,
                                           providers=providers)
    advance()
    advance = progress.phase("a death told late: overpayments credited, next ISF advances paid; a DP reviewed", 3)
    await isf.death_told_late(stack, council, ledger)
    advance()
    next_advances = await isf.next_advances(stack, council, ledger)
    advance()
    own = next(p for p in council.people if p.dp_varied_from)
    await dp_review.reviewed(stack, council, ledger, own)
    await dp_review.next_four_weekly(stack, ledger, m.folder, ledger.agreement_ids[own.ref],
                                     providers=tuple(isf.providers_of_isfs(council, ledger)),
                                     invoices=tuple(next_advances), credit_notes=tuple(ledger.isf.overpayments),
                                     remittances=isf_keys)
    advance()


