"""How the demo talks to the stack: HTTP with tokens minted by shared.auth, retried while a service
is unreachable or starting, and polling an owning service until it shows the state a step waits for.

Every call survives a service being killed and restarted under it (the reliability tests do that):
connection errors and 502/503/504 are retried until `patience` runs out. A create whose answer was
lost may have happened, so before sending it again the caller's `find` looks for what it made.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import httpx

from shared.auth import Principal, mint_token
from shared.settings import SERVICE_PORTS, auth_secret_from_env
from shared.stack import Instance

T = TypeVar("T")
RETRYABLE_STATUS = frozenset({502, 503, 504})


class StackError(Exception):
    """A call the stack refused, or a state it never reached: says which call and why."""


# Who calls: a role and the user id it acts as (and the provider or person a token is limited to).
Who = Principal


# The council's staff in the demo. Maker and checker are different people, as the controls require.
SOCIAL_WORKER = Who("demo-social-worker", "social_worker")
BROKER = Who("demo-brokerage-officer", "brokerage_officer")
FINANCE_OFFICER = Who("demo-finance-officer", "finance_officer")
FINANCE_APPROVER = Who("demo-finance-approver", "finance_approver")
OPS = Who("demo-ops", "ops")
# Allocates people to the social worker and the brokerage officer: their only access to a person.
TEAM_MANAGER = Who("demo-team-manager", "team_manager")


def provider(provider_id: str) -> Who:
    return Who(f"demo-provider-{provider_id}", "provider", provider_id=provider_id)


def person(person_ref: str) -> Who:
    return Who(f"demo-person-{person_ref}", "person", person_ref=person_ref)


class Stack:
    """The running services' HTTP APIs, called as `who`."""

    def __init__(self, *, patience: float = 180.0, concurrency: int = 12) -> None:
        self.urls = {service: Instance(service).url for service in SERVICE_PORTS}
        self.secret = auth_secret_from_env()
        self.patience = patience
        self.limit = asyncio.Semaphore(concurrency)
        self._tokens: dict[Who, str] = {}
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> "Stack":
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=5.0))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()

    def headers(self, who: Who) -> dict[str, str]:
        if who not in self._tokens:
            self._tokens[who] = mint_token(self.secret, subject=who.subject, role=who.role,
                                           provider_id=who.provider_id, person_ref=who.person_ref,
                                           pa_id=who.pa_id)
        return {"Authorization": f"Bearer {self._tokens[who]}"}

    async def send(self, method: str, service: str, path: str, who: Who, *, json: Any = None,
                   params: dict[str, Any] | None = None, content: bytes | None = None,
                   content_type: str | None = None,
                   find: Callable[[], Awaitable[Any | None]] | None = None) -> httpx.Response:
        """The service's answer to one call, whatever its status, once the service could give one.

        With `find`, a create whose answer was lost is looked for before it is sent again; what
        `find` returns is answered as a 200 with that JSON body."""
        assert self._client is not None, "use `async with Stack() as stack`"
        headers = self.headers(who)
        if content_type:
            headers["Content-Type"] = content_type
        url = f"{self.urls[service]}{path}"
        deadline = time.monotonic() + self.patience
        pause, last = 0.2, "no attempt"
        while True:
            try:
                async with self.limit:
                    response = await self._client.request(method, url, json=json, params=params, content=content,
                                                          headers=headers)
                if response.status_code not in RETRYABLE_STATUS:
                    return response
                last = f"{response.status_code} {response.text[:200]}"
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
                if find is not None and not isinstance(exc, httpx.ConnectError):
                    found = await self._found(find)
                    if found is not None:
                        return httpx.Response(200, json=found)
            if time.monotonic() > deadline:
                raise StackError(f"{method} {service}{path}: no answer for {self.patience:.0f}s ({last})")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 3.0)

    async def _found(self, find: Callable[[], Awaitable[Any | None]]) -> Any | None:
        try:
            return await find()
        except (httpx.TransportError, StackError):
            return None  # still unreachable: the create is tried again, and looked for again

    async def json(self, method: str, service: str, path: str, who: Who, *, ok: Iterable[int] = (200, 201),
                   **kw: Any) -> Any:
        """The JSON answer of a call that must succeed; StackError naming the call and the refusal otherwise."""
        response = await self.send(method, service, path, who, **kw)
        if response.status_code not in set(ok):
            raise StackError(f"{method} {service}{path} as {who.role}: {response.status_code} {response.text[:800]}")
        return response.json() if response.content else None

    async def get(self, service: str, path: str, who: Who, **params: Any) -> Any:
        return await self.json("GET", service, path, who, params=params or None)

    async def step(self, service: str, path: str, who: Who, body: Any = None, *,
                   done: Callable[[], Awaitable[Any | None]]) -> Any:
        """POST a state change; a 409 (or 422 on state) is fine when `done` shows it already happened
        (a retry of a change whose answer was lost, or a step the system took itself)."""
        response = await self.send("POST", service, path, who, json=body)
        if response.status_code in (200, 201, 202):
            return response.json()
        if response.status_code in (409, 422):
            already = await done()
            if already:
                return already
        raise StackError(f"POST {service}{path} as {who.role}: {response.status_code} {response.text[:800]}")


async def until(check: Callable[[], Awaitable[T | None]], *, what: str, timeout: float = 180.0,
                interval: float = 0.5) -> T:
    """Poll `check` until it returns something truthy; StackError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = await check()
        if last:
            return last
        if time.monotonic() > deadline:
            raise StackError(f"timed out after {timeout:.0f}s waiting for {what} (last seen: {str(last)[:300]})")
        await asyncio.sleep(interval)


async def each(items: Iterable[T], work: Callable[[T], Awaitable[Any]], *, limit: int = 12,
               done: Callable[[], None] | None = None) -> list[Any]:
    """`work` on every item, `limit` at a time, results in order; the first failure is raised."""
    gate = asyncio.Semaphore(limit)

    async def one(item: T) -> Any:
        async with gate:
            result = await work(item)
        if done is not None:
            done()
        return result

    return list(await asyncio.gather(*(one(item) for item in items)))
