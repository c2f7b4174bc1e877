"""A small council's month for the reconciliation (issue 17), driven through the public APIs only with the
demo's helpers, under its own tag: agreements entered today for care that started weeks ago (the month
the demo lives through), a rate uplift from the Wednesday of week 2 applied in one step, a hospital stay
(suspended, resumed), a death told only after the invoices were raised and paid, a care home on a
four-weekly plan, and a provider sending its own invoices that has not yet invoiced week 4 (accrued).

People: home care with a self-billing provider (the uplift; four people: plain, hospital, died, weekdays
only), home care with a provider that invoices itself (one person), two care-home residents.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from shared.demo import actuals, care, feeds as feeds_, invoices, paying, providers as providers_
from shared.demo.attendance import Attendance, month_of_attendances
from shared.demo.client import BROKER, FINANCE_OFFICER, Stack, StackError, until
from shared.demo.council import SCHEDULES, Council, Person, Slot, build_providers, random_schedule, weekly_cost
from shared.demo.ledger import Ledger, RunDone
from shared.demo.month import Month
from shared.demo.people import new_tag
from shared.settings import REPO_ROOT

SEED = 17
FOLDER = REPO_ROOT / ".local" / "reconciliation"


@dataclass
class ReconciledMonth:
    council: Council
    ledger: Ledger
    attendances: list[Attendance]
    folder: Path
    uplift: dict = field(default_factory=dict)  # the rate uplift as applied
    unpaid: list[str] = field(default_factory=list)  # invoice ids left for a later run
    run_ids: list[str] = field(default_factory=list)

    @property
    def runs(self) -> dict[str, RunDone]:
        return self.ledger.runs


def _slots(name: str) -> tuple[Slot, ...]:
    return tuple(Slot(d, start, minutes, carers) for days, start, minutes, carers in SCHEDULES[name][1] for d in days)


def council_of(today: date, tag: str | None = None) -> Council:
    """Three providers (home care self-billing with new rates from a Wednesday, home care invoicing itself,
    a care home) and seven people; the month is the latest four-weekly period that is over."""
    tag = tag or new_tag()
    month = Month.latest_over(today)
    rng = random.Random(SEED)
    built = {p.key: p for p in build_providers(rng, tag, 8, month)}  # PR01 uplift, PR02 own invoices, PR07 a care home
    billed, own, home = built["PR01"], built["PR02"], built["PR07"]
    own = replace(own, feed="http", feed_ref=own.cqc_provider_id)
    billed = replace(billed, feed="http", feed_ref=billed.cqc_provider_id)
    stories = [
        ("home_care", billed, _slots("two calls"), {}),
        ("home_care", billed, _slots("morning call"), {"hospital": (month.day(2, 3), month.day(3, 2))}),
        ("home_care", billed, _slots("two calls"), {"died_on": month.day(2, 1), "death_notified_late": True}),
        ("home_care", billed, _slots("weekdays"), {}),
        ("home_care", own, random_schedule(rng), {}),
        ("residential", home, (), {}),
        ("residential", home, (), {}),
    ]
    people = []
    for i, (kind, provider, schedule, story) in enumerate(stories):
        if kind == "home_care":
            budget = -(-weekly_cost(schedule, provider.weekend_pence + 400) * 11 // 1000) * 100
            extra = {"schedule": schedule}
        else:
            budget, extra = provider.weekly_pence * 105 // 100, {"weekly_units": Decimal(1)}
        people.append(Person(index=i, ref=f"{tag}-{i + 1:04d}", name=f"Reconciled Person {i + 1}",
                             address=f"{i + 1} Ledger Lane, Balton", care=kind, provider_key=provider.key,
                             weekly_budget_pence=budget, **extra, **story))
    return Council(SEED, tag, month, (billed, own, home), tuple(people))


def as_told(person: Person) -> Person:
    """The person as the council knows them while the month runs: a death told late is not known yet."""
    return replace(person, died_on=None) if person.death_notified_late else person


def attendances_of(council: Council) -> list[Attendance]:
    """What the carers did (nobody visits after the death: nothing is logged after it)."""
    return [a for a in month_of_attendances(council) if a.fault != "after_death"]


async def set_up(stack: Stack, m: ReconciledMonth) -> None:
    council, ledger = m.council, m.ledger
    for provider in council.providers:
        await providers_.register(stack, council, ledger, provider)
    for person in council.people:
        await care.approved_request(stack, council, ledger, person)
        await care.in_force(stack, council, ledger, as_told(person))
    m.uplift = await uplifted(stack, m)
    for person in council.people:
        if person.hospital:
            aid = ledger.agreement_ids[person.ref]
            await care.changed(stack, aid, "suspend", {"suspended_from": person.suspended_from.isoformat(),
                                                       "reason": "hospital", "note": "admitted"},
                               already=lambda a: a["suspensions"])
            await care.changed(stack, aid, "resume", {"resumed_on": person.hospital[1].isoformat(),
                                                      "note": "home again"},
                               already=lambda a: a["suspensions"] and a["suspensions"][-1]["resumed_on"])
    for person in council.of_care("home_care"):
        await actuals.delivery_knows(stack, council, ledger, as_told(person))


async def uplifted(stack: Stack, m: ReconciledMonth) -> dict:
    """The provider's new rate card applied to all its home-care agreements from the Wednesday, in one step."""
    provider = next(p for p in m.council.providers if p.rate_change)
    pid, wednesday = m.ledger.provider_ids[provider.key], provider.rate_change[0].isoformat()
    mine = {m.ledger.agreement_ids[p.ref] for p in m.council.clients_of(provider.key)}
    body = {"service_type": "home_care", "effective_from": wednesday}
    preview = await stack.json("POST", "agreements", f"/providers/{pid}/rate-uplifts", BROKER,
                               json={**body, "preview": True})
    if not mine <= {v["agreement_id"] for v in preview["varied"]}:
        raise StackError(f"the uplift's preview leaves out some of {sorted(mine)}: {preview}")
    if any(v["weekly_after_pence"] <= v["weekly_before_pence"] for v in preview["varied"]):
        raise StackError(f"the new rate card should raise every weekly cost: {preview['varied']}")
    applied = await stack.json("POST", "agreements", f"/providers/{pid}/rate-uplifts", BROKER,
                               json={**body, "preview": False})

    async def varied():
        for aid in mine:
            now = await stack.get("agreements", f"/agreements/{aid}", BROKER)
            if not any(t["effective_from"] == wednesday for t in now["terms"]):
                return None
        return True

    await until(varied, what=f"the uplift from {wednesday} to vary {sorted(mine)}")
    return applied


