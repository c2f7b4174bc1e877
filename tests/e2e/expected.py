"""What the month should have produced, worked out from the scenario's own data (the council, and
every record exactly as the feeds sent it) with the rules in rules.py — never from the services.

Records go the way docs/domain.md ("Visit rules") says: a record the feed could not accept (no carer, check-out
before check-in, unknown service user, a file refused whole) is not paid; the last record for a
provider + visit + carer is the one that counts; it pays the planned visit of the person's agreement
with that provider on the same local day starting within two hours, if that day is payable (not
after the death, not while in hospital); otherwise it is held, never paid.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tests.e2e import rules

Line = tuple[str, str]  # (visit_id, carer_id)


@dataclass(frozen=True)
class Paid:
    """One carer's pay for one planned visit."""

    agreement_id: str
    week: date
    visit_id: str
    carer_id: str
    minutes: int
    pence: int


def _valid(f: dict) -> bool:
    """What a feed accepts: a carer, the person, readable times, a check-in method, and for a visit
    (not an exception) both times with check-out not before check-in."""
    try:
        planned = rules.feed_time(f["planned_start"]), rules.feed_time(f["planned_end"])
        check_in, check_out = rules.feed_time(f.get("check_in")), rules.feed_time(f.get("check_out"))
    except ValueError:
        return False
    if not (f.get("carer_id") or "").strip() or not (f.get("service_user_ref") or "").strip() or None in planned:
        return False
    if f.get("check_in_method") not in ("app", "landline", "manual"):
        return False
    if f.get("exception_code"):
        return True
    return check_in is not None and check_out is not None and check_out >= check_in


def _payable_days(month, person) -> set[date]:
    days = {d for d in month.days() if not (person.died_on and d > person.died_on)}
    if person.hospital:
        days -= {d for d in month.days() if person.suspended_from <= d < person.hospital[1]}
    return days


def _rates(provider, day: date) -> list[dict]:
    if provider.rate_change and day >= provider.rate_change[0]:
        return provider.rates(provider.rate_change[1], provider.rate_change[2])
    return provider.rates()


def paid_visits(run) -> list[Paid]:
    """Every carer the month's records should pay (including those paid nothing, e.g. a hospital admission)."""
    council, ledger = run.council, run.ledger
    by_cqc = {ref: p for p in council.providers for ref in (p.cqc_provider_id, p.cqc_location_id)}
    people = {p.ref: p for p in council.people}
    known = {ref for ref, p in people.items() if p.care != "direct_payment"}
    latest: dict[tuple[str, str, str], dict] = {}
    for sent in ledger.sent:
        f = sent.fields
        if sent.accepted and _valid(f) and f["service_user_ref"] in known:
            latest[(by_cqc[f["provider_ref"]].key, f["visit_id"], f["carer_id"])] = f
    carers: dict[tuple, list[tuple[str, dict]]] = defaultdict(list)
    for (provider_key, _visit, carer), f in latest.items():
        person = people[f["service_user_ref"]]
        slot = _planned_visit(council.month, person, provider_key, rules.feed_time(f["planned_start"]))
        if slot is not None:
            carers[(person.ref, slot)].append((carer, f))
    out = []
    for (ref, (day, slot)), attending in carers.items():
        person, provider = people[ref], council.provider(people[ref].provider_key)
        assert len(attending) <= slot.carers, f"more carers than planned at {ref} {day} {slot.start}: not in the scenario"
        rate = rules.hourly_rate(_rates(provider, day), day)
        for carer, f in attending:
            minutes = rules.payable_minutes(planned=slot.minutes, check_in=rules.feed_time(f.get("check_in")),
                                            check_out=rules.feed_time(f.get("check_out")),
                                            exception=f.get("exception_code") or None, rounding=provider.rounding)
            out.append(Paid(ledger.agreement_ids[ref], day - timedelta(days=day.weekday()), f["visit_id"], carer,
                            minutes, rules.visit_amount(minutes, rate)))
    return out


def _planned_visit(month, person, provider_key: str, planned_start: datetime):
    """The person's planned visit with this provider the record is for: same local day, start within 2 hours."""
    if person.care != "home_care" or person.provider_key != provider_key:
        return None
    day = rules.local_date(planned_start)
    if day not in _payable_days(month, person):
        return None
    at = datetime.combine(day, rules.local_time(planned_start))
    near = [(abs((datetime.combine(day, datetime.strptime(s.start, "%H:%M").time()) - at).total_seconds()), s)
            for s in person.schedule if s.weekday == day.weekday()]
    near = [(gap, s) for gap, s in near if gap <= 2 * 3600]
    return (day, min(near, key=lambda x: x[0])[1]) if near else None


def actuals_by_week(run) -> dict[tuple[str, date], dict[Line, tuple[int, int]]]:
    """(agreement, Monday) -> {(visit, carer): (payable minutes, pence)}."""
    out: dict[tuple[str, date], dict[Line, tuple[int, int]]] = defaultdict(dict)
    for p in paid_visits(run):
        out[(p.agreement_id, p.week)][(p.visit_id, p.carer_id)] = (p.minutes, p.pence)
    return out


