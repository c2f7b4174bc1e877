"""From a person's request to care in force: request → assessment → budget → mechanism → approval
(requests), then the agreement the approval drafted, completed and activated by brokerage, or the
direct payment completed by finance and agreed by a second person (agreements)."""
from __future__ import annotations

from shared.demo.client import BROKER, FINANCE_APPROVER, FINANCE_OFFICER, SOCIAL_WORKER, TEAM_MANAGER, Stack, until
from shared.demo.council import Council, Person
from shared.demo.ledger import Ledger

SERVICE = {"home_care": "home_care", "residential": "residential", "isf": "supported_living",
           "direct_payment": "home_care"}
MECHANISM = {"home_care": "council_arranged", "residential": "council_arranged", "isf": "isf",
             "direct_payment": "direct_payment"}
NEEDS = {"home_care": ["help with washing and dressing", "meals"], "residential": ["24-hour care"],
         "isf": ["support to live independently"], "direct_payment": ["a personal assistant of my choosing"]}
LATER = ("submitted", "assessed", "budget_agreed", "mechanism_chosen", "approved", "active")


async def approved_request(stack: Stack, council: Council, ledger: Ledger, person: Person) -> str:
    """The person's request, taken through every step to approval (steps already taken are skipped).

    A team manager first allocates the person to the social worker and the brokerage officer: their
    only access to the person (allocating the worker already allocated changes nothing)."""
    for worker in (SOCIAL_WORKER, BROKER):
        await stack.json("PUT", "requests", f"/people/{person.ref}/allocation", TEAM_MANAGER, json={
            "worker_id": worker.subject, "worker_role": worker.role, "reason": "demo caseload"})

    async def mine():
        listed = await stack.get("requests", "/requests", SOCIAL_WORKER, person_ref=person.ref)
        return listed[0] if listed else None

    found = await mine()
    if found is None:
        found = await stack.json("POST", "requests", "/requests", SOCIAL_WORKER, find=mine, json={
            "person_ref": person.ref, "requested_by": "social_worker", "requested_start": council.month.first.isoformat(),
            "needs": NEEDS[person.care], "service_type": SERVICE[person.care],
            "personal_details": {"name": person.name, "address": person.address}})
    request_id = ledger.request_ids[person.ref] = found["request_id"]
    provider_id = ledger.provider_ids[person.provider_key] if person.provider_key else None
    steps = [
        ("assess", SOCIAL_WORKER, {"eligible": True, "service_type": SERVICE[person.care], "needs": NEEDS[person.care],
                                   "outcomes": ["stay safe and well", "choice and control"]}),
        ("budget", SOCIAL_WORKER, {"weekly_budget_pence": person.weekly_budget_pence,
                                   "weekly_contribution_pence": person.weekly_contribution_pence}),
        ("mechanism", SOCIAL_WORKER, {"mechanism": mechanism_of(person), "nominee": person.nominee,
                                      "preferred_provider_id": None if person.managed_dp else provider_id}),
        ("approve", BROKER, {"reason": "agreed at the care panel"}),
    ]
    status = found["status"]
    for n, (route, who, body) in enumerate(steps):
        if LATER.index(status) > n:
            continue

        async def past(n=n):
            now = await stack.get("requests", f"/requests/{request_id}", SOCIAL_WORKER)
            return now if LATER.index(now["status"]) > n else None

        status = (await stack.step("requests", f"/requests/{request_id}/{route}", who, body, done=past))["status"]
    return request_id


def mechanism_of(person: Person) -> str:
    """Home care bought from a council-managed direct payment is chosen as a direct payment."""
    return "direct_payment" if person.managed_dp else MECHANISM[person.care]


async def drafted(stack: Stack, ledger: Ledger, person: Person) -> dict:
    """What agreements drafted from the approval (an agreement, or a direct payment)."""
    request_id = ledger.request_ids[person.ref]
    path = "/direct-payments" if mechanism_of(person) == "direct_payment" else "/agreements"

    async def draft():
        found = await stack.get("agreements", path, BROKER, request_id=request_id)
        return next((d for d in found if d["status"] != "cancelled"), None)

    found = await until(draft, what=f"agreements to draft the approved request {request_id} of {person.ref}")
    ledger.agreement_ids[person.ref] = found["agreement_id"]
    return found


def terms(council: Council, ledger: Ledger, person: Person) -> dict:
    provider = council.provider(person.provider_key)  # type: ignore[arg-type]
    weekdays = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    body = {"provider_id": ledger.provider_ids[provider.key], "start": council.month.first.isoformat(),
            "rate_card_id": ledger.rate_cards[provider.key][0]}
    if person.care == "home_care":
        return {**body, "payment_basis": "actuals", "cycle": provider.cycle, "visit_rules": {"rounding": provider.rounding},
                "schedule": [{"weekday": weekdays[s.weekday], "start_time": s.start, "duration_minutes": s.minutes,
                              "carers_required": s.carers} for s in person.schedule]}
    # A plan that ends in the month carries its end from the start: the hourly scheduled-invoice job
    # must never find it open-ended and invoice the whole month before the death is recorded. A death
    # told late is not known yet: the ISF is advanced as if the person lived (isf.death_told_late).
    end = {"end": person.died_on.isoformat()} if person.died_on and not person.death_notified_late else {}
    return {**body, **end, "payment_basis": "plan", "cycle": "four_weekly", "weekly_units": str(person.weekly_units)}


