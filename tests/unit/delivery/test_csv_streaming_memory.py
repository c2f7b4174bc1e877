"""A 100 MB visit export streams through the reader in bounded memory (a memory bound, not timing)."""
from __future__ import annotations

import tracemalloc

from services.delivery.domain.parsing.csv_feed import open_visit_csv

from .builders import PROVIDER

HEADER = b"\xef\xbb\xbfprovider_ref,service_user_ref,visit_id,carer_id,planned_start,planned_end,check_in,check_out," \
         b"check_in_method,exception_code,agreement_ref,notes\r\n"
TARGET_BYTES = 100 * 1024 * 1024
# Wide rows (exports carry free-text notes) keep the row count, and so the test's time, modest.
NOTE = '"' + "Carer noted: person well, meds taken, kitchen tidied, all fine. " * 12 + '"'


def write_export(path, target_bytes: int) -> int:
    """Write ~target_bytes of rows; returns the number of rows."""
    block_rows = 1000
    block = "".join(
        f"{PROVIDER},SU-{i % 8000:05d},V-{i:07d},C-{i % 900:04d},04/03/2024 09:00,04/03/2024 09:30,"
        f"2024-03-04T09:0{i % 10}:00,2024-03-04T09:3{i % 10}:00,app,,AGR-{i % 8000:05d},"
        f"{NOTE}\r\n" for i in range(block_rows)).encode()
    blocks = target_bytes // len(block) + 1
    with open(path, "wb") as f:
        f.write(HEADER)
        for _ in range(blocks):
            f.write(block)
    return blocks * block_rows


def test_a_100_mb_export_streams_in_bounded_memory(tmp_path):
    path = tmp_path / "visits.csv"
    expected_rows = write_export(path, TARGET_BYTES)
    assert path.stat().st_size >= TARGET_BYTES

    tracemalloc.start()
    try:
        with open(path, "rb") as stream:
            rows = 0
            last = 0
            for item in open_visit_csv(stream).rows():
                rows += 1
                last = item[0]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert rows == expected_rows and last == expected_rows + 1  # every row read, numbered from 2
    # Reading the file whole would peak above 100 MB; streaming stays near one chunk plus one row.
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes while streaming a {TARGET_BYTES}-byte file"
