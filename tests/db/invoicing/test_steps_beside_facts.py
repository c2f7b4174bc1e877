"""Officer steps, corrections and closed disputes taken beside the facts and invoices they are checked
against, each in its own transaction, as two consumers (or a consumer and an officer) take them: whichever
commits first, neither misses the other, and nothing is left held on facts that no longer stand.
The handlers run in this process against Postgres alone (a fresh copy of the invoicing schema)."""
from __future__ import annotations

import pytest

from contracts import agreements as ag
from contracts import queries as qu
from contracts.envelope import Actor
from shared.consumer import BatchContext, Context
from shared.records import Incoming
from shared.events import Cause
from shared.outbox import Outbox
from shared.testing import DatabaseOnly
from services.invoicing.handlers import agreements as handlers_agreements
from services.invoicing.handlers import delivery as handlers_delivery
from services.invoicing.handlers import queries as handlers_queries
from services.invoicing.steps import decisions as officer_steps
from services.invoicing.steps import receiving
from services.invoicing.store import facts as store_facts
from services.invoicing.domain.commitments import CommitmentOnFile
from services.invoicing.domain.provider_invoices import ProviderInvoiceSubmission, SubmittedLine
from tests.conftest import unique
from tests.integration.foundation.helpers import side_by_side
from tests.integration.invoicing.invoicing_helpers import MONDAY, TODAY, agreement_and_confirmed_week, incoming

pytestmark = pytest.mark.db
CAUSE = Cause("test-steps-beside-facts", None, Actor(id="test:steps-beside-facts", role="system"))
OFFICER = Actor(id="test:officer", role="finance_officer")
OUTBOX = Outbox("invoicing", "demo-council")


def ctx(message: Incoming) -> Context:
    """What a handler is given beside its event, as its consumer gives it, with the service's outbox."""
    return Context(message.envelope, OUTBOX, message)


@pytest.fixture
async def pool():
    async with DatabaseOnly("invoicing") as db:
        yield db.pool


async def _provider_with_a_confirmed_week(pool, *, bank_verified: bool = True) -> tuple[str, str, str]:
    """A provider that sends its own invoices, an agreement on file and a week of three £24.00 visits confirmed."""
    pid = unique("PRV")
    activated, confirmed, aid, person = agreement_and_confirmed_week(pid, CAUSE)
    async with pool.acquire() as conn, conn.transaction():
        await store_facts.keep_provider(conn, pid, self_billing=False, bank_details_verified=bank_verified)
        await handlers_agreements.on_agreement(conn, activated.event, ctx(activated))
        await store_facts.keep_commitments(conn, person, MONDAY, {aid: CommitmentOnFile(10_000)})
        await handlers_delivery.on_delivery_batch(conn, [confirmed], BatchContext(OUTBOX, handlers_delivery.DELIVERY))
    return pid, aid, person


async def _invoice_of_the_week(conn, pid: str, aid: str, person: str, number: str) -> str:
    line = SubmittedLine(aid, person, 7200, week_commencing=MONDAY)
    filed = await receiving.receive(conn, OUTBOX, CAUSE, Actor(id=f"test:{pid}", role="provider"),
                                    ProviderInvoiceSubmission(pid, number, TODAY, (line,)), source="json")
    return filed.invoice.invoice_id


async def _state(pool, invoice_id: str) -> tuple[str, list[str]]:
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT status, hold_codes FROM invoices WHERE invoice_id = $1", invoice_id)
    return row["status"], list(row["hold_codes"])


