"""Every topic reporting reads, one consumer each (see the handlers_* modules)."""
from __future__ import annotations

from services.reporting.handlers_agreements import AGREEMENTS
from services.reporting.handlers_delivery import DELIVERY
from services.reporting.handlers_invoicing import INVOICING, PAYMENTS
from services.reporting.handlers_queries import QUERIES
from services.reporting.handlers_requests import REQUESTS

# The order a rebuild replays them in: what others refer to first (it gives the same figures in
# any order, but moves fewer facts this way).
CONSUMERS = [REQUESTS, AGREEMENTS, DELIVERY, INVOICING, PAYMENTS, QUERIES]
