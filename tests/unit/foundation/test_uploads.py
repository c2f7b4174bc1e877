"""Receiving a file (shared/uploads.py): the raw body with an accepted content type, or the part `file` of a
multipart form; 415 naming what was sent and what is accepted; 422 on `body.file` for a form without it; the
OpenAPI body that declares both; and the CSV column report."""
from __future__ import annotations

import hashlib

import httpx
import pytest
from fastapi import FastAPI, Request

from shared.limits import RequestLimits
from shared.uploads import ColumnReport, csv_columns, media_type_of, read_upload, upload_body_doc

CSV = b"work_date,start,end\n2025-04-07,09:00,17:00\n"
ACCEPT = ("text/csv", "application/json")


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/files", openapi_extra=upload_body_doc(ACCEPT, "The timesheet, CSV or JSON"))
    async def upload_file(request: Request) -> dict:
        async with await read_upload(request, accept=ACCEPT) as upload:
            data = await upload.read()
            return {"media_type": upload.media_type, "filename": upload.filename, "text": data.decode(),
                    "size": upload.size, "sha256": upload.sha256}

    @app.post("/streamed")
    async def upload_streamed(request: Request) -> dict:
        async with await read_upload(request, accept=("text/csv",), max_bytes=1000) as upload:
            chunks = [len(c) async for c in upload.chunks()]
            return {"chunks": len(chunks), "size": sum(chunks)}

    @app.post("/spooled")
    async def upload_spooled(request: Request) -> dict:
        async with await read_upload(request, accept=("text/csv",)) as upload:
            file = await upload.spool()
            return {"first_line": file.readline().decode(), "size": upload.size, "sha256": upload.sha256}

    app.add_middleware(RequestLimits, default_body_bytes=4 << 20)
    return app


@pytest.fixture(scope="module")
async def client():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://svc.test") as c:
        yield c


@pytest.mark.parametrize("content_type, expected", [
    ("text/csv", "text/csv"), ("text/csv; charset=utf-8", "text/csv"), ("TEXT/CSV", "text/csv"),
    ("application/json", "application/json")])
async def test_the_raw_body_with_an_accepted_content_type_is_the_file(client, content_type, expected):
    r = await client.post("/files", content=CSV, headers={"content-type": content_type})
    assert r.status_code == 200
    assert r.json() == {"media_type": expected, "filename": None, "text": CSV.decode(), "size": len(CSV),
                        "sha256": hashlib.sha256(CSV).hexdigest()}


@pytest.mark.parametrize("part_type, expected", [
    ("text/csv", "text/csv"), ("application/json; charset=utf-8", "application/json"),
    ("application/octet-stream", "text/csv"), (None, "text/csv")])
async def test_a_multipart_form_s_part_file_is_the_file(client, part_type, expected):
    part = ("week.csv", CSV) if part_type is None else ("week.csv", CSV, part_type)
    r = await client.post("/files", files={"file": part}, data={"note": "week 14"})
    assert r.status_code == 200
    assert r.json()["media_type"] == expected and r.json()["filename"] == "week.csv"
    assert r.json()["text"] == CSV.decode() and r.json()["size"] == len(CSV)


async def test_a_form_part_without_a_filename_is_the_file_s_text(client):
    body = (b'--b0undary\r\nContent-Disposition: form-data; name="file"\r\n\r\n' + CSV  # curl -F 'file=<week.csv'
            + b"\r\n--b0undary--\r\n")
    r = await client.post("/files", content=body, headers={"content-type": "multipart/form-data; boundary=b0undary"})
    assert r.status_code == 200 and r.json()["text"] == CSV.decode() and r.json()["filename"] is None


