"""The queries HTTP API: `queries` (raise, list, read one), `query_steps` (acknowledge ... rate),
`effects` (a resolved query's effect by hand); `models` are the request and response bodies, `callers`
who is calling (any role; the domain decides)."""
from services.queries.api import effects, queries, query_steps

ROUTERS = [queries.router, query_steps.router, effects.router]
