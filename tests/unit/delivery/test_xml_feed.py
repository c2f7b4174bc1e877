"""The hierarchical service delivery file (parsing/xml_feed.py): layout, hardening, errors, memory."""
from __future__ import annotations

import io
import itertools
import os
import textwrap
import tracemalloc

import pytest

from services.delivery.domain.parsing import xml_feed
from services.delivery.domain.parsing.xml_feed import open_service_delivery_file
from services.delivery.domain.rejects import FeedFileError, Reject
from services.delivery.domain.validation import validate_feed

from .builders import PROVIDER, utc

# The layout documented in the module docstring is the one tested here (comments are valid XML).
FILE = textwrap.dedent(xml_feed.__doc__.split("::\n", 1)[1].split("\nEach `<Carer>`")[0]).strip() + "\n"


def open_xml(text: str | bytes):
    return open_service_delivery_file(io.BytesIO(text.encode() if isinstance(text, str) else text))


def test_the_documented_layout_parses_into_one_record_per_carer():
    f = open_xml(FILE)
    assert (f.reference, f.provider_ref) == ("SDF-2024-000123", PROVIDER)
    items = list(f.rows())
    assert [row for row, _ in items] == [1, 2, 3]
    assert items[0][1] == {"provider_ref": PROVIDER, "agreement_ref": "AGR-000042", "service_user_ref": "SU-0001",
                           "visit_id": "V-1001", "planned_start": "2024-03-04T09:00", "planned_end": "2024-03-04T09:30",
                           "carer_id": "C-17", "check_in": "2024-03-04T09:02", "check_out": "2024-03-04T09:31",
                           "check_in_method": "app"}
    assert items[2][1]["exception_code"] == "NOACCESS" and "check_in" not in items[2][1]


def test_records_from_xml_validate_like_any_other_feed():
    [batch] = validate_feed(open_xml(FILE).rows(), provider_ref=PROVIDER)
    assert batch.rejects == []
    assert batch.records[1].check_in == utc(2024, 3, 4, 9, 3)
    assert [r.agreement_ref for r in batch.records] == ["AGR-000042"] * 3


