"""The month's contributions charged (issue 16): once the month's care is confirmed and invoiced, a
finance officer charges every person their assessed contribution for it (`POST
/contribution-charges/runs`: council-arranged care and ISFs, never more than the cost of the care
delivered), then exports the charges not yet exported to the debtors system; the debtors CSV and its
GL journal are saved under `.local/demo/<tag>/contributions/`.
"""
from __future__ import annotations

from pathlib import Path

from shared.demo.client import FINANCE_OFFICER, Stack, StackError, until
from shared.demo.council import Council
from shared.demo.ledger import Contributions, Ledger

FILES = {"debtors": "debtors.csv", "journal": "journal.csv"}


async def _charges(stack: Stack, person_ref: str, period_start: str) -> list[dict]:
    return await stack.get("invoicing", "/contribution-charges", FINANCE_OFFICER, person_ref=person_ref,
                           period_start=period_start)


async def charged(stack: Stack, council: Council, ledger: Ledger, folder: Path) -> Contributions:
    done = ledger.contributions
    first = council.month.first.isoformat()

    async def run():
        response = await stack.send("POST", "invoicing", "/contribution-charges/runs", FINANCE_OFFICER,
                                    json={"period_start": first})
        if response.status_code == 409:
            return None  # the job's round holds the lock: try again
        if response.status_code not in (200, 201):
            raise StackError(f"charging the month's contributions: {response.status_code} {response.text[:300]}")
        return response.json()

    done.run = await until(run, what=f"a contribution-charge run for the period from {first}", interval=2)
    marked = [p for p in council.people if p.charged]
    for person in marked:
        await until(lambda ref=person.ref: _charges(stack, ref, first),
                    what=f"the month's contribution charge of {person.ref}")

    async def exported():
        """The export that took this month's charges, when one did (an answer lost on the way back)."""
        rows = await _charges(stack, marked[0].ref, first)
        latest = max(rows, key=lambda r: r["revision"], default=None)
        return {"export_id": latest["exported_in"]} if latest and latest["exported_in"] else None

    response = await stack.send("POST", "invoicing", "/contribution-charges/exports", FINANCE_OFFICER, find=exported)
    if response.status_code in (200, 201):
        answer = response.json()
    elif response.status_code == 409 and (answer := await exported()):  # nothing_to_export
        pass  # already exported by the lost attempt
    else:
        raise StackError(f"exporting contribution charges: {response.status_code} {response.text[:300]}")
    done.export_id = answer["export_id"]
    done.count, done.total_pence = answer.get("count", 0), answer.get("total_pence", 0)
    target = folder / "contributions"
    target.mkdir(parents=True, exist_ok=True)
    for name, filename in FILES.items():
        path = f"/contribution-charges/exports/{done.export_id}/{filename}"
        got = await stack.send("GET", "invoicing", path, FINANCE_OFFICER)
        if got.status_code != 200:
            raise StackError(f"downloading {path}: {got.status_code} {got.text[:300]}")
        saved = target / filename
        saved.write_bytes(got.content)
        done.files[name] = saved
    return done
