"""Input that fails only where it meets Postgres or date arithmetic is answered 422, not 500."""
from __future__ import annotations

from datetime import date, timedelta

import asyncpg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared.http import install_error_handlers


def _client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/nul")
    async def nul() -> None:
        raise asyncpg.exceptions.CharacterNotInRepertoireError('invalid byte sequence for encoding "UTF8": 0x00')

    @app.get("/far")
    async def far(to: date) -> None:
        to - timedelta(days=14)

    @app.get("/argument")
    async def argument() -> None:
        raise asyncpg.exceptions.DataError("invalid input for query argument $1: 10**30 (value out of int64 range)")

    @app.get("/ours")
    async def ours() -> None:
        raise asyncpg.exceptions.DivisionByZeroError("division by zero")

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(("path", "says"), [("/nul", "NUL character"), ("/far?to=0001-01-01", "outside the range"),
                                            ("/argument", "outside the range")])
def test_input_postgres_or_dates_cannot_take_is_refused_with_a_reason(path, says):
    answer = _client().get(path)
    assert answer.status_code == 422
    assert says in answer.json()["errors"][0]["msg"]


def test_a_data_error_of_the_services_own_making_stays_a_server_error():
    assert _client().get("/ours").status_code == 500
