"""Business metrics of the invoicing service, on the shared registry.

Counted when the outcome is recorded; a batch retried after a failure may count twice, so read
them as rates, not ledgers (the invoices table is the ledger).
"""
from __future__ import annotations

from prometheus_client import Counter

from shared.metrics import REGISTRY

INVOICE_OUTCOMES = Counter("carepay_invoice_outcomes", "Invoices by kind and outcome (approved, held, released,"
                           " rejected, voided, scheduled, paid, returned).", ["kind", "outcome"], registry=REGISTRY)
INVOICE_HOLDS = Counter("carepay_invoice_holds", "Hold reasons given, by machine-readable code.", ["code"],
                        registry=REGISTRY)
APPROVED_PENCE = Counter("carepay_invoice_approved_pence", "Pence approved for payment, by invoice kind.", ["kind"],
                         registry=REGISTRY)
ISF_RETURNS = Counter("carepay_isf_returns", "ISF returns by outcome (accepted, held, refused) and surplus reclaims"
                      " (reclaimed).", ["outcome"], registry=REGISTRY)
