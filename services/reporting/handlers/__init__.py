"""Every topic reporting reads, one consumer each (a module per producing service)."""
from __future__ import annotations

from services.reporting.handlers.agreements import AGREEMENTS
from services.reporting.handlers.delivery import DELIVERY
from services.reporting.handlers.invoicing import INVOICING
from services.reporting.handlers.payments import PAYMENTS
from services.reporting.handlers.queries import QUERIES
from services.reporting.handlers.requests import REQUESTS

# The order a rebuild replays them in: what others refer to first (it gives the same figures in
# any order, but moves fewer facts this way).
CONSUMERS = [REQUESTS, AGREEMENTS, DELIVERY, INVOICING, PAYMENTS, QUERIES]
