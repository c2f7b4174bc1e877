"""The consumers of the requests service, one module per topic consumed."""
from services.requests.handlers.agreements import ARRANGEMENTS

CONSUMERS = [ARRANGEMENTS]
