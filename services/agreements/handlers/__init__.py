"""Events the agreements service consumes, one module per topic: `requests` (requests.events)."""
from services.agreements.handlers.requests import REQUESTS

CONSUMERS = [REQUESTS]
