"""Receiving an upload in bounded memory, and reading its rows around a file-level error or a resume (api/uploads.py)."""
from __future__ import annotations

import hashlib
import io

from services.delivery.api.uploads import Upload, after_row, until_file_error
from services.delivery.domain.parsing.xml_feed import open_service_delivery_file
from services.delivery.domain.rejects import FeedFileError, reject


async def _chunks(*parts: bytes):
    for part in parts:
        yield part


async def test_an_upload_is_spooled_and_hashed_as_it_arrives():
    upload = await Upload().receive(_chunks(b"provider_ref,", b"visit_id\n", b"1-1,V\n"))
    assert upload.size == 28
    assert upload.sha256 == hashlib.sha256(b"provider_ref,visit_id\n1-1,V\n").hexdigest()
    assert upload.file.read() == b"provider_ref,visit_id\n1-1,V\n"
    upload.close()


def test_rows_read_before_a_file_level_error_are_kept_and_the_error_is_reported():
    text = (b'<ServiceDeliveryFile reference="R" provider="1-1"><ProviderContract reference="A">'
            b'<ServiceWeek serviceUser="SU" weekEnding="2024-03-10">'
            b'<Visit id="V" plannedStart="2024-03-04T09:00" plannedEnd="2024-03-04T09:30">'
            b'<Carer id="C" method="app"/></Visit><Visit id="W"')  # cut off mid-file
    errors: list[FeedFileError] = []
    rows = list(until_file_error(open_service_delivery_file(io.BytesIO(text)).rows(), errors))
    assert [row for row, _ in rows] == [1]
    assert [e.reason for e in errors] == ["xml_malformed"]


def test_a_resumed_upload_skips_the_rows_already_committed():
    items = [(2, {"a": "1"}), reject(3, None, "row_unparseable", "bad"), (4, {"a": "2"}), (5, {"a": "3"})]
    kept = list(after_row(iter(items), done=3))
    assert [item[0] for item in kept] == [4, 5]
