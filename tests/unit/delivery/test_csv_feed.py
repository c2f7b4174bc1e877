"""The flat visit export (parsing/csv_feed.py): header mapping, encodings, bad rows, formula cells."""
from __future__ import annotations

import io

import pytest

from services.delivery.domain.parsing.csv_feed import open_visit_csv, safe_cell
from services.delivery.domain.rejects import FeedFileError, Reject
from services.delivery.domain.validation import validate_feed

from .builders import PROVIDER, utc

HEADER = "provider_ref,service_user_ref,visit_id,carer_id,planned_start,planned_end,check_in,check_out,check_in_method"


def read(text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    return list(open_visit_csv(io.BytesIO(data)).rows())


def test_excel_csv_with_bom_and_crlf_is_read():
    data = ("\ufeff" + HEADER + "\r\n" + f"{PROVIDER},SU-1,V-1,C-1,2024-03-04T09:00,2024-03-04T09:30,"
            "2024-03-04T09:01,2024-03-04T09:31,app\r\n").encode()
    [(row, values)] = read(data)
    assert row == 2
    assert values["provider_ref"] == PROVIDER and values["check_in_method"] == "app"


def test_columns_are_found_by_name_in_any_order_and_case_with_extra_columns_ignored():
    text = ("Check-In Method,CARER_ID,Notes,Visit ID,service_user_ref,Provider_Ref,planned_end,planned_start,"
            "check_out,check_in,Exception_Code\n"
            "manual,C-9,=SUM(A1),V-9,SU-9,1-123456789,04/03/2024 09:30,04/03/2024 09:00,"
            "04/03/2024 09:25,04/03/2024 09:05,\n")
    csv_file = open_visit_csv(io.BytesIO(text.encode()))
    assert csv_file.ignored_columns == ("Notes",)
    assert csv_file.mapped_columns == ("Check-In Method", "CARER_ID", "Visit ID", "service_user_ref", "Provider_Ref",
                                       "planned_end", "planned_start", "check_out", "check_in", "Exception_Code")
    [(_, values)] = list(csv_file.rows())
    assert values == {"check_in_method": "manual", "carer_id": "C-9", "visit_id": "V-9", "service_user_ref": "SU-9",
                      "provider_ref": "1-123456789", "planned_end": "04/03/2024 09:30",
                      "planned_start": "04/03/2024 09:00", "check_out": "04/03/2024 09:25",
                      "check_in": "04/03/2024 09:05", "exception_code": ""}


def test_misspelt_and_formula_columns_are_named_as_ignored_defused():
    text = HEADER + ",exception_cdoe,=cmd|' /C calc'!A0,\n"
    csv_file = open_visit_csv(io.BytesIO(text.encode()))
    assert csv_file.mapped_columns == tuple(HEADER.split(","))
    assert csv_file.ignored_columns == ("exception_cdoe", "'=cmd|' /C calc'!A0", "")


def test_uk_dates_in_a_csv_become_utc_times():
    text = HEADER + "\n" + f"{PROVIDER},SU-1,V-1,C-1,04/07/2024 09:00,04/07/2024 09:30,04/07/2024 09:01,04/07/2024 09:31,app\n"
    [batch] = validate_feed(open_visit_csv(io.BytesIO(text.encode())).rows(), provider_ref=PROVIDER)
    assert batch.records[0].check_in == utc(2024, 7, 4, 8, 1)


def test_missing_required_columns_are_one_file_error_naming_them():
    with pytest.raises(FeedFileError) as e:
        open_visit_csv(io.BytesIO(b"provider_ref,visit_id,check_in\n1,2,3\n"))
    assert e.value.reason == "missing_columns"
    assert e.value.columns == ("service_user_ref", "carer_id", "planned_start", "planned_end", "check_out",
                               "check_in_method")
    assert "carer_id" in e.value.message


def test_an_empty_file_is_a_file_error():
    with pytest.raises(FeedFileError, match="empty"):
        open_visit_csv(io.BytesIO(b""))


def test_a_column_named_twice_is_a_file_error():
    with pytest.raises(FeedFileError) as e:
        open_visit_csv(io.BytesIO((HEADER + ",Carer ID\n").encode()))
    assert e.value.reason == "duplicate_column" and e.value.columns == ("carer_id",)


def test_bad_rows_are_reported_with_row_number_and_field_while_good_rows_pass():
    good = f"{PROVIDER},SU-1,V-{{n}},C-1,2024-03-04T09:00,2024-03-04T09:30,2024-03-04T09:01,2024-03-04T09:31,app"
    lines = [HEADER,
             good.format(n=1),                                                               # row 2
             f"{PROVIDER},SU-1,V-2,,2024-03-04T09:00,2024-03-04T09:30,2024-03-04T09:01,2024-03-04T09:31,app",  # 3
             f"{PROVIDER},SU-1,V-3,C-1,2024-03-04T09:00,2024-03-04T09:30,31/31/2024 09:01,2024-03-04T09:31,app",  # 4
             good.format(n=4) + ",surplus",                                                  # 5
             ",,,,,,,,",                                                                     # 6: blank, skipped
             f"{PROVIDER},SU-1,V-6,C-1,2024-03-04T09:00",                                    # 7: short row
             f"{PROVIDER},SU-1,V-7,C-1,2024-03-04T09:00,2024-03-04T09:30,2024-03-04T09:31,2024-03-04T09:01,app",  # 8
             "1-000000000" + good.format(n=8)[len(PROVIDER):],                               # 9
             good.format(n=9)]                                                               # 10
    batches = list(validate_feed(open_visit_csv(io.BytesIO("\r\n".join(lines).encode())).rows(), provider_ref=PROVIDER))
    assert [r for b in batches for r in b.rows] == [2, 10]
    assert [(r.row, r.field, r.reason) for b in batches for r in b.rejects] == [
        (3, "carer_id", "missing_carer_id"),
        (4, "check_in", "time_unparseable"),
        (5, None, "too_many_cells"),
        (7, "planned_end", "missing_field"),
        (8, "check_out", "check_out_before_check_in"),
        (9, "provider_ref", "provider_mismatch")]


def test_a_row_with_bytes_that_are_not_utf8_is_rejected_alone():
    data = (HEADER + "\n").encode() + b"1-123456789,SU-\xe9,V-1,C-1,a,b,c,d,app\n" + \
        f"{PROVIDER},SU-1,V-2,C-1,2024-03-04T09:00,2024-03-04T09:30,2024-03-04T09:01,2024-03-04T09:31,app\n".encode()
    items = read(data)
    assert isinstance(items[0], Reject) and (items[0].row, items[0].reason) == (2, "not_utf8")
    assert items[1][0] == 3


def test_quoted_cells_may_hold_commas_and_line_breaks():
    text = HEADER + ",notes\n" + f'{PROVIDER},"SU,1",V-1,C-1,a,b,c,d,app,"two\nlines"\n' + f"{PROVIDER},SU-2,V-2,C-1,a,b,c,d,app,\n"
    items = read(text)
    assert [(row, v["service_user_ref"]) for row, v in items] == [(2, "SU,1"), (3, "SU-2")]


def test_the_callers_stream_is_left_open():
    stream = io.BytesIO((HEADER + "\n").encode())
    list(open_visit_csv(stream).rows())
    assert not stream.closed


@pytest.mark.parametrize(("cell", "safe"), [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"), ("+44 1234", "'+44 1234"),
    ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("C-1", "C-1"), ("", ""), (None, "")])
def test_safe_cell_defuses_formula_triggers_for_exports(cell, safe):
    assert safe_cell(cell) == safe
