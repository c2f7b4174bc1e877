"""Events payments consumes, one module per topic: what is payable (`invoicing`, invoicing.events),
whether it is disputed (`queries`, queries.events), and who is paid where (`agreements`:
agreements.events, and agreements.payee-accounts - the bank details only payments reads). Each
handler records payments' own copy inside the batch transaction.

Never log bank details or names: identifiers only.
"""
from services.payments.handlers.agreements import AGREEMENTS, PAYEE_ACCOUNTS
from services.payments.handlers.invoicing import INVOICES
from services.payments.handlers.queries import DISPUTES

CONSUMERS = [INVOICES, DISPUTES, AGREEMENTS, PAYEE_ACCOUNTS]
