"""Time a payment run's pure work: propose, approve and write every file.

50,000 approved invoices from 500 providers plus 3,000 direct payments, as in issue 6 (the whole
run, with the database, must take under 10 s). Run: `.venv/bin/python benchmarks/payments_run_bench.py`.
"""
from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contracts.common import Nominee, ServiceType  # noqa: E402
from services.payments.domain.inputs import (ApprovedInvoice, BankAccount, CreditNote,  # noqa: E402
                                             DirectPaymentAgreement, PaymentSettings, ProviderPayee)
from services.payments.domain.proposal import RunRequest, propose_run  # noqa: E402
from services.payments.domain.run_calendar import ACTUALS_BASED, PLAN_BASED, RunCalendar, RunKind  # noqa: E402
from services.payments.domain.files.export import export_run  # noqa: E402
from services.payments.domain.files.gl_journal import JournalMapping  # noqa: E402

INVOICES, PROVIDERS, DIRECT_PAYMENTS = 50_000, 500, 3_000
PAY_DATE = date(2026, 3, 11)
SERVICES = sorted(ACTUALS_BASED | PLAN_BASED)


@dataclass(frozen=True)
class Officer:
    subject: str
    role: str


def inputs(rng: random.Random):
    accounts = {n: BankAccount(f"{200000 + n:06d}", f"{10_000_000 + n:08d}", f"CARE PROVIDER {n}")
                for n in range(PROVIDERS)}
    payees = {f"PRV-{n:04d}": ProviderPayee(f"PRV-{n:04d}", f"Care Provider {n} Ltd", accounts[n],
                                            bank_verified=n % 100 != 7) for n in range(PROVIDERS)}
    invoices = []
    for n in range(INVOICES):
        start = PAY_DATE - timedelta(days=rng.randrange(7, 60))
        credits = (CreditNote(f"CN-{n}", rng.randrange(100, 2_000), "ECM correction"),) if n % 20 == 0 else ()
        invoices.append(ApprovedInvoice(
            id=f"INV-{n:06d}", provider_id=f"PRV-{n % PROVIDERS:04d}", amount_pence=rng.randrange(2_000, 400_000),
            due_date=PAY_DATE - timedelta(days=rng.randrange(0, 20)), service_type=SERVICES[n % len(SERVICES)],
            cost_centre=f"CC-{n % 12:02d}", period_start=start, period_end=start + timedelta(days=6),
            disputed=n % 100 == 0, credit_notes=credits, invoice_number=f"P{n}", person_ref=f"P-{n % 8_000}"))
    dps = [DirectPaymentAgreement(
        id=f"DP-{n:05d}", person_ref=f"DPP-{n}", amount_per_four_weeks_pence=rng.randrange(20_000, 200_000),
        contribution_per_four_weeks_pence=rng.randrange(0, 10_000), start=PAY_DATE - timedelta(days=28 * (n % 10)),
        end=None, nominee=Nominee.COUNCIL if n % 4 == 0 else Nominee.PERSON,
        payee_account=BankAccount("309634", f"{20_000_000 + n:08d}", f"DP PAYEE {n}"), council_managed=n % 4 == 0,
        paid_up_to=PAY_DATE if n % 10 else None, cost_centre=f"DP-{n % 5}") for n in range(DIRECT_PAYMENTS)]
    return payees, invoices, dps


def main() -> None:
    payees, invoices, dps = inputs(random.Random(6))
    settings = PaymentSettings("Anyshire County Council", "123456", BankAccount("401276", "12345678", "ANYSHIRE CC"),
                               managed_account=BankAccount("401276", "87654321", "ANYSHIRE DP CLIENT"))
    mapping = JournalMapping({s: f"5{i:03d}" for i, s in enumerate(ServiceType)}, "9100", "FIN-CONTROL")
    calendar = RunCalendar(four_weekly_anchor=PAY_DATE, four_weekly_services=ACTUALS_BASED | PLAN_BASED)
    scheduled = next(r for r in calendar.runs_between(PAY_DATE, PAY_DATE) if r.kind is RunKind.FOUR_WEEKLY)
    request = RunRequest("RUN-BENCH", 1, scheduled, "olivia", datetime(2026, 3, 5, 10, tzinfo=timezone.utc))

    t0 = time.perf_counter()
    run = propose_run(request, invoices, payees, dps, settings)
    t1 = time.perf_counter()
    run = run.approve(Officer("abdul", "finance_approver"), datetime(2026, 3, 6, 9, tzinfo=timezone.utc))
    t2 = time.perf_counter()
    files = export_run(run, settings, mapping)
    t3 = time.perf_counter()

    lines = sum(len(p.lines) for p in run.payments)
    size = len(files.bacs) + len(files.pain001) + len(files.journal_csv) + sum(
        len(r.csv) + len(r.html) for r in files.remittances)
    print(f"inputs: {INVOICES:,} invoices from {PROVIDERS} providers, {DIRECT_PAYMENTS:,} direct payments")
    print(f"run: {len(run.payments):,} payments, {lines:,} remittance lines, {len(run.exclusions):,} exclusions, "
          f"total £{run.total_pence / 100:,.2f}")
    print(f"propose:           {t1 - t0:6.3f} s")
    print(f"approve (checks):  {t2 - t1:6.3f} s")
    print(f"all files:         {t3 - t2:6.3f} s  ({len(files.remittances)} remittances, {size / 1e6:.1f} MB)")
    print(f"pure total:        {t3 - t0:6.3f} s  (target for the whole run incl. DB: < 10 s)")


if __name__ == "__main__":
    main()
