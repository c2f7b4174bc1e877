"""The personal assistant the council employs, as nominee, for the person whose care is bought from a
council-managed direct payment: registered with bank details a second person verifies, twelve hours a
week of timesheets (the first week as CSV, the rest as JSON) submitted by the PA and approved by
finance, each week's payroll exported for the bureau, and the bureau's net pay uploaded, to be paid
from the person's managed account in the weekly run.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from shared.demo.client import BROKER, FINANCE_APPROVER, FINANCE_OFFICER, Stack, StackError, Who, until
from shared.demo.council import Council, Person
from shared.demo.ledger import Ledger

RATES = ({"time_band": "day", "day_category": None, "hourly_pence": 1350},
         {"time_band": "evening", "day_category": None, "hourly_pence": 1500},
         {"time_band": "night", "day_category": None, "hourly_pence": 1650})


@dataclass(frozen=True)
class Shift:
    weekday: int  # 0 Monday
    start: str
    end: str


# Twelve hours a week: two mornings, and an evening shift that crosses from the day band (to 19:00)
# into the evening band.
SHIFTS = (Shift(0, "09:00", "13:00"), Shift(2, "09:00", "13:00"), Shift(4, "17:00", "21:00"))
DEDUCTIONS_PENCE = 1873  # what the bureau withholds each week (tax and NI are the bureau's)


def pa_weekly_gross_pence() -> int:
    """A week's gross pay: 10 hours in the day band, 2 in the evening band."""
    return 10 * RATES[0]["hourly_pence"] + 2 * RATES[1]["hourly_pence"]


def pa_account(person: Person) -> dict:
    digits = f"{(person.index * 104729 + 777) % 10**8:08d}"
    return {"sort_code": "202678", "account_number": digits, "account_name": f"PA FOR {person.name.upper()}"[:18]}


def pa_of(ledger: Ledger, person: Person) -> Who:
    return Who(f"demo-pa-{person.ref}", "personal_assistant", pa_id=ledger.pa_ids[person.ref])


async def registered(stack: Stack, council: Council, ledger: Ledger, person: Person) -> str:
    """The PA, registered by brokerage for the managed direct payment, bank details verified by a second person."""
    dp_id = ledger.dp_ids[person.ref]
    employee_ref = f"EMP-{person.ref}"

    async def mine():
        listed = await stack.get("agreements", f"/direct-payments/{dp_id}/personal-assistants", BROKER)
        return next((pa for pa in listed if pa["employee_ref"] == employee_ref), None)

    pa = await mine() or await stack.json("POST", "agreements", f"/direct-payments/{dp_id}/personal-assistants",
                                          BROKER, find=mine, json={
        "name": f"Assistant to {person.name}", "employee_ref": employee_ref,
        "employed_from": council.month.first.isoformat(), "rates": list(RATES), "bank_account": pa_account(person)})
    pa_id = ledger.pa_ids[person.ref] = pa["pa_id"]
    change_id = pa["bank_details"]["pending_change_id"]
    if change_id:
        await stack.json("POST", "agreements", f"/personal-assistants/{pa_id}/bank-details/{change_id}/verify",
                         FINANCE_APPROVER, json={"reason": "checked with the PA by phone"})
    return pa_id


def _shifts_of_week(council: Council, week: int) -> list[dict]:
    return [{"work_date": council.month.day(week, s.weekday).isoformat(), "start": s.start, "end": s.end}
            for s in SHIFTS]


async def timesheets(stack: Stack, council: Council, ledger: Ledger, person: Person) -> None:
    """Each week's shifts, submitted by the PA (week 1 as a CSV file), approved by a finance officer."""
    pa_id, who = ledger.pa_ids[person.ref], pa_of(ledger, person)
    sent = {t["shifts"][0]["work_date"]: t
            for t in await stack.get("payments", f"/personal-assistants/{pa_id}/timesheets", FINANCE_OFFICER)
            if t["status"] != "rejected"}
    for week in range(4):
        shifts = _shifts_of_week(council, week)
        if (sheet := sent.get(shifts[0]["work_date"])) is not None:
            if sheet["status"] == "submitted":
                await stack.json("POST", "payments", f"/timesheets/{sheet['timesheet_id']}/approve", FINANCE_OFFICER)
            continue
        path = f"/personal-assistants/{pa_id}/timesheets"
        if week == 0:
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=("work_date", "start", "end"), lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(shifts)
            response = await stack.send("POST", "payments", path, who, content=out.getvalue().encode(),
                                        content_type="text/csv")
            if response.status_code not in (200, 201):
                raise StackError(f"PA timesheet CSV: {response.status_code} {response.text[:300]}")
            sheet = response.json()
        else:
            sheet = await stack.json("POST", "payments", path, who, json={"shifts": shifts})
        await stack.json("POST", "payments", f"/timesheets/{sheet['timesheet_id']}/approve", FINANCE_OFFICER)


async def payroll(stack: Stack, council: Council, ledger: Ledger, person: Person) -> None:
    """Each week's payroll exported for the bureau, and the net pay it returns recorded (a second person
    approves it when the file is large enough to need one)."""
    dp_id = ledger.dp_ids[person.ref]
    for monday in council.month.weeks:
        base = f"/direct-payments/{dp_id}/payroll/{monday.isoformat()}"
        response = await stack.send("GET", "payments", f"{base}/export.csv", FINANCE_OFFICER)
        if response.status_code != 200:
            raise StackError(f"payroll export {monday}: {response.status_code} {response.text[:300]}")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        ledger.payroll[(person.ref, monday)] = rows
        net = io.StringIO()
        writer = csv.writer(net, lineterminator="\r\n")
        writer.writerow(("employee_ref", "net_pence"))
        for row in rows:
            writer.writerow((row["employee_ref"], int(row["gross_pence"]) - DEDUCTIONS_PENCE))
        recorded = await stack.send("POST", "payments", f"{base}/net-pay", FINANCE_OFFICER,
                                    content=net.getvalue().encode(), content_type="text/csv")
        if recorded.status_code not in (200, 201):
            raise StackError(f"net pay {monday}: {recorded.status_code} {recorded.text[:300]}")
        body = recorded.json()
        if body["status"] == "pending":
            await stack.json("POST", "payments", f"/payroll-net-pay/{body['upload_id']}/approve", FINANCE_APPROVER)


async def payroll_due(stack: Stack, ledger: Ledger, person: Person) -> None:
    """Payments knows the PA's verified account (the run pays only into verified details)."""
    pa_id = ledger.pa_ids[person.ref]

    async def payable():
        response = await stack.send("GET", "payments", f"/payees/{pa_id}", FINANCE_OFFICER)
        return response.status_code == 200 and response.json()["payable"]

    await until(payable, what=f"payments to hold PA {pa_id}'s verified bank details")
