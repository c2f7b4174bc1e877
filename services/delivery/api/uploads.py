"""Receiving an uploaded file without holding it in memory.

The request body is streamed into a spooled temporary file (memory up to 4 MB, then disk) while its
SHA-256 is computed. A CSV export has no reference of its own, so unless the sender names one
(`?file_reference=` or the `X-File-Reference` header) its reference is `sha256:<hex>` of the bytes:
the same file sent twice is refused before any row is processed.
"""
from __future__ import annotations

import hashlib
import tempfile
from collections.abc import AsyncIterator, Iterator

from fastapi import HTTPException, status

from services.delivery.domain.rejects import FeedFileError, Reject

MAX_FILE_BYTES = 1 << 30  # 1 GiB: far above a large county's week (~100 MB)
_IN_MEMORY = 4 << 20


class Upload:
    """A spooled upload: `file` positioned at the start, its size and SHA-256."""

    def __init__(self) -> None:
        self.file = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY)
        self.size = 0
        self._sha = hashlib.sha256()

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    async def receive(self, chunks: AsyncIterator[bytes]) -> "Upload":
        async for chunk in chunks:
            self.size += len(chunk)
            if self.size > MAX_FILE_BYTES:
                self.close()  # what was spooled so far goes at once
                raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                                    detail=f"file larger than {MAX_FILE_BYTES >> 20} MB: split it by week")
            self._sha.update(chunk)
            self.file.write(chunk)
        self.file.seek(0)
        return self

    def close(self) -> None:
        self.file.close()


def until_file_error(rows: Iterator, found: list[FeedFileError]) -> Iterator:
    """The rows of a reader, stopping cleanly at a file-level error (kept in `found`), so the rows
    read before it are still processed."""
    try:
        yield from rows
    except FeedFileError as e:
        found.append(e)


def after_row(rows: Iterator, done: int) -> Iterator:
    """Rows past `done` (an interrupted upload of the same file resumes after its committed rows)."""
    for item in rows:
        row = item.row if isinstance(item, Reject) else item[0]
        if row > done:
            yield item
