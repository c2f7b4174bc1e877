"""HTTP in, one module per resource: feeds (visit batches and files), visits (rejected and unallocated
records, officers' decisions) and periods (a week's actuals and its confirmation)."""
from services.delivery.api import feeds, periods, visits

ROUTERS = [feeds.router, visits.router, periods.router]
