"""What the demo prints at the end: where the payment files are, the dashboard, and the month's spend
by provider and by service as the reporting service reports it (GET /spend), in pounds.

Every figure is reporting's, on business dates: the month's four weeks (`period=week`, the month's first
Monday to its last Sunday), so committed, delivered, invoiced and paid are for the same days of care (a
four-weekly invoice counts in the weeks it pays for, an advance for a later period not at all). Whether
reporting has caught up is judged over a wider range: every invoice the runs pay, whatever days it is for."""
from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from datetime import timedelta

from rich.console import Console
from rich.table import Table

from shared.demo.client import FINANCE_OFFICER, Stack
from shared.demo.scenario import MonthRun
from shared.money import format_gbp

MEASURES = ("committed_pence", "delivered_pence", "invoiced_pence", "paid_pence")
SERVICES = {"home_care": "Home care", "residential": "Residential care", "supported_living": "Supported living",
            "direct_payment": "Direct payments"}


CATCH_UP_WEEKS = 12  # an ISF advance paid by the month's runs pays for at most the two periods after it


async def spend(stack: Stack, month: MonthRun, group_by: str, *, wide: bool = False) -> dict[str, dict[str, int]]:
    """group -> measure -> pence, over the demo's providers: the month's four weeks, or with `wide` from
    the month's first day to CATCH_UP_WEEKS weeks after the last pay date."""
    first, last = month.council.month.first, month.council.month.last
    if wide:
        last = max([r.pay_date for r in month.runs.values()] + [last]) + timedelta(weeks=CATCH_UP_WEEKS)
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    for provider in month.council.providers:
        answer = await stack.get("reporting", "/spend", FINANCE_OFFICER, group_by=group_by, period="week",
                                 provider_id=month.ledger.provider_ids[provider.key],
                                 **{"from": first.isoformat(), "to": last.isoformat()})
        for row in answer["rows"]:
            key = provider.name if group_by == "provider" else SERVICES.get(row["group"], row["label"])
            for m in MEASURES:
                out[key][m] += row[m]
    return dict(out)


async def reported(stack: Stack, month: MonthRun, *, patience: float = 60.0) -> tuple[dict, dict, bool]:
    """Spend by provider and by service, once reporting has heard of every invoice the runs pay
    (or after `patience`). Paid spend follows the bank's confirmations, after the pay dates."""
    invoiced = sum(r.total_pence - r.dp_pence for r in month.runs.values())
    deadline = time.monotonic() + patience
    while True:
        everything = await spend(stack, month, "provider", wide=True)
        caught_up = sum(v["invoiced_pence"] for v in everything.values()) == invoiced
        if caught_up or time.monotonic() > deadline:
            return await spend(stack, month, "provider"), await spend(stack, month, "service_type"), caught_up
        await asyncio.sleep(2)


def invoiced_above_committed(rows: dict[str, dict[str, int]]) -> list[str]:
    """The groups whose month was invoiced above what was committed for its days."""
    return sorted(name for name, r in rows.items() if r["invoiced_pence"] > r["committed_pence"])


def _direct_payments(month: MonthRun) -> int:
    return sum(r.dp_pence for r in month.runs.values())


def table(title: str, rows: dict[str, dict[str, int]], first: str) -> Table:
    out = Table(title=title, title_justify="left")
    out.add_column(first)
    for m in MEASURES:
        out.add_column(m.removesuffix("_pence"), justify="right")
    for name in sorted(rows):
        out.add_row(name, *(format_gbp(rows[name][m]) for m in MEASURES))
    out.add_row("[bold]total", *(f"[bold]{format_gbp(sum(r[m] for r in rows.values()))}" for m in MEASURES))
    return out


def print_files(console: Console, month: MonthRun) -> None:
    for run in month.runs.values():
        console.print(f"[bold]{run.kind} run[/bold] {run.run_id} paying {format_gbp(run.total_pence)} on {run.pay_date}:")
        for name, path in run.files.items():
            console.print(f"  {name:8} {path}")
        for key, path in run.remittances.items():
            console.print(f"  remittance advice of {month.council.provider(key).name}: {path}")
    charges = month.ledger.contributions
    if charges.export_id:
        console.print(f"[bold]contributions[/bold] export {charges.export_id} to the debtors system:")
        for name, path in charges.files.items():
            console.print(f"  {name:8} {path}")


async def print_summary(console: Console, month: MonthRun) -> None:
    async with Stack() as stack:
        by_provider, by_service, caught_up = await reported(stack, month)
    first, last = month.council.month.first, month.council.month.last
    console.print(table(f"Spend by provider for the care of {first:%d %b} to {last:%d %b} (reporting /spend, "
                        "business dates)", by_provider, "provider"))
    console.print(table("Spend by service (reporting /spend, the demo's providers)", by_service, "service"))
    if "four_weekly" in month.runs:
        console.print(f"Direct payments in the four-weekly run: {format_gbp(_direct_payments(month))}")
    above = invoiced_above_committed(by_service)
    console.print("Invoiced above committed: " + (", ".join(above) if above else "nowhere") + ".")
    console.print("Paid spend is reported as the bank confirms each run, after its pay date.")
    if not caught_up:
        console.print("[yellow]reporting is still catching up with the invoices: refresh the dashboard[/yellow]")
