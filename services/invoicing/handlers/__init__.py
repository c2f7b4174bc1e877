"""What invoicing consumes, one module per topic (named after the service that produces it):
`agreements` (agreements.events), `delivery` (delivery.events), `queries` (queries.events),
`payments` (payments.events), `requests` (requests.events: the person's contribution)."""
from services.invoicing.handlers.agreements import AGREEMENTS
from services.invoicing.handlers.delivery import DELIVERY
from services.invoicing.handlers.payments import PAYMENTS
from services.invoicing.handlers.queries import QUERIES
from services.invoicing.handlers.requests import REQUESTS

CONSUMERS = [AGREEMENTS, DELIVERY, QUERIES, PAYMENTS, REQUESTS]
