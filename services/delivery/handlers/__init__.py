"""Events in, one module per topic consumed: agreements.events, ecm.visits, queries.events."""
from services.delivery.handlers.agreements import AGREEMENTS
from services.delivery.handlers.ecm import ECM
from services.delivery.handlers.queries import QUERIES

CONSUMERS = [AGREEMENTS, ECM, QUERIES]
