"""Queries: a provider disputes a self-billed invoice (it is held, then resolved with a credit note by
finance: above the second-person threshold a finance approver approves it), and a person asks about a
visit nobody came to (answered: it was not paid)."""
from __future__ import annotations

from typing import Any

from shared.demo.client import FINANCE_APPROVER, FINANCE_OFFICER, Stack, StackError, Who, person as as_person, provider as as_provider, until
from shared.demo.council import Council
from shared.demo.ledger import Dispute, Ledger

ORDER = ("open", "acknowledged", "investigating", "awaiting_approval", "resolved", "closed")


async def raised(stack: Stack, who: Who, body: dict[str, Any]) -> dict:
    """The query `who` raised about the subject (raised now, or found raised before)."""
    async def mine():
        found = await stack.get("queries", "/queries", who, status=list(ORDER), subject_kind=body["subject_kind"],
                                subject_id=body["subject_id"], category=body["category"])
        return found[0] if found else None

    earlier = await mine()
    if earlier:
        return earlier

    async def accepted():
        # 404 subject_not_found until queries has heard of the subject from its owning service
        response = await stack.send("POST", "queries", "/queries", who, json=body, find=mine)
        if response.status_code in (200, 201):
            return response.json()
        if response.status_code == 404 and response.json().get("code") == "subject_not_found":
            return None
        raise StackError(f"raising a query about {body['subject_id']}: {response.status_code} {response.text[:300]}")

    return await until(accepted, what=f"queries to know {body['subject_kind']} {body['subject_id']}")


async def advanced(stack: Stack, query_id: str, action: str, who: Who, body: dict | None = None) -> dict:
    """One step of the query unless it is already past it."""
    # Resolving with money above the threshold only proposes it: past "resolve" once awaiting approval.
    target = {"acknowledge": "acknowledged", "investigate": "investigating", "resolve": "awaiting_approval",
              "outcome/approve": "resolved", "close": "closed"}.get(action)

    async def past():
        now = await stack.get("queries", f"/queries/{query_id}", FINANCE_OFFICER)
        if target is None:
            return now if action == "rate" and now["rating"] else None
        return now if now["status"] in ORDER and ORDER.index(now["status"]) >= ORDER.index(target) else None

    return await stack.step("queries", f"/queries/{query_id}/{action}", who, body, done=past)


async def dispute_and_credit(stack: Stack, council: Council, ledger: Ledger, invoice_id: str) -> Dispute:
    """The provider disputes one visit on its self-billed invoice; finance agrees and credits it."""
    invoice = await stack.get("invoicing", f"/invoices/{invoice_id}", FINANCE_OFFICER)
    line = invoice["lines"][0]
    dispute = ledger.dispute = Dispute(invoice_id, line["visit_id"], line["carer_id"], credit_pence=line["amount_pence"])
    provider = as_provider(invoice["provider_id"])
    query = await raised(stack, provider, {
        "subject_kind": "invoice", "subject_id": invoice_id, "category": "wrong_charge", "disputes_invoice": True,
        "description": f"Visit {line['visit_id']} on {line['first_day']} was logged against the wrong client: "
                       "please do not pay it."})
    dispute.query_id = query["query_id"]

    async def held():
        now = await stack.get("invoicing", f"/invoices/{invoice_id}", FINANCE_OFFICER)
        return now if any(d["query_id"] == dispute.query_id for d in now["disputes"]) else None

    await until(held, what=f"invoicing to hold invoice {invoice_id} while it is disputed")
    await advanced(stack, dispute.query_id, "acknowledge", FINANCE_OFFICER)
    await advanced(stack, dispute.query_id, "investigate", FINANCE_OFFICER)
    await advanced(stack, dispute.query_id, "resolve", FINANCE_OFFICER, {
        "outcome": {"kind": "credit_note", "amount_pence": dispute.credit_pence},
        "summary": "Agreed: the visit is credited in full."})
    now = await stack.get("queries", f"/queries/{dispute.query_id}", FINANCE_OFFICER)
    if now["status"] == "awaiting_approval":  # above the second-person threshold: another finance user approves
        await advanced(stack, dispute.query_id, "outcome/approve", FINANCE_APPROVER,
                       {"reason": "Checked the visit log: the visit was not for this client."})

    async def credited():
        now = await stack.get("queries", f"/queries/{dispute.query_id}", FINANCE_OFFICER)
        effect = now["effect"]
        if effect and effect["status"] == "failed":
            raise StackError(f"the credit note for query {dispute.query_id} failed: {effect['failure_reason']}")
        return effect["result_ref"] if effect and effect["status"] == "completed" else None

    dispute.credit_note_id = await until(credited, what=f"invoicing to issue the credit note of query {dispute.query_id}")
    await until(lambda: _approved(stack, invoice_id), what=f"invoice {invoice_id} to be approved again, undisputed")
    await advanced(stack, dispute.query_id, "close", provider)
    await advanced(stack, dispute.query_id, "rate", provider, {"rating": 4})
    return dispute


async def _approved(stack: Stack, invoice_id: str) -> dict | None:
    now = await stack.get("invoicing", f"/invoices/{invoice_id}", FINANCE_OFFICER)
    return now if now["status"] == "approved" and all(d["closed_on"] for d in now["disputes"]) else None


async def missed_visit_query(stack: Stack, council: Council, ledger: Ledger) -> str:
    """The person whose visit was missed asks about it; the officer answers and the person closes it."""
    person = next(p for p in council.people if p.missed_query)
    week = council.month.weeks[1]
    who = as_person(person.ref)
    query = await raised(stack, who, {
        "subject_kind": "period_actuals", "subject_id": f"{ledger.agreement_ids[person.ref]}/{week}",
        "category": "missed_or_late_visit",
        "description": f"Nobody came on Tuesday morning ({council.month.day(1, 1):%d %b}). I waited all morning."})
    query_id = ledger.missed_query_id = query["query_id"]
    await advanced(stack, query_id, "acknowledge", FINANCE_OFFICER)
    await advanced(stack, query_id, "investigate", FINANCE_OFFICER)
    await advanced(stack, query_id, "resolve", FINANCE_OFFICER, {
        "outcome": {"kind": "no_change"},
        "summary": "The visit was missed. It was not paid, and the provider has been asked why."})
    await advanced(stack, query_id, "close", who)
    await advanced(stack, query_id, "rate", who, {"rating": 3})
    return query_id
