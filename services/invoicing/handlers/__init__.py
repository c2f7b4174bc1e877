"""What invoicing consumes, one module per topic (named after the service that produces it):
`agreements` (agreements.events), `delivery` (delivery.events), `queries` (queries.events),
`payments` (payments.events)."""
from services.invoicing.handlers.agreements import AGREEMENTS
from services.invoicing.handlers.delivery import DELIVERY
from services.invoicing.handlers.payments import PAYMENTS
from services.invoicing.handlers.queries import QUERIES

CONSUMERS = [AGREEMENTS, DELIVERY, QUERIES, PAYMENTS]
