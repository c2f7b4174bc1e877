"""HTTP resources of the requests service: `requests` (submit, read, list), `lifecycle` (the
steps on one request), `reassessments` (a new budget for an active request) and `allocations` (who a
person is allocated to); `models` holds the bodies and answers."""
from services.requests.api import allocations, lifecycle, reassessments, requests

ROUTERS = [requests.router, lifecycle.router, reassessments.router, allocations.router]
