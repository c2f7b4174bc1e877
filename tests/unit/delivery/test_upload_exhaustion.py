"""One upload cannot exhaust memory: unknown XML elements are freed, a CSV header is bounded, and
every file-level error quotes only an excerpt of the file."""
from __future__ import annotations

import io
import os
import tracemalloc

import pytest

from services.delivery.domain.parsing.csv_feed import MAX_HEADER_CHARS, MAX_LINE_CHARS, open_visit_csv
from services.delivery.domain.parsing.xml_feed import open_service_delivery_file
from services.delivery.domain.rejects import EXCERPT, MAX_MESSAGE, FeedFileError, Reject

HEADER = b"provider_ref,service_user_ref,visit_id,carer_id,planned_start,planned_end,check_in,check_out,check_in_method"


def _unknown(n: int) -> bytes:
    return b"".join(b'<Extra n="%d"><Note>free text the council does not read</Note></Extra>' % i for i in range(n))


def _xml_with_unknown_elements(target: int) -> bytes:
    junk = _unknown(target // 70)
    return (b'<?xml version="1.0"?><ServiceDeliveryFile reference="SDF-1" provider="1-123456789">' + junk
            + b'<ProviderContract reference="AGR-1"><ServiceWeek serviceUser="SU-1" weekEnding="2024-03-10">'
            + b'<Visit id="V-1" plannedStart="2024-03-04T09:00" plannedEnd="2024-03-04T09:30">' + junk
            + b'<Carer id="C-1" method="app"/></Visit></ServiceWeek></ProviderContract></ServiceDeliveryFile>')


def _resident() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_unknown_xml_elements_are_freed_once_read():
    body = _xml_with_unknown_elements(8 << 20)  # ~8 MB of elements the parser does not know
    assert len(body) > 8 << 20
    before = _resident()
    tracemalloc.start()
    try:
        reader = open_service_delivery_file(io.BytesIO(body))
        live_at_carer = None
        for item in reader.rows():
            assert not isinstance(item, Reject)
            # The tree as it stands when the one carer is read: only its ancestors and a few neighbours.
            live_at_carer = sum(1 for _ in reader._root.iter())
        _, peak = tracemalloc.get_traced_memory()
        grown = _resident() - before  # libxml2's tree lives outside tracemalloc's view
    finally:
        tracemalloc.stop()
    assert live_at_carer is not None and live_at_carer < 20, f"{live_at_carer} elements still held"
    assert peak < 40 << 20
    assert grown < 40 << 20, f"resident memory grew {grown} bytes for 8 MB of unknown elements"


def test_a_huge_csv_header_is_refused_with_an_excerpt_in_bounded_memory():
    header = b"provider_ref," + b"x," * (19 << 19) + b"\r\n"  # a 19 MB header line
    tracemalloc.start()
    try:
        with pytest.raises(FeedFileError) as refused:
            open_visit_csv(io.BytesIO(header))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.reason == "header_too_long" and refused.value.line == 1
    assert str(MAX_HEADER_CHARS) in refused.value.message
    assert len(refused.value.message) <= 300
    assert peak < 4 << 20, f"peak {peak} bytes reading a 19 MB header"


def test_a_header_within_bound_but_wrong_quotes_only_an_excerpt():
    header = b"," .join(b"column_%d" % i for i in range(5000)) + b"\r\n"  # ~55 KB, no required column
    assert len(header) < MAX_HEADER_CHARS
    with pytest.raises(FeedFileError) as refused:
        open_visit_csv(io.BytesIO(header))
    assert refused.value.reason == "missing_columns"
    assert "column_0" in refused.value.message
    assert len(refused.value.message) < EXCERPT + 400


def test_an_over_long_row_is_rejected_unread_and_the_rows_after_it_are_read():
    many_cells = b"z," * (MAX_LINE_CHARS // 2 + 10)  # short cells, so only the line's length can bound it
    body = HEADER + b"\r\n" + b"P,S,V1,C,a,b,c,d,app\r\n" + many_cells + b"\r\n" + b"P,S,V3,C,a,b,c,d,app\r\n"
    items = list(open_visit_csv(io.BytesIO(body)).rows())
    assert [i[0] if isinstance(i, tuple) else i.row for i in items] == [2, 3, 4]
    assert isinstance(items[1], Reject) and items[1].reason == "row_unparseable" and items[1].raw is None
    assert len(items[1].message) < EXCERPT
    assert items[2][1]["visit_id"] == "V3"


def test_every_file_level_error_message_is_capped():
    assert len(FeedFileError("x", "y" * 1_000_000).message) <= MAX_MESSAGE + 40
