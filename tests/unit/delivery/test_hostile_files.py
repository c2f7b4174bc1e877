"""Files in the wrong encoding are refused as a whole with a reason a provider can act on."""
from __future__ import annotations

import io

import pytest

from services.delivery.domain.parsing.csv_feed import REQUIRED_COLUMNS, open_visit_csv
from services.delivery.domain.parsing.xml_feed import open_service_delivery_file
from services.delivery.domain.rejects import FeedFileError

HEADER = ",".join(REQUIRED_COLUMNS)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_utf16_or_utf32_csv_is_refused_saying_to_save_it_as_utf8(encoding):
    with pytest.raises(FeedFileError) as refused:
        open_visit_csv(io.BytesIO(f"{HEADER}\n".encode(encoding)))
    assert refused.value.reason == "not_utf8"
    assert "CSV UTF-8" in refused.value.message


def test_a_header_with_latin1_bytes_is_refused_as_not_utf8_not_as_missing_columns():
    with pytest.raises(FeedFileError) as refused:
        open_visit_csv(io.BytesIO(f"{HEADER},co\u00fbt \u00a3\n".encode("latin-1")))
    assert refused.value.reason == "not_utf8" and refused.value.line == 1


def test_a_latin1_row_is_one_reject_and_the_file_reads_on():
    rows = list(open_visit_csv(io.BytesIO(f"{HEADER}\n{'£,' * 8}£\n".encode("latin-1") + f"{'a,' * 8}a\n".encode()))
                .rows())
    assert rows[0].reason == "not_utf8" and rows[0].row == 2
    assert rows[1][0] == 3


def test_a_utf16_service_delivery_file_is_refused_saying_to_save_it_as_utf8():
    xml = '<?xml version="1.0" encoding="UTF-16"?><ServiceDeliveryFile reference="R" provider="P"/>'
    with pytest.raises(FeedFileError) as refused:
        open_service_delivery_file(io.BytesIO(xml.encode("utf-16")))
    assert refused.value.reason == "not_utf8"


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>',
    '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE r SYSTEM "http://example.invalid/evil.dtd">',
])
def test_entity_expansion_and_external_entities_are_refused_before_parsing(doctype):
    xml = f'<?xml version="1.0"?>{doctype}<ServiceDeliveryFile reference="R" provider="P">&lol2;</ServiceDeliveryFile>'
    with pytest.raises(FeedFileError) as refused:
        open_service_delivery_file(io.BytesIO(xml.encode()))
    assert refused.value.reason == "doctype_refused"
