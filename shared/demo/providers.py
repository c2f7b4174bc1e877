"""Providers join the register: CQC IDs, bank details checked by a second person (and one change of
bank details, checked again), self-billing agreements and rate cards (one provider's rates go up on
a Wednesday in the middle of the month)."""
from __future__ import annotations

from datetime import timedelta

from shared.demo.client import BROKER, FINANCE_APPROVER, FINANCE_OFFICER, Stack, until
from shared.demo.council import Council, Provider
from shared.demo.ledger import Ledger


async def register(stack: Stack, council: Council, ledger: Ledger, provider: Provider) -> None:
    """Registered, bank details verified (changed and verified again for some), rate cards published."""
    body = {"name": provider.name, "cqc_provider_id": provider.cqc_provider_id,
            "cqc_location_ids": [provider.cqc_location_id], "service_types": [provider.service_type],
            "bank_account": provider.bank.body(),
            "self_billing": {"in_place": provider.self_billing,
                             "agreed_on": (council.month.first - timedelta(days=90)).isoformat()
                             if provider.self_billing else None}}

    async def find():
        return await registered(stack, provider)

    response = await stack.send("POST", "agreements", "/providers", FINANCE_OFFICER, json=body, find=find)
    found = response.json() if response.status_code in (200, 201) else await find()
    if found is None:
        raise RuntimeError(f"could not register {provider.name}: {response.status_code} {response.text[:500]}")
    pid = ledger.provider_ids[provider.key] = found["provider_id"]
    await verify_pending(stack, pid, f"first bank details of {provider.name}")
    if provider.new_bank is not None:
        details = await stack.get("agreements", f"/providers/{pid}", FINANCE_OFFICER)
        if details["bank_details"]["verified_account"] != "****" + provider.new_bank.account_number[-4:]:
            async def pending():
                now = await stack.get("agreements", f"/providers/{pid}", FINANCE_OFFICER)
                return now if now["bank_details"]["pending_change_id"] else None

            await stack.json("POST", "agreements", f"/providers/{pid}/bank-details", FINANCE_OFFICER,
                             json=provider.new_bank.body(), ok=(200, 202), find=pending)
            await verify_pending(stack, pid, f"new bank details of {provider.name}")
    await rate_cards(stack, council, ledger, provider)


async def registered(stack: Stack, provider: Provider) -> dict | None:
    """The provider as registered, found by its CQC provider ID (None when it is not yet)."""
    listed = await stack.get("agreements", "/providers", FINANCE_OFFICER, cqc_provider_id=provider.cqc_provider_id)
    return listed[0] if listed else None


async def verify_pending(stack: Stack, provider_id: str, what: str) -> None:
    """The second person verifies the change waiting for them (a maker cannot check their own)."""
    details = await stack.get("agreements", f"/providers/{provider_id}", FINANCE_OFFICER)
    change = details["bank_details"]["pending_change_id"]
    if change is None:
        return  # verified already (a retried run)

    async def verified():
        now = await stack.get("agreements", f"/providers/{provider_id}", FINANCE_OFFICER)
        return now if now["bank_details"]["status"] == "verified" else None

    await stack.step("agreements", f"/providers/{provider_id}/bank-details/{change}/verify", FINANCE_APPROVER,
                     {"reason": f"{what}: confirmed by phone with the provider's finance director"}, done=verified)


async def rate_cards(stack: Stack, council: Council, ledger: Ledger, provider: Provider) -> None:
    pid = ledger.provider_ids[provider.key]
    cards = [(council.month.first - timedelta(days=120), provider.rates())]
    if provider.rate_change:
        on, hourly, weekend = provider.rate_change
        cards.append((on, provider.rates(hourly, weekend)))
    existing = await stack.get("agreements", f"/providers/{pid}/rate-cards", BROKER)
    ids = []
    for effective_from, rates in cards:
        mine = next((c for c in existing if c["effective_from"] == effective_from.isoformat()), None)
        if mine is None:
            async def published(day=effective_from.isoformat()):
                cards = await stack.get("agreements", f"/providers/{pid}/rate-cards", BROKER)
                return next((c for c in cards if c["effective_from"] == day), None)

            mine = await stack.json("POST", "agreements", f"/providers/{pid}/rate-cards", BROKER, json={
                "service_type": provider.service_type, "effective_from": effective_from.isoformat(), "rates": rates},
                find=published)
        ids.append(mine["rate_card_id"])
    ledger.rate_cards[provider.key] = ids


async def payable_in_payments(stack: Stack, ledger: Ledger, provider: Provider) -> None:
    """Payments has heard the verified account (the new one, after a change) and may pay the provider."""
    account = (provider.new_bank or provider.bank).account_number
    pid = ledger.provider_ids[provider.key]

    async def payable():
        response = await stack.send("GET", "payments", f"/payees/{pid}", FINANCE_OFFICER)
        payee = response.json() if response.status_code == 200 else None
        return payee if payee and payee["payable"] and payee["account"] == "****" + account[-4:] else None

    await until(payable, what=f"payments to hold the verified bank account of {provider.name} ({pid})")
