"""Receiving a file: as the raw request body with its own content type, or as the part `file` of a
multipart/form-data form; and the column report of a CSV upload.

    @router.post("/things/files", openapi_extra=upload_body_doc(("text/csv",), "The CSV export, header row 1"))
    async def upload_things(request: Request, ...):
        async with await read_upload(request, accept=("text/csv",)) as upload:
            data = await upload.read()          # or: async for chunk in upload.chunks(): ...

Rules (`read_upload`):
- the request's Content-Type (parameters such as `charset` ignored, case-insensitive) is one of `accept`:
  the body is the file;
- it is multipart/form-data: the file is its part `field` ("file"). The part's own content type says what
  the file is; missing or application/octet-stream means the first of `accept`; another that is not
  accepted is 415. A part without a filename (`curl -F 'file=<x.csv'`) is the file's text;
- anything else is 415 naming the type received and the types accepted; a form without the part is 422 on
  `body.file`; a form that cannot be parsed is 422 on `body`; a file over `max_bytes` is 413.
The whole request body is bounded before this by shared.limits (the route's `body_caps`), so a raw body is
streamed (`chunks()`, bounded memory, for files up to 1 GiB) and a form's file is spooled by Starlette
(memory, then disk) before the route sees it.
"""
from __future__ import annotations

import hashlib
import tempfile
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field as dataclass_field
from typing import IO, Any

from fastapi import HTTPException, Request, status
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

MULTIPART = "multipart/form-data"
GENERIC = "application/octet-stream"
CHUNK_BYTES = 64 << 10
SPOOL_MEMORY_BYTES = 4 << 20  # `Upload.spool()` keeps this much in memory, then writes to disk


def media_type_of(header: str | None) -> str:
    """`text/csv; charset=utf-8` -> `text/csv` (lower case); "" when there is none."""
    return (header or "").split(";", 1)[0].strip().lower()


def _unsupported(received: str, accept: Sequence[str], what: str = "Content-Type") -> HTTPException:
    sent = f"{what} {received}" if received else f"no {what}"
    return HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                         detail=f"{sent} is not accepted here: send the file as the request body with Content-Type "
                                f"{' or '.join(accept)}, or as the part 'file' of a {MULTIPART} form")


def _invalid(loc: list[str], msg: str, kind: str = "value_error") -> HTTPException:
    return HTTPException(422, detail=[{"loc": loc, "msg": msg, "type": kind}])


def _too_large(max_bytes: int) -> HTTPException:
    return HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                         detail=[{"loc": ["body"], "msg": f"the file is larger than the {max_bytes} bytes this route "
                                                         "takes", "type": "too_large"}])


@dataclass
class Upload:
    """One received file: what it is (`media_type`, `filename` when a form named one) and its bytes, read
    once: whole (`read()`), in chunks (`chunks()`) or into a file (`spool()`). Once read, `size` and
    `sha256` describe them. Close it (or use `async with`) to free what was spooled."""

    media_type: str
    filename: str | None
    max_bytes: int | None = None
    _request: Request | None = dataclass_field(default=None, repr=False)
    _file: UploadFile | None = dataclass_field(default=None, repr=False)
    _text: bytes | None = dataclass_field(default=None, repr=False)
    _spooled: IO[bytes] | None = dataclass_field(default=None, repr=False)
    _sha: Any = dataclass_field(default_factory=hashlib.sha256, repr=False)
    size: int = 0

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the bytes read so far (all of them, once read)."""
        return self._sha.hexdigest()

    async def chunks(self) -> AsyncIterator[bytes]:
        """The file's bytes as they arrive (a raw body) or from the spooled form part; 413 past `max_bytes`."""
        if self._text is not None:
            source = _one(self._text)
        elif self._file is not None:
            source = _from_file(self._file)
        else:
            assert self._request is not None
            source = self._request.stream()
        async for chunk in source:
            if not chunk:
                continue
            self.size += len(chunk)
            if self.max_bytes is not None and self.size > self.max_bytes:
                raise _too_large(self.max_bytes)
            self._sha.update(chunk)
            yield chunk

    async def read(self) -> bytes:
        """The whole file in memory (for files bounded by the route's body cap)."""
        return b"".join([chunk async for chunk in self.chunks()])

    async def spool(self) -> IO[bytes]:
        """The file as a binary file object positioned at its start, for parsers that read files: a form's
        part as Starlette spooled it, a raw body spooled now (memory up to SPOOL_MEMORY_BYTES, then disk)."""
        if self._file is not None:
            async for _ in self.chunks():
                pass
            await self._file.seek(0)
            return self._file.file
        self._spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)
        async for chunk in self.chunks():
            self._spooled.write(chunk)
        self._spooled.seek(0)
        return self._spooled

    async def close(self) -> None:
        if self._spooled is not None:
            self._spooled.close()
        if self._request is not None:
            await self._request.close()  # a parsed form's spooled files

    async def __aenter__(self) -> "Upload":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _from_file(file: UploadFile) -> AsyncIterator[bytes]:
    await file.seek(0)
    while chunk := await file.read(CHUNK_BYTES):
        yield chunk


