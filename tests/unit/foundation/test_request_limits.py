"""What a client sends is bounded before any route reads it (shared/limits.py, installed by create_service):
a body over its route's cap is 413 (declared or counted as it streams), an X-Correlation-Id out of bounds is
400 naming the header, oversized headers are 431; uploads keep their own larger caps."""
from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI, Request, UploadFile
from fastapi.testclient import TestClient

from shared.limits import RequestLimits

MiB = 1 << 20


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/notes")
    async def notes(request: Request) -> dict:
        return {"bytes": len(await request.body())}

    @app.post("/providers/{ref}/visit-files")
    async def upload(ref: str, request: Request) -> dict:
        n = 0
        async for chunk in request.stream():
            n += len(chunk)
        return {"bytes": n}

    @app.post("/forms")
    async def form_upload(file: UploadFile) -> dict:  # FastAPI parses the form before the route runs
        return {"bytes": len(await file.read())}

    @app.get("/echo")
    async def echo(request: Request) -> dict:
        return {"correlation_id": request.headers.get("x-correlation-id")}

    app.add_middleware(RequestLimits, default_body_bytes=MiB, body_caps={"/providers/{ref}/visit-files": 4 * MiB})
    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(_app(), raise_server_exceptions=False)


def _chunks(total: int, size: int = 64 << 10):
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


def test_a_declared_body_over_the_default_cap_is_413(client):
    response = client.post("/notes", content=b"x" * (MiB + 1))
    assert response.status_code == 413
    assert "1048576 bytes" in response.json()["errors"][0]["msg"]
    assert client.post("/notes", content=b"x" * MiB).json() == {"bytes": MiB}


def test_a_chunked_body_over_the_cap_is_413(client):
    response = client.post("/notes", content=_chunks(2 * MiB))  # an iterator: Transfer-Encoding chunked
    assert response.status_code == 413
    assert client.post("/notes", content=_chunks(MiB)).json() == {"bytes": MiB}


def test_an_upload_route_keeps_its_larger_cap(client):
    assert client.post("/providers/P1/visit-files", content=_chunks(3 * MiB)).json() == {"bytes": 3 * MiB}
    assert client.post("/providers/P1/visit-files", content=b"x" * (4 * MiB + 1)).status_code == 413
    assert client.post("/providers/P1/visit-files", content=_chunks(5 * MiB)).status_code == 413


def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_cap_not_read_to_the_end():
    app = RequestLimits(_app(), default_body_bytes=MiB)
    chunk, handed = b"x" * (64 << 10), []
    sent: list[dict] = []

    async def receive():
        handed.append(1)
        return {"type": "http.request", "body": chunk, "more_body": len(handed) < 1000}  # 64 MB in all

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/notes", "raw_path": b"/notes", "query_string": b"",
             "headers": [(b"transfer-encoding", b"chunked")], "http_version": "1.1", "scheme": "http",
             "server": ("test", 80), "client": ("test", 1), "root_path": ""}
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert len(handed) == MiB // len(chunk) + 1  # the chunk that passed 1 MiB, no more


def test_a_well_formed_correlation_id_is_kept_and_an_absent_one_is_made(client):
    assert client.get("/echo", headers={"X-Correlation-Id": "batch-2024.06:run_7"}).json() == {
        "correlation_id": "batch-2024.06:run_7"}
    assert client.get("/echo").status_code == 200


@pytest.mark.parametrize("value", ["x" * 129, "has space", "semi;colon", "<script>", "", "é"])
def test_a_correlation_id_out_of_bounds_is_400_naming_the_header(client, value):
    response = client.get("/echo", headers={"X-Correlation-Id": value.encode("utf-8")})
    assert response.status_code == 400
    assert "X-Correlation-Id" in response.json()["detail"]


def test_headers_over_16_KiB_in_all_are_431(client):
    response = client.get("/echo", headers={f"X-Filler-{i}": "y" * 1000 for i in range(17)})
    assert response.status_code == 431
    assert client.get("/echo", headers={f"X-Filler-{i}": "y" * 1000 for i in range(10)}).status_code == 200


def test_every_service_refuses_an_oversized_body_and_a_bad_correlation_id_before_its_routes():
    from services.invoicing.app import app as invoicing
    from services.payments.app import app as payments

    client = TestClient(payments, raise_server_exceptions=False)  # no lifespan: nothing connects
    assert client.post("/payment-runs/R1/approve", content=b"{" + b" " * (2 * MiB) + b"}",
                       headers={"content-type": "application/json"}).status_code == 413
    assert client.get("/health", headers={"X-Correlation-Id": "a" * 200}).status_code == 400
    # The bank's confirmation file keeps its 16 MiB: 2 MiB gets past the cap to the route (401: no token).
    assert client.post("/payment-runs/R1/confirmations", content=b"x" * (2 * MiB),
                       headers={"content-type": "text/csv"}).status_code == 401
    assert client.post("/payment-runs/R1/confirmations", content=b"x" * (17 * MiB),
                       headers={"content-type": "text/csv"}).status_code == 413
    invoicing_client = TestClient(invoicing, raise_server_exceptions=False)
    assert invoicing_client.post("/providers/P1/invoices/csv", content=b"x" * (2 * MiB),
                                 headers={"content-type": "text/csv"}).status_code == 401


def test_a_chunked_multipart_form_over_the_cap_is_413_not_a_parse_error(client):
    """FastAPI reads a form before the route runs and turns any error while it does into 400 "error parsing
    the body": a form cut off at its cap must still be answered 413."""
    boundary = "cap-boundary"

    def form():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
               "Content-Type: text/csv\r\n\r\n").encode()
        yield from _chunks(2 * MiB)
        yield f"\r\n--{boundary}--\r\n".encode()

    response = client.post("/forms", content=form(), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == 413, response.text
    assert "larger than" in response.json()["errors"][0]["msg"]


def test_a_path_segment_longer_than_any_id_is_422_naming_the_path(client):
    response = client.post("/providers/" + "P" * 201 + "/visit-files", content=b"x")
    assert response.status_code == 422
    [problem] = response.json()["errors"]
    assert problem["loc"] == ["path"] and "201 characters" in problem["msg"]
    assert client.post("/providers/" + "P" * 200 + "/visit-files", content=b"x").status_code == 200
