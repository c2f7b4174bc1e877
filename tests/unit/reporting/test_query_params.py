"""Reporting's query-string types (api/params.py) refuse exactly what their published schemas refuse: dates
only as YYYY-MM-DD in 1900-2199 (not seconds since 1970, nor another spelling), mechanisms by name separated
by commas, cost centres that name one."""
from __future__ import annotations

from datetime import date

import jsonschema_rs
import pytest
from pydantic import TypeAdapter, ValidationError

from services.reporting.api.params import CostCentreFilter, MechanismFilter, NAMING_CHAR, ReportDate



def agree(kind, value) -> bool:
    """Whether the type and its JSON schema (formats checked) both accept `value`; fails if they disagree."""
    adapter = TypeAdapter(kind)
    try:
        adapter.validate_python(value)
        accepted = True
    except ValidationError:
        accepted = False
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **adapter.json_schema()}
    assert jsonschema_rs.validator_for(schema, validate_formats=True).is_valid(value) is accepted, value
    return accepted


@pytest.mark.parametrize("value, ok", [
    ("2026-03-31", True), ("1900-01-01", True), ("2199-12-31", True), ("1899-12-31", False), ("2200-01-01", False),
    ("0", False), ("1767225600", False), ("2026-3-31", False), ("2026-02-30", False), ("20260331", False),
    ("2026-03-31T00:00:00", False), ("2026-03-31\n", False), (" 2026-03-31", False)])
def test_a_report_date_is_yyyy_mm_dd_from_1900_to_2199(value, ok):
    assert agree(ReportDate, value) is ok
    if ok:
        assert TypeAdapter(ReportDate).validate_python(value) == date.fromisoformat(value)


@pytest.mark.parametrize("value, ok", [
    ("", True), ("isf", True), ("isf,council_arranged", True), (" isf , direct_payment_managed ", True),
    ("council", False), ("isf,,isf", False), ("isf\t", False), ("ISF", False), ("isf," * 60, False)])
def test_the_mechanism_filter_names_mechanisms_separated_by_commas(value, ok):
    assert agree(MechanismFilter, value) is ok


@pytest.mark.parametrize("value, ok", [
    ("ASC-NORTH", True), (" unassigned ", True), ("a,,b", True), ("", False), (" , ", False), ("\t\u3000", False),
    ("x" * 201, False)])
def test_a_cost_centre_filter_names_one(value, ok):
    assert agree(CostCentreFilter, value) is ok


def test_a_naming_character_is_neither_a_comma_nor_what_strip_trims_nor_nul():
    import re
    assert not [c for c in map(chr, range(0x10000)) if (c.isspace() or c in ",\x00") == bool(
        re.fullmatch(NAMING_CHAR, c))]