async def delivered_and_confirmed(stack: Stack, m: ReconciledMonth) -> None:
    council, ledger = m.council, m.ledger
    feeds = feeds_.Feeds(stack, council, ledger)
    try:
        for week, monday in enumerate(council.month.weeks):
            records = [a for a in m.attendances if a.week == week]
            for provider in council.providers:
                if provider.service_type == "home_care":
                    await feeds.send_week(provider, week, [a for a in records if a.provider_key == provider.key])
            for person in council.of_care("home_care"):
                aid = ledger.agreement_ids[person.ref]
                mine = [a for a in records if a.person_ref == person.ref]
                await actuals.week_processed(stack, aid, monday, actuals.expected_lines(mine))
                await actuals.confirmed_week(stack, ledger, aid, ledger.provider_ids[person.provider_key], monday)
    finally:
        await feeds.close()


async def invoiced(stack: Stack, m: ReconciledMonth) -> None:
    """Self-bills raised from the confirmed weeks; the other provider invoices weeks 1-3 only (week 4 is
    delivered, confirmed and not yet invoiced); the care home's four-weekly plan invoice."""
    council, ledger = m.council, m.ledger
    for provider in council.providers:
        if provider.service_type != "home_care":
            continue
        if provider.self_billing:
            await invoices.self_billed(stack, council, ledger, provider)
            continue
        for week in council.month.weeks[:3]:
            lines = invoices._lines(council, ledger, provider, week)
            if lines:
                await invoices.send_invoice(stack, ledger, provider, f"{council.tag}-{week:%Y%m%d}", week, lines)
    await invoices.scheduled(stack, council, ledger)


async def death_told_late(stack: Stack, m: ReconciledMonth) -> None:
    for person in m.council.people:
        if person.death_notified_late:
            await care.ended_by_death(stack, m.ledger.agreement_ids[person.ref], person,
                                      "told by the provider after the month was invoiced")


async def approved_invoices(stack: Stack, m: ReconciledMonth) -> dict[str, list[dict]]:
    """Every approved invoice of the council's providers, by kind."""
    out: dict[str, list[dict]] = {}
    for provider in m.council.providers:
        for kind in ("self_billed", "provider", "scheduled"):
            pid = m.ledger.provider_ids[provider.key]
            out.setdefault(kind, []).extend(i for i in await invoices.listed(stack, pid, kind)
                                            if i["status"] == "approved")
    return out


async def paid(stack: Stack, m: ReconciledMonth) -> None:
    """A weekly run (the home-care invoices but the own-invoicing provider's last) and a four-weekly run
    (the care home's), each approved by a second person and exported; then the bank confirms every payment."""
    ledger, today = m.ledger, m.council.month.today
    for provider in m.council.providers:
        await providers_.payable_in_payments(stack, ledger, provider)
    approved = await approved_invoices(stack, m)
    own = sorted(approved.get("provider", []), key=lambda i: i["period_start"])
    m.unpaid = [own[-1]["invoice_id"]] if own else []
    weekly = [i for i in approved.get("self_billed", []) + own if i["invoice_id"] not in m.unpaid]
    providers = [ledger.provider_ids[p.key] for p in m.council.providers]
    await paying.payable_in_payments(stack, weekly + approved.get("scheduled", []))
    for kind, chosen in (("four_weekly", approved.get("scheduled", [])), ("weekly", weekly)):
        body = {"pay_date": (await paying.next_run(stack, kind, today)).isoformat(), "kind": kind,
                "providers": providers, "pay_early": [i["invoice_id"] for i in chosen], "direct_payments": []}
        run = await paying.proposed(stack, body, body["pay_early"], [])
        done = await paying.approved_and_exported(stack, ledger, run, m.folder)
        m.run_ids.append(done.run_id)
        await bank_confirms(stack, done.run_id)


async def bank_confirms(stack: Stack, run_id: str) -> None:
    """The bank's report: every payment of the run paid."""
    run = await stack.get("payments", f"/payment-runs/{run_id}", FINANCE_OFFICER, lines="false")
    pending = [p["payment_reference"] for p in run["payments"] if p["outcome"] != "paid"]
    if pending:
        text = "payment_reference,status,reason\n" + "".join(f"{ref},paid,\n" for ref in pending)
        await stack.json("POST", "payments", f"/payment-runs/{run_id}/confirmations", FINANCE_OFFICER,
                         content=text.encode(), content_type="text/csv")


async def run_reconciled_month(today: date, *, tag: str | None = None) -> ReconciledMonth:
    council = council_of(today, tag)
    m = ReconciledMonth(council, Ledger(), attendances_of(council), FOLDER / council.tag)
    async with Stack() as stack:
        await set_up(stack, m)
        await delivered_and_confirmed(stack, m)
        await invoiced(stack, m)
        await paid(stack, m)
        await death_told_late(stack, m)
    return m