@pytest.mark.parametrize("first", ["void", "resubmission"])
async def test_an_invoice_sent_again_while_the_first_is_voided_is_not_held_as_already_invoiced(pool, first):
    """Void an invoice and, side by side, the provider sends the same week again: the new one is approved
    whichever commits first (it was held 'already invoiced' by the void one, and nothing rechecked it)."""
    pid, aid, person = await _provider_with_a_confirmed_week(pool)
    async with pool.acquire() as conn, conn.transaction():
        sent = await _invoice_of_the_week(conn, pid, aid, person, "A-1")
    assert (await _state(pool, sent))[0] == "approved"

    async def void(conn):
        await officer_steps.void_invoice(conn, OUTBOX, CAUSE, OFFICER, sent, "sent with the wrong amounts")

    async def resubmit(conn):
        return await _invoice_of_the_week(conn, pid, aid, person, "A-2")

    if first == "void":
        _, again = await side_by_side(pool, void, resubmit)
    else:
        again, _ = await side_by_side(pool, resubmit, void)
    assert (await _state(pool, sent))[0] == "void"
    assert await _state(pool, again) == ("approved", []), f"the invoice sent again ({first} first) was left held"


@pytest.mark.parametrize("first", ["verification", "supplementary"])
async def test_a_supplementary_invoice_raised_while_bank_details_are_verified_is_approved(pool, first):
    """A query's supplementary invoice raised beside the verification of the provider's new bank details:
    approved whichever commits first (it was held for unverified bank details, and the verification's
    recheck never saw it)."""
    pid, aid, person = await _provider_with_a_confirmed_week(pool)
    async with pool.acquire() as conn, conn.transaction():
        original = await _invoice_of_the_week(conn, pid, aid, person, "B-1")
        await store_facts.keep_provider(conn, pid, bank_details_verified=False)  # new details await a check
    assert (await _state(pool, original))[0] == "approved"
    verified = incoming(ag.ProviderBankDetailsVerified(provider_id=pid, change_id=unique("CHG")), "agreements", CAUSE)
    requested = incoming(qu.SupplementaryPaymentRequested(
        query_id=unique("QRY"), effect_id=unique("EFF"), provider_id=pid, amount_pence=1_200,
        relates_to_invoice_id=original), "queries", CAUSE)

    async def verify(conn):
        await handlers_agreements.on_bank_details(conn, verified.event, ctx(verified))

    async def supplement(conn):
        await handlers_queries.on_supplementary_requested(conn, requested.event, ctx(requested))

    steps = {"verification": verify, "supplementary": supplement}
    await side_by_side(pool, steps[first], steps["supplementary" if first == "verification" else "verification"])
    async with pool.acquire() as conn:
        [supplementary] = await conn.fetch("SELECT invoice_id FROM invoices WHERE corrects_invoice_id = $1", original)
    assert await _state(pool, supplementary["invoice_id"]) == ("approved", []), \
        f"the supplementary invoice ({first} first) was left held"


async def test_a_fact_arriving_while_an_invoice_is_disputed_is_applied_when_the_dispute_closes(pool):
    """Held for unverified bank details, disputed, the details verified meanwhile (the recheck passes a
    disputed invoice by), the dispute closed: the invoice is checked again and approved, not held as before."""
    pid, aid, person = await _provider_with_a_confirmed_week(pool, bank_verified=False)
    async with pool.acquire() as conn, conn.transaction():
        held = await _invoice_of_the_week(conn, pid, aid, person, "C-1")
    assert await _state(pool, held) == ("held", ["bank_details_not_verified"])
    query = unique("QRY")
    verified = ag.ProviderBankDetailsVerified(provider_id=pid, change_id=unique("CHG"))
    async with pool.acquire() as conn:
        async with conn.transaction():
            opened = incoming(qu.DisputeOpened(query_id=query, invoice_id=held, provider_id=pid), "queries", CAUSE)
            await handlers_queries.on_dispute_opened(conn, opened.event, ctx(opened))
        async with conn.transaction():
            message = incoming(verified, "agreements", CAUSE)
            await handlers_agreements.on_bank_details(conn, message.event, ctx(message))
        assert (await _state(pool, held))[0] == "held"  # still disputed
        async with conn.transaction():
            closed = incoming(qu.DisputeClosed(query_id=query, invoice_id=held, provider_id=pid), "queries", CAUSE)
            await handlers_queries.on_dispute_closed(conn, closed.event, ctx(closed))
    assert await _state(pool, held) == ("approved", []), "the bank details verified during the dispute were not applied"