async def in_force(stack: Stack, council: Council, ledger: Ledger, person: Person) -> None:
    """The draft completed with the provider, dates, rates and schedule, and activated."""
    draft = await drafted(stack, ledger, person)
    agreement_id = draft["agreement_id"]
    if draft["status"] == "draft":
        await stack.json("PUT", "agreements", f"/agreements/{agreement_id}", BROKER, json=terms(council, ledger, person))

        async def active():
            now = await stack.get("agreements", f"/agreements/{agreement_id}", BROKER)
            return now if now["status"] != "draft" else None

        await stack.step("agreements", f"/agreements/{agreement_id}/activate", BROKER,
                         {"reason": "provider accepted the package"}, done=active)


async def direct_payment(stack: Stack, council: Council, ledger: Ledger, person: Person, payee: dict) -> None:
    """Finance enters the payee account; a second person agrees the payment."""
    draft = await drafted(stack, ledger, person)
    agreement_id = draft["agreement_id"]
    if draft["status"] != "draft":
        return
    await stack.json("PUT", "agreements", f"/direct-payments/{agreement_id}", FINANCE_OFFICER,
                     json={"nominee": person.nominee, "payee_account": payee, "start": council.month.first.isoformat()})

    async def agreed():
        now = await stack.get("agreements", f"/direct-payments/{agreement_id}", FINANCE_OFFICER)
        return now if now["status"] != "draft" else None

    await stack.step("agreements", f"/direct-payments/{agreement_id}/agree", FINANCE_APPROVER,
                     {"reason": "support plan signed; account checked"}, done=agreed)


async def changed(stack: Stack, agreement_id: str, route: str, body: dict, *, already) -> dict:
    """A change to an agreement in force, unless `already(agreement)` says it was made."""
    now = await stack.get("agreements", f"/agreements/{agreement_id}", BROKER)
    if already(now):
        return now

    async def done():
        again = await stack.get("agreements", f"/agreements/{agreement_id}", BROKER)
        return again if already(again) else None

    return await stack.step("agreements", f"/agreements/{agreement_id}/{route}", BROKER, body, done=done)


async def life_events(stack: Stack, council: Council, ledger: Ledger) -> None:
    """The month's changes, told to agreements as brokerage hears of them: the provider's new rates
    from a Wednesday, a hospital admission (suspended, then resumed), and deaths."""
    for person in council.people:
        agreement_id = ledger.agreement_ids.get(person.ref)
        provider = council.provider(person.provider_key) if person.provider_key else None
        if agreement_id is None or provider is None:
            continue
        if provider.rate_change and person.care == "home_care":
            wednesday = provider.rate_change[0]
            await changed(stack, agreement_id, "variations", {
                "effective_from": wednesday.isoformat(), "reason": "provider's new rates from the Wednesday",
                "rate_card_id": ledger.rate_cards[provider.key][1]},
                already=lambda a, d=wednesday: any(t["effective_from"] == d.isoformat() for t in a["terms"]))
        if person.hospital:
            admitted, back = person.hospital
            await changed(stack, agreement_id, "suspend", {
                "suspended_from": person.suspended_from.isoformat(), "reason": "hospital",
                "note": f"admitted to hospital on {admitted:%d %b}"}, already=lambda a: a["suspensions"])
            await changed(stack, agreement_id, "resume", {"resumed_on": back.isoformat(), "note": "home again"},
                          already=lambda a: a["suspensions"] and a["suspensions"][-1]["resumed_on"])
        if person.died_on and not person.death_notified_late:
            await ended_by_death(stack, agreement_id, person, "notified by the family")


async def ended_by_death(stack: Stack, agreement_id: str, person: Person, note: str) -> dict:
    return await changed(stack, agreement_id, "end", {"end": person.died_on.isoformat(), "reason": "death",
                                                      "note": note}, already=lambda a: a["status"] == "ended")


def payee_of(person: Person) -> dict:
    digits = f"{(person.index * 7919 + 12345) % 10**8:08d}"
    holder = person.name.upper() if person.nominee != "third_party" else f"BROKERAGE FOR {person.name.upper()}"
    return {"sort_code": "309634", "account_number": digits, "account_name": holder[:18]}


async def bought_from_managed_account(stack: Stack, council: Council, ledger: Ledger, person: Person) -> None:
    """The council, as nominee, holds the person's direct payment and contracts their home care with a
    provider, funded by the managed account (`funding: managed_account`), activated by brokerage."""
    await direct_payment(stack, council, ledger, person, payee_of(person))
    dp_id = ledger.dp_ids[person.ref] = ledger.agreement_ids[person.ref]

    async def mine():
        listed = await stack.get("agreements", "/agreements", BROKER, person_ref=person.ref)
        return next((a for a in listed if a.get("direct_payment_id") == dp_id and a["status"] != "cancelled"), None)

    agreement = await mine() or await stack.json("POST", "agreements", "/agreements", BROKER, find=mine, json={
        **terms(council, ledger, person), "person_ref": person.ref, "service_type": "home_care",
        "funding": "managed_account", "direct_payment_id": dp_id})
    agreement_id = ledger.agreement_ids[person.ref] = agreement["agreement_id"]
    if agreement["status"] == "draft":
        async def active():
            now = await stack.get("agreements", f"/agreements/{agreement_id}", BROKER)
            return now if now["status"] != "draft" else None

        await stack.step("agreements", f"/agreements/{agreement_id}/activate", BROKER,
                         {"reason": "provider accepted the package; paid from the managed account"}, done=active)


async def care_started(stack: Stack, council: Council, ledger: Ledger, person: Person) -> None:
    if person.managed_dp:
        await bought_from_managed_account(stack, council, ledger, person)
    elif person.care == "direct_payment":
        await direct_payment(stack, council, ledger, person, payee_of(person))
    else:
        await in_force(stack, council, ledger, person)
