"""A request the database went away under is answered 503 (try again), not 500."""
from __future__ import annotations

import asyncpg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared.http import install_error_handlers

LOST = {
    "restart": asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
    "mid_query": asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    "commit": asyncpg.exceptions.InterfaceError("cannot call Transaction.__aexit__(): the underlying connection "
                                                "is closed"),
    "refused": ConnectionRefusedError(111, "Connection refused"),
    "starting": asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
}


def _client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/lost/{how}")
    async def lost(how: str) -> None:
        raise LOST[how]

    @app.post("/bug")
    async def bug() -> None:
        raise asyncpg.exceptions.UndefinedColumnError('column "oops" does not exist')

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("how", list(LOST))
def test_a_request_whose_database_went_away_is_told_to_try_again(how):
    answer = _client().post(f"/lost/{how}")
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "2"
    assert "database unavailable" in answer.json()["detail"]


def test_an_error_in_the_services_own_sql_stays_a_server_error():
    assert _client().post("/bug").status_code == 500


@pytest.mark.parametrize("undone", [asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
                                    asyncpg.exceptions.SerializationError("could not serialize access"),
                                    asyncpg.exceptions.LockNotAvailableError("canceling statement due to lock timeout"),
                                    asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout")])
def test_a_request_undone_to_break_a_deadlock_is_told_to_send_it_again(undone):
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/undone")
    async def undone_here() -> None:
        raise undone

    answer = TestClient(app, raise_server_exceptions=False).post("/undone")
    assert (answer.status_code, answer.headers["retry-after"]) == (503, "1")
    assert "send it again" in answer.json()["detail"]
