"""Reading an uploaded visit file's rows around a file-level error or a resume.

The file itself is received by shared.uploads (`read_upload`): the raw body with its content type, or the
part `file` of a multipart/form-data form, streamed and hashed (SHA-256) as it is spooled (memory up to 4 MB,
then disk), so a file of up to MAX_FILE_BYTES is held in bounded memory. A CSV export has no reference of its
own, so unless the sender names one (`?file_reference=` or the `X-File-Reference` header) its reference is
`sha256:<hex>` of the bytes: the same file sent twice is refused before any row is processed.
"""
from __future__ import annotations

from collections.abc import Iterator

from services.delivery.domain.rejects import FeedFileError, Reject

MAX_FILE_BYTES = 1 << 30  # 1 GiB: far above a large county's week (~100 MB)
FORM_ROOM = 64 << 10  # a multipart form's boundaries and part headers around the file
# The file types the upload takes, and the reader each is read with.
FILE_TYPES = {"text/csv": "csv", "application/csv": "csv", "application/xml": "xml", "text/xml": "xml"}


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