async def read_upload(request: Request, *, accept: tuple[str, ...], field: str = "file",
                      max_bytes: int | None = None) -> Upload:
    """The file of an upload request, by the rules in the module docstring (415 / 422 / 413 otherwise)."""
    accepted = tuple(media_type_of(a) for a in accept)
    if not accepted or MULTIPART in accepted:
        raise ValueError(f"accept names the file's own types (not {MULTIPART}, which is always accepted)")
    kind = media_type_of(request.headers.get("content-type"))
    if kind in accepted:
        return Upload(kind, None, max_bytes, _request=request)
    if kind != MULTIPART:
        raise _unsupported(kind, accepted)
    try:
        form = await request.form()
    except StarletteHTTPException as exc:  # Starlette's 400 for a form it cannot parse
        if exc.status_code != 400:
            raise
        raise _invalid(["body"], f"the {MULTIPART} body cannot be read: {exc.detail}") from None
    parts = form.getlist(field)
    if not parts:
        await request.close()
        raise _invalid(["body", field], f"the form has no part '{field}': attach the file as the part '{field}'",
                       "missing")
    if len(parts) > 1:
        await request.close()
        raise _invalid(["body", field], f"the form has {len(parts)} parts '{field}': send one file per request")
    part = parts[0]
    if isinstance(part, str):  # a part without a filename: the file's text
        upload = Upload(accepted[0], None, max_bytes, _request=request, _text=part.encode("utf-8"))
    else:
        part_kind = media_type_of(part.content_type)
        if part_kind in ("", GENERIC):
            part_kind = accepted[0]
        elif part_kind not in accepted:
            await request.close()
            raise _unsupported(part_kind, accepted, what=f"the part '{field}' of type")
        upload = Upload(part_kind, part.filename or None, max_bytes, _request=request, _file=part)
    if max_bytes is not None and isinstance(part, UploadFile) and (part.size or 0) > max_bytes:
        await request.close()
        raise _too_large(max_bytes)
    return upload


def upload_body_doc(accept: Sequence[str], description: str) -> dict[str, Any]:
    """`openapi_extra` for an upload route: the request body as each raw type in `accept` and as a
    multipart/form-data form whose required part `file` is the file."""
    binary = {"type": "string", "format": "binary"}
    content: dict[str, Any] = {media_type_of(a): {"schema": dict(binary)} for a in accept}
    content[MULTIPART] = {
        "schema": {"type": "object", "required": ["file"],
                   "properties": {"file": {**binary, "description": f"The file ({', '.join(accept)})."}}},
        "encoding": {"file": {"contentType": ", ".join([*accept, GENERIC])}},
    }
    return {"requestBody": {"required": True, "description": description, "content": content}}


class ColumnReport(BaseModel):
    """The columns of an uploaded CSV's header: those read and those ignored (extra or misspelt)."""

    mapped: list[str] = Field(description="Columns read, as the header names them.")
    ignored: list[str] = Field(description="Columns not read (not known to this upload: extra or misspelt), as the "
                                           "header names them.")


def normalise_column(name: str) -> str:
    """How a header names a column: spaces around it and letter case do not matter."""
    return name.strip().casefold()


def csv_columns(header_row: Sequence[str], known: Mapping[str, str] | Iterable[str]) -> ColumnReport:
    """Which of `header_row`'s columns are `known` (names, or a mapping whose keys are the names accepted),
    compared by `normalise_column`; each column is reported as the header names it, in header order."""
    names = {normalise_column(k) for k in (known.keys() if isinstance(known, Mapping) else known)}
    mapped = [h for h in header_row if normalise_column(h) in names]
    ignored = [h for h in header_row if normalise_column(h) not in names]
    return ColumnReport(mapped=mapped, ignored=ignored)
