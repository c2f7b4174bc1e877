"""HTTP resources of the requests service: `requests` (submit, read, list) and `lifecycle` (the
steps on one request); `models` holds the bodies and answers."""
from services.requests.api import lifecycle, requests

ROUTERS = [requests.router, lifecycle.router]