def week_total(lines: dict[Line, tuple[int, int]]) -> int:
    return sum(pence for _, pence in lines.values())


def self_bills(run, weeks) -> dict[tuple[str, date], int]:
    """(agreement, first day of the period) -> pence, for the self-billing providers: a week each, or
    the four weeks together for a four-weekly cycle; a period that pays nothing has no invoice."""
    council, ledger = run.council, run.ledger
    out: dict[tuple[str, date], int] = defaultdict(int)
    for person in council.of_care("home_care"):
        provider = council.provider(person.provider_key)
        if not provider.self_billing:
            continue
        aid = ledger.agreement_ids[person.ref]
        for monday in council.month.weeks:
            first = council.month.first if provider.cycle == "four_weekly" else monday
            out[(aid, first)] += week_total(weeks.get((aid, monday), {}))
    return {k: v for k, v in out.items() if v > 0}


def provider_invoice(run, weeks, invoice) -> int:
    """What the provider's own invoice for a week should total: its clients' verified visits that week."""
    council, ledger = run.council, run.ledger
    return sum(week_total(weeks.get((ledger.agreement_ids[p.ref], invoice.week), {}))
               for p in council.clients_of(invoice.provider_key))


def scheduled(run) -> dict[str, int]:
    """Care homes' plan agreements: the month's invoice in arrears, pro rata by day up to a death (an ISF
    is never invoiced in arrears: its periods are advanced, expected_isf.py)."""
    council, ledger = run.council, run.ledger
    out = {}
    for person in council.of_care("residential"):
        provider = council.provider(person.provider_key)
        days = len([d for d in council.month.days() if not (person.died_on and d > person.died_on)])
        out[ledger.agreement_ids[person.ref]] = rules.plan_amount(str(person.weekly_units), provider.weekly_pence, days)
    return out


def direct_payments(run, pay_date: date) -> dict[str, int]:
    """Each direct payment: 4 x (weekly budget - contribution) for every period due by the run; a
    council-managed one that buys a person's home care too (paid into the council's client account)."""
    council, ledger = run.council, run.ledger
    periods = rules.direct_payment_periods(council.month.first, pay_date)
    held = {ledger.agreement_ids[p.ref]: p for p in council.of_care("direct_payment")}
    held |= {ledger.dp_ids[p.ref]: p for p in council.people if p.managed_dp}
    return {dp_id: periods * 4 * (p.weekly_budget_pence - p.weekly_contribution_pence) for dp_id, p in held.items()}


def managed_agreements(run) -> set[str]:
    """Agreements whose invoices a council-managed account pays (not the council's own account)."""
    return {run.ledger.agreement_ids[p.ref] for p in run.council.people if p.managed_dp}


def managed_run_by_payee(run, weeks) -> dict[str, int]:
    """What the run paying from managed accounts pays: each provider its self-bills for the agreements a
    managed account funds, each PA the four weeks' net pay (gross by the PA's bands, less the bureau's
    deductions), keyed by provider key or PA id."""
    owed: dict[str, int] = defaultdict(int)
    funded = managed_agreements(run)
    for (agreement_id, _), pence in self_bills(run, weeks).items():
        if agreement_id in funded:
            owed[provider_of(run, agreement_id)] += pence
    for person in run.council.people:
        if person.managed_dp:
            owed[run.ledger.pa_ids[person.ref]] += 4 * (rules.pa_week_gross_pence() - rules.PA_DEDUCTIONS_PENCE)
    return dict(owed)


def provider_of(run, agreement_id: str) -> str:
    person = run.ledger.person_of(agreement_id)
    return next(p.provider_key for p in run.council.people if p.ref == person)


def weekly_run_by_provider(run, weeks, *, credited: tuple[str, int]) -> dict[str, int]:
    """What the weekly run pays each home-care provider: its self-bills and its own correct invoices,
    less the credit note (`credited`: the disputed invoice's agreement and the amount)."""
    owed: dict[str, int] = defaultdict(int)
    funded = managed_agreements(run)
    for (agreement_id, _), pence in self_bills(run, weeks).items():
        if agreement_id not in funded:
            owed[provider_of(run, agreement_id)] += pence
    for invoice in run.ledger.provider_invoices:
        if not invoice.wrong:
            owed[invoice.provider_key] += provider_invoice(run, weeks, invoice)
    owed[provider_of(run, credited[0])] -= credited[1]
    return dict(owed)


def plan_by_provider(run) -> dict[str, int]:
    """The care homes' scheduled invoices by provider (the four-weekly run adds the ISFs' advances:
    expected_isf.four_weekly_run_by_provider)."""
    owed: dict[str, int] = defaultdict(int)
    for agreement_id, pence in scheduled(run).items():
        owed[provider_of(run, agreement_id)] += pence
    return dict(owed)
