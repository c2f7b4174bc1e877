"""A week of call monitoring through delivery, and its confirmation by each provider.

Delivery must know every agreement as it now stands (rates varied, suspension, end) before records
arrive; after sending, the demo waits until each agreement's week shows every attendance as last
sent, then the provider confirms the week (once the week is over, exactly once).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from shared.demo.attendance import Attendance
from shared.demo.client import OPS, Stack, StackError, provider as as_provider, until
from shared.demo.council import Council, Person
from shared.demo.ledger import Ledger

NEVER_A_LINE = frozenset({"missing_carer_id", "check_out_before_check_in", "unknown_service_user", "after_death"})


def payable_days(council: Council, person: Person) -> list[date]:
    """The days the person's agreement is in force and not suspended (what delivery plans visits on)."""
    days = [d for d in council.month.days() if not (person.died_on and d > person.died_on)]
    if person.hospital:
        days = [d for d in days if not (person.suspended_from <= d < person.hospital[1])]
    return days


def planned_count(council: Council, person: Person, week: date) -> int:
    return sum(1 for d in payable_days(council, person) if week <= d < week + timedelta(days=7)
               for s in person.schedule if s.weekday == d.weekday())


async def delivery_knows(stack: Stack, council: Council, ledger: Ledger, person: Person) -> None:
    """Delivery plans the person's visits as the agreement now stands, week by week (and prices the
    varied days at the new rate)."""
    agreement_id = ledger.agreement_ids[person.ref]
    provider = council.provider(person.provider_key)  # type: ignore[arg-type]

    async def planned_as_agreed():
        for week in council.month.weeks:
            response = await stack.send("GET", "delivery", f"/agreements/{agreement_id}/periods/{week}", OPS)
            if response.status_code != 200 or len(response.json()["planned_visits"]) != planned_count(council, person, week):
                return None
            if provider.rate_change and week == council.month.weeks[1]:
                wednesday = provider.rate_change[0].isoformat()
                rates = {v["rate_pence_per_hour"] for v in response.json()["planned_visits"]
                         if v["visit_key"].split("/")[1] == wednesday}
                if rates and provider.rate_change[1] not in rates:
                    return None
        return True

    await until(planned_as_agreed, what=f"delivery to plan the visits of agreement {agreement_id} ({person.ref}) "
                                        "as it now stands")


def expected_lines(records: list[Attendance]) -> dict[tuple[str, str], int | None]:
    """(visit_id, carer_id) -> actual minutes of the record that counts (the last one sent)."""
    out: dict[tuple[str, str], int | None] = {}
    for a in records:
        if a.fault in NEVER_A_LINE:
            continue
        minutes = int((a.check_out - a.check_in).total_seconds() // 60) if a.check_in and a.check_out else None
        out[(a.visit_id, a.carer_id)] = minutes
    return out


async def week_processed(stack: Stack, agreement_id: str, week: date, expected: dict) -> dict:
    """The agreement's week once delivery shows every attendance expected, as last sent."""
    waiting: dict = {}

    async def shown():
        period = await stack.get("delivery", f"/agreements/{agreement_id}/periods/{week}", OPS)
        lines = {(line["visit_id"], line["carer_id"]): line["actual_minutes"] for line in period["lines"]}
        waiting.clear()
        waiting.update({k: (lines.get(k, "absent"), v) for k, v in expected.items() if lines.get(k, "absent") != v})
        return period if not waiting else None

    try:
        return await until(shown, what=f"delivery to verify the {len(expected)} attendance(s) sent for "
                                       f"{agreement_id} in the week of {week}")
    except StackError as exc:
        raise StackError(f"{exc}; (visit, carer): (minutes shown, minutes sent) still differ: "
                         f"{dict(list(waiting.items())[:5])}") from None


async def confirmed_week(stack: Stack, ledger: Ledger, agreement_id: str, provider_id: str, week: date) -> dict:
    """The provider confirms the week; a week already confirmed (a retry, or the auto-confirm job) is kept."""
    who = as_provider(provider_id)
    path = f"/agreements/{agreement_id}/periods/{week}"
    response = await stack.send("POST", "delivery", f"{path}/confirm", who)
    if response.status_code == 200:
        period = response.json()
    elif response.status_code == 409:
        period = await stack.get("delivery", path, who)
        if period["status"] != "confirmed":
            raise StackError(f"confirming {agreement_id} week {week}: {response.text[:300]}")
    else:
        raise StackError(f"confirming {agreement_id} week {week}: {response.status_code} {response.text[:300]}")
    ledger.confirmed[(agreement_id, week)] = period
    return period


async def confirm_week(stack: Stack, council: Council, ledger: Ledger, person: Person, week: int,
                       records: list[Attendance]) -> None:
    monday = council.month.weeks[week]
    if person.died_on and person.died_on < monday:
        return  # nothing to confirm after the agreement ended
    agreement_id = ledger.agreement_ids[person.ref]
    mine = [a for a in records if a.person_ref == person.ref and a.week == week]
    await week_processed(stack, agreement_id, monday, expected_lines(mine))
    await confirmed_week(stack, ledger, agreement_id, ledger.provider_ids[person.provider_key], monday)


async def every_page(stack: Stack, path: str, **params: Any) -> list[dict]:
    """Every item of one of delivery's lists, page by page (its `Link: <…>; rel="next"`)."""
    items: list[dict] = []
    query: dict[str, Any] = {**params, "limit": 500}
    while True:
        response = await stack.send("GET", "delivery", path, OPS, params=query)
        if response.status_code != 200:
            raise StackError(f"GET delivery{path}: {response.status_code} {response.text[:300]}")
        items += response.json()
        following = response.links.get("next")
        if following is None:
            return items
        query = dict(httpx.URL(following["url"]).params)


async def reject_after_death(stack: Stack, council: Council, ledger: Ledger, records: list[Attendance]) -> None:
    """An officer rejects what was logged after a death: held as unallocated, never paid."""
    for person in council.people:
        logged = {(a.visit_id, a.carer_id) for a in records if a.person_ref == person.ref and a.fault == "after_death"}
        if not logged:
            continue
        provider = council.provider(person.provider_key)  # type: ignore[arg-type]

        async def held(person=person, provider=provider, logged=logged):
            found = await every_page(stack, "/visits/unallocated", provider_id=ledger.provider_ids[provider.key],
                                     status="all")
            items = [i for i in found if i["service_user_ref"] == person.ref]
            return items if {(i["visit_id"], i["carer_id"]) for i in items} >= logged else None

        for item in await until(held, what=f"the visits logged after {person.ref} died to be held as unallocated"):
            if item["resolution"] is not None:
                continue
            record_id = item["record_id"]
            response = await stack.send("POST", "delivery", f"/visits/unallocated/{record_id}/reject", OPS, json={
                "reason": f"{person.ref} died on {person.died_on:%d %b %Y}: nothing after that is payable"})
            if response.status_code not in (200, 404, 409):
                raise StackError(f"rejecting unallocated record {record_id}: {response.text[:300]}")
            ledger.rejected_unallocated.append(record_id)
