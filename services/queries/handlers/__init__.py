"""What queries consumes, one module per topic: the subjects a query can be about (owner facts
only) and the results of the effects queries asked for."""
from services.queries.handlers.agreements import AGREEMENTS
from services.queries.handlers.delivery import DELIVERY
from services.queries.handlers.invoicing import INVOICING
from services.queries.handlers.payments import PAYMENTS

CONSUMERS = [AGREEMENTS, DELIVERY, INVOICING, PAYMENTS]
