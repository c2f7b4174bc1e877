"""HTTP resources of the requests service: `requests` (submit, read, list), `lifecycle` (the
steps on one request) and `allocations` (who a person is allocated to); `models` holds the bodies
and answers."""
from services.requests.api import allocations, lifecycle, requests

ROUTERS = [requests.router, lifecycle.router, allocations.router]