@pytest.mark.parametrize("content_type, named", [
    ("application/xml", "Content-Type application/xml"), ("text/plain; charset=utf-8", "Content-Type text/plain"),
    (None, "no Content-Type"), ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded")])
async def test_another_content_type_is_415_naming_it_and_the_types_accepted(client, content_type, named):
    headers = {} if content_type is None else {"content-type": content_type}
    r = await client.post("/files", content=CSV, headers=headers)
    assert r.status_code == 415
    detail = r.json()["detail"]
    assert named in detail and "text/csv or application/json" in detail and "multipart/form-data" in detail


async def test_a_part_of_a_type_not_accepted_is_415_naming_it(client):
    r = await client.post("/files", files={"file": ("a.xml", b"<a/>", "application/xml")})
    assert r.status_code == 415
    assert "the part 'file' of type application/xml" in r.json()["detail"]


async def test_a_form_without_the_part_file_is_422_on_body_file(client):
    r = await client.post("/files", files={"upload": ("week.csv", CSV, "text/csv")})
    assert r.status_code == 422
    (error,) = r.json()["detail"]
    assert error["loc"] == ["body", "file"] and "part 'file'" in error["msg"] and error["type"] == "missing"


async def test_two_files_in_the_part_file_are_422(client):
    r = await client.post("/files", files=[("file", ("a.csv", CSV, "text/csv")), ("file", ("b.csv", CSV, "text/csv"))])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "file"]


async def test_a_form_that_cannot_be_parsed_is_422_on_the_body(client):
    r = await client.post("/files", content=b"--x\r\nnot a part",
                          headers={"content-type": "multipart/form-data"})  # no boundary
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body"] and "cannot be read" in r.json()["detail"][0]["msg"]


async def test_a_raw_body_is_streamed_in_chunks_and_bounded_by_max_bytes(client):
    async def body(n: int, size: int = 200):
        for _ in range(n):
            yield b"x" * size

    r = await client.post("/streamed", content=body(5), headers={"content-type": "text/csv"})
    assert r.json() == {"chunks": 5, "size": 1000}
    r = await client.post("/streamed", content=body(6), headers={"content-type": "text/csv"})
    assert r.status_code == 413 and "1000 bytes" in r.json()["detail"][0]["msg"]


async def test_a_form_s_file_over_max_bytes_is_413(client):
    r = await client.post("/streamed", files={"file": ("big.csv", b"x" * 1001, "text/csv")})
    assert r.status_code == 413
    r = await client.post("/streamed", files={"file": ("ok.csv", b"x" * 1000, "text/csv")})
    assert r.json()["size"] == 1000


@pytest.mark.parametrize("how", ["raw", "form"])
async def test_spool_gives_a_file_at_its_start_with_size_and_digest(client, how):
    data = CSV * 2000  # over 64 KiB: several chunks
    if how == "raw":
        r = await client.post("/spooled", content=data, headers={"content-type": "text/csv"})
    else:
        r = await client.post("/spooled", files={"file": ("w.csv", data, "text/csv")})
    assert r.json() == {"first_line": "work_date,start,end\n", "size": len(data),
                        "sha256": hashlib.sha256(data).hexdigest()}


@pytest.mark.parametrize("accept", [(), ("multipart/form-data",), ("text/csv", "multipart/form-data")])
async def test_accept_names_the_file_s_own_types(accept):
    with pytest.raises(ValueError):
        await read_upload(None, accept=accept)  # type: ignore[arg-type]


async def test_the_document_declares_each_raw_type_and_the_form(client):
    body = (await client.get("/openapi.json")).json()["paths"]["/files"]["post"]["requestBody"]
    assert body["required"] is True and body["description"] == "The timesheet, CSV or JSON"
    assert set(body["content"]) == {"text/csv", "application/json", "multipart/form-data"}
    assert body["content"]["text/csv"]["schema"] == {"type": "string", "format": "binary"}
    form = body["content"]["multipart/form-data"]
    assert form["schema"]["required"] == ["file"]
    assert form["schema"]["properties"]["file"]["format"] == "binary"
    assert "text/csv" in form["encoding"]["file"]["contentType"]


def test_media_type_of_ignores_parameters_and_case():
    assert media_type_of("Text/CSV ; charset=UTF-8") == "text/csv"
    assert media_type_of(None) == "" and media_type_of("") == ""


def test_the_column_report_lists_what_was_read_and_what_was_not_as_sent():
    header = ["Work_Date", " start ", "end", "notes", "strat", ""]
    assert csv_columns(header, ["work_date", "start", "end", "note"]) == ColumnReport(
        mapped=["Work_Date", " start ", "end"], ignored=["notes", "strat", ""])
    assert csv_columns(header, {"work_date": "date", "end": "end_time"}).mapped == ["Work_Date", "end"]
    assert csv_columns([], ["a"]) == ColumnReport(mapped=[], ignored=[])
