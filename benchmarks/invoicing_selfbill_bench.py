"""Times the pure part of self-billing one four-week period for a large county.

Not a test: run `.venv/bin/python benchmarks/invoicing_selfbill_bench.py [AGREEMENTS]` and read the
figures. The stack-level target (issue 5) is under 60 s for the whole run including the database;
the pure part must be a small fraction of that. Data: 8,000 home-care agreements across 150
providers, three visits a day for 28 days, one agreement in twenty with two-carer visits: about
705,000 verified visit lines, confirmed week by week (as delivery confirms them).
"""
from __future__ import annotations

import gc
import sys
import time
from datetime import date, timedelta

from contracts.common import Cycle, PaymentBasis
from services.invoicing.domain.facts import AgreementOnFile, ConfirmedActuals, ProviderFacts, VerifiedVisitLine
from services.invoicing.domain.lifecycle import record_outcome, submit
from services.invoicing.domain.periods import four_weeks_of
from services.invoicing.domain.self_billing import group_weeks, self_bill_run
from services.invoicing.domain.validation import validate
from services.invoicing.domain.validation_context import ValidationContext

PERIOD = four_weeks_of(date(2026, 4, 1))  # 30 Mar - 26 Apr 2026
PROVIDERS = 150
RATE = 2385
MINUTES = (30, 45, 60)


def facts(n_agreements: int):
    providers = {f"PRV-{p}": ProviderFacts(f"PRV-{p}", True, True) for p in range(PROVIDERS)}
    agreements = [AgreementOnFile(f"AGR-{a:05d}", f"PRV-{a % PROVIDERS}", f"SU-{a}", PaymentBasis.ACTUALS,
                                  Cycle.FOUR_WEEKLY, PERIOD.first - timedelta(days=365)) for a in range(n_agreements)]
    weeks = {}
    for a in agreements:
        carers = 2 if int(a.person_ref[3:]) % 20 == 0 else 1
        per_week = []
        for week in PERIOD.weeks():
            visits = []
            for day in week.days():
                for slot, minutes in enumerate(MINUTES):
                    for carer in range(carers):
                        visits.append(VerifiedVisitLine(f"{a.agreement_id}-{day:%m%d}-{slot}", f"C-{carer}", day,
                                                        minutes, RATE, (minutes * RATE * 2 + 60) // 120))
            per_week.append(ConfirmedActuals(a.agreement_id, a.person_ref, week, tuple(visits)))
        weeks[a.agreement_id] = per_week
    return providers, agreements, weeks


def timed(label: str, fn, *args, **kw):
    gc.collect()
    t0 = time.perf_counter()
    result = fn(*args, **kw)
    print(f"{label:<46} {time.perf_counter() - t0:7.2f} s")
    return result


def main(n_agreements: int = 8_000) -> None:
    t0 = time.perf_counter()
    providers, agreements, weeks = facts(n_agreements)
    lines = sum(len(w.visits) for ws in weeks.values() for w in ws)
    print(f"{n_agreements:,} agreements, {lines:,} verified visit lines over {PERIOD} "
          f"(generated in {time.perf_counter() - t0:.1f} s, not counted)")
    start = time.perf_counter()
    by_agreement = {a.agreement_id: a for a in agreements}
    grouped = timed("group confirmed weeks into four-weekly actuals",
                    lambda: {a.agreement_id: group_weeks(a, weeks[a.agreement_id], PERIOD) for a in agreements})
    run = timed("build self-bills (a line per visit and carer)", self_bill_run, agreements, grouped, providers, {},
                issued_on=PERIOD.last + timedelta(days=1))

    def validate_all():
        out = []
        for invoice in run.invoices:
            agreement_id = invoice.lines[0].agreement_id
            ctx = ValidationContext(providers[invoice.provider_ref], {agreement_id: by_agreement[agreement_id]},
                                    {agreement_id: grouped[agreement_id]},
                                    {agreement_id: grouped[agreement_id].amount_pence})
            out.append(record_outcome(submit(invoice, by="self-billing run"), validate(invoice, ctx)))
        return out
    outcomes = timed("validate (three-way match) and record outcomes", validate_all)
    total = time.perf_counter() - start
    approved = sum(i.status.value == "approved" for i in outcomes)
    print(f"{len(run.invoices):,} invoices, {sum(len(i.lines) for i in run.invoices):,} lines, {approved:,} approved,"
          f" £{sum(i.total_pence for i in run.invoices) / 100:,.2f}")
    print(f"pure self-billing total: {total:.2f} s (target for the whole run incl. database: < 60 s)")
    per_day = {ref: ProviderFacts(ref, True, True, lines_per_day=True) for ref in providers}
    timed("for comparison: build with a line per day", self_bill_run, agreements, grouped, per_day, {},
          issued_on=PERIOD.last + timedelta(days=1))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8_000)
