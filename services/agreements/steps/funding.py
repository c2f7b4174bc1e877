"""Checking, against the direct payment it names, that an agreement may be funded as asked."""
from __future__ import annotations

import asyncpg

from contracts.common import Funding
from services.agreements.domain.funding import check_managed_funding
from services.agreements.store import direct_payments as store_direct_payments


async def check_funding(conn: asyncpg.Connection, person_ref: str, funding: Funding,
                        direct_payment_id: str | None) -> None:
    """Conflict naming `direct_payment_id` and why, unless the funding can be given (domain.funding)."""
    payment = None
    if funding is Funding.MANAGED_ACCOUNT and direct_payment_id is not None:
        payment = await store_direct_payments.get(conn, direct_payment_id)
    check_managed_funding(funding, direct_payment_id, person_ref, payment)