def test_the_file_reference_is_known_before_any_row_is_read():
    stream = io.BytesIO(FILE.encode())
    f = open_service_delivery_file(stream)
    assert f.reference == "SDF-2024-000123"  # the caller refuses a duplicate here, rows unread


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ServiceDeliveryFile reference="&lol9;" provider="&lol9;"><x>&lol9;</x></ServiceDeliveryFile>
"""


def test_billion_laughs_is_refused_before_any_entity_is_expanded():
    tracemalloc.start()
    try:
        with pytest.raises(FeedFileError) as e:
            list(open_xml(BILLION_LAUGHS).rows())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert e.value.reason == "doctype_refused"
    assert peak < 1024 * 1024


def test_external_entities_are_refused():
    xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' \
          '<ServiceDeliveryFile reference="&x;" provider="p"/>'
    with pytest.raises(FeedFileError, match="DOCTYPE"):
        open_xml(xxe)


def test_a_doctype_split_across_reads_is_still_refused():
    class Trickle(io.BytesIO):
        def read(self, size=-1):
            return super().read(min(3, size if size >= 0 else 3))
    with pytest.raises(FeedFileError, match="DOCTYPE"):
        open_service_delivery_file(Trickle(BILLION_LAUGHS.encode()))


def test_an_undeclared_entity_is_a_syntax_error_with_its_line():
    text = FILE.replace('id="C-18"', 'id="&boom;"')
    with pytest.raises(FeedFileError) as e:
        list(open_xml(text).rows())
    assert e.value.reason == "xml_malformed" and e.value.line == 7


def test_a_truncated_file_reports_the_line_after_the_rows_before_it():
    rows = []
    with pytest.raises(FeedFileError) as e:
        for item in open_xml(FILE[: FILE.index("<Visit id=\"V-1002\"")] + "<Visit id=").rows():
            rows.append(item)
    assert [r for r, _ in rows] == [1, 2]
    assert e.value.reason == "xml_malformed" and e.value.line == 9


@pytest.mark.parametrize(("text", "reason"), [
    ("<Visits/>", "not_a_service_delivery_file"),
    (f'<ServiceDeliveryFile provider="{PROVIDER}"/>', "missing_file_reference"),
    ('<ServiceDeliveryFile reference="R"/>', "missing_file_provider"),
    ("not xml at all", "xml_malformed"),
    ("", "xml_malformed"),
])
def test_a_file_that_is_not_a_service_delivery_file_is_refused(text, reason):
    with pytest.raises(FeedFileError) as e:
        open_xml(text)
    assert e.value.reason == reason


def test_misplaced_and_incomplete_elements_are_rejected_with_path_and_line():
    text = FILE.replace(
        '      <Visit id="V-1002"',
        '      <Carer id="stray" method="app"/>\n      <Visit id="V-0" plannedStart="2024-03-06T09:00" '
        'plannedEnd="2024-03-06T09:30"></Visit>\n      <Visit id="V-1002"')
    items = list(open_xml(text).rows())
    rejects = [i for i in items if isinstance(i, Reject)]
    assert [(r.row, r.reason, r.line) for r in rejects] == [(3, "misplaced_element", 9), (4, "visit_without_carer", 10)]
    assert rejects[0].path == "/ServiceDeliveryFile/ProviderContract[1]/ServiceWeek[1]/Carer[1]"
    assert rejects[1].path == "/ServiceDeliveryFile/ProviderContract[1]/ServiceWeek[1]/Visit[2]"
    assert [i[1]["visit_id"] for i in items if not isinstance(i, Reject)] == ["V-1001", "V-1001", "V-1002"]


def test_a_visit_outside_its_service_week_is_rejected():
    text = FILE.replace('weekEnding="2024-03-10"', 'weekEnding="2024-03-17"')
    items = list(open_xml(text).rows())
    assert {(i.reason, i.field) for i in items} == {("outside_service_week", "planned_start")}


def test_an_unreadable_week_ending_is_rejected_per_record():
    items = list(open_xml(FILE.replace('weekEnding="2024-03-10"', 'weekEnding="soon"')).rows())
    assert [(i.row, i.field, i.reason) for i in items] == [(r, "week_ending", "time_unparseable") for r in (1, 2, 3)]


def test_a_utf8_bom_a_namespace_and_unknown_elements_are_tolerated():
    text = FILE.replace("<ServiceDeliveryFile ", '<ServiceDeliveryFile xmlns="urn:example:sdf" ').replace(
        "<ServiceWeek ", "<Remarks>ignored</Remarks>\n    <ServiceWeek ")
    items = list(open_xml("\ufeff".encode() + text.encode()).rows())
    assert len(items) == 3 and not any(isinstance(i, Reject) for i in items)


WEEK = ('<ServiceWeek serviceUser="SU-{n}" weekEnding="2024-03-10">' + "".join(
    f'<Visit id="V-{{n}}-{d}" plannedStart="2024-03-0{d}T09:00" plannedEnd="2024-03-0{d}T09:30">'
    f'<Carer id="C-1" checkIn="2024-03-0{d}T09:01" checkOut="2024-03-0{d}T09:31" method="app"/></Visit>'
    for d in range(4, 10)) + "</ServiceWeek>\n")


class GeneratedFile(io.RawIOBase):
    """A file of `weeks` service weeks (about 1.2 KB each) generated as it is read, so only the
    reader's memory is measured."""

    def __init__(self, weeks: int):
        header = f'<ServiceDeliveryFile reference="R" provider="{PROVIDER}"><ProviderContract reference="A">'
        footer = "</ProviderContract></ServiceDeliveryFile>"
        self._parts = itertools.chain([header], (WEEK.format(n=n) for n in range(weeks)), [footer])
        self._buffer = bytearray()

    def readable(self):
        return True

    def read(self, size=-1):
        while len(self._buffer) < size and (part := next(self._parts, None)) is not None:
            self._buffer += part.encode()
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out


def resident_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_a_large_file_streams_in_bounded_memory():
    def read_all(weeks: int) -> tuple[int, int]:
        """Python peak (tracemalloc) and growth of resident memory, where libxml2's tree lives."""
        rss_before = resident_bytes()
        tracemalloc.start()
        try:
            reader = open_service_delivery_file(GeneratedFile(weeks))
            rows = sum(1 for _ in reader.rows())
            _, peak = tracemalloc.get_traced_memory()
            grown = resident_bytes() - rss_before  # measured while the reader (and its tree) is alive
        finally:
            tracemalloc.stop()
        assert rows == 6 * weeks
        return peak, grown

    small_peak, _ = read_all(1_000)  # ~1.2 MB of XML
    large_peak, large_grown = read_all(8_000)  # ~10 MB of XML
    assert large_peak < 1024 * 1024
    assert large_peak < small_peak * 1.5, f"memory grew with the file: {small_peak} -> {large_peak} bytes"
    assert large_grown < 8 * 1024 * 1024, f"resident memory grew {large_grown} bytes reading ~10 MB"
