"""The ways a domain says no, shared by every service, and how the HTTP layer answers them.

Domains raise these (they are pure: no HTTP here); `install_error_handlers` turns them into
422 / 409 / 403 answers that say what was wrong and where.
"""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


class RuleBroken(ValueError):
    """Input that breaks a rule: names the field and the rule (HTTP 422)."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class IllegalState(Exception):
    """A step the current state does not allow (HTTP 409); the message says the state and what is allowed."""


class NotEntitled(Exception):
    """The caller may not do this to this record (HTTP 403); the message says why."""


def install_error_handlers(app: FastAPI) -> None:
    """Answer domain refusals in FastAPI's own error shape, so clients parse one format."""

    @app.exception_handler(RuleBroken)
    async def rule_broken(_request: Request, exc: RuleBroken) -> JSONResponse:
        loc = ["body", *exc.field.split(".")]
        return JSONResponse(status_code=422, content={"detail": [
            {"loc": loc, "msg": exc.rule, "type": "value_error"}]})

    @app.exception_handler(IllegalState)
    async def illegal_state(_request: Request, exc: IllegalState) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(exc)})

    @app.exception_handler(NotEntitled)
    async def not_entitled(_request: Request, exc: NotEntitled) -> JSONResponse:
        return JSONResponse(status_code=403, content={"detail": f"not permitted: {exc}"})
