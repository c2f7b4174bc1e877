"""The ISO 20022 pain.001.001.03 file, validated against the published XSD."""
from __future__ import annotations

from importlib.resources import files

import pytest
import xmlschema
from lxml import etree

from services.payments.domain.files.pain001 import NAMESPACE, read_pain001_totals, write_pain001
from tests.unit.payments.builders import SETTINGS, a_sound_run, approved, invoice, payee, propose

NS = {"p": NAMESPACE}


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    # The XSD as published for pain.001.001.03, shipped in the sepaxml package (used for nothing else).
    return xmlschema.XMLSchema(str(files("sepaxml") / "schemas" / "pain.001.001.03.xsd"))


def test_file_is_valid_against_the_published_pain001_schema(schema):
    schema.validate(write_pain001(a_sound_run(), SETTINGS).decode("utf-8"))


def test_awkward_names_still_give_a_valid_file(schema):
    run = approved(propose([invoice()], {"PRV-1": payee(name="Ünïcode & <Care> \"Ltd\" — 24/7 " + "x" * 80)}))
    xml = write_pain001(run, SETTINGS)
    schema.validate(xml.decode("utf-8"))
    assert etree.fromstring(xml).findtext(".//p:Cdtr/p:Nm", namespaces=NS).startswith("Unicode & Care")


def test_control_sum_and_number_of_transactions_equal_the_run():
    run = a_sound_run()
    count, control, summed = read_pain001_totals(write_pain001(run, SETTINGS))
    assert (count, control, summed) == (len(run.payments), run.total_pence, run.total_pence)


def test_one_payment_information_block_with_a_transaction_per_payment_in_gbp():
    run = a_sound_run()
    root = etree.fromstring(write_pain001(run, SETTINGS))
    assert len(root.findall(".//p:PmtInf", NS)) == 1
    amounts = root.findall(".//p:CdtTrfTxInf/p:Amt/p:InstdAmt", NS)
    assert [a.get("Ccy") for a in amounts] == ["GBP"] * len(run.payments)
    assert [a.text for a in amounts][0] == f"{run.payments[0].amount_pence / 100:.2f}"
    assert root.findtext(".//p:PmtInf/p:ReqdExctnDt", namespaces=NS) == run.pay_date.isoformat()


def test_uk_account_is_sort_code_and_number_with_the_sort_code_as_clearing_member():
    run = a_sound_run()
    tx = etree.fromstring(write_pain001(run, SETTINGS)).find(".//p:CdtTrfTxInf", NS)
    account = run.payments[0].account
    assert tx.findtext("p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=NS) == account.sort_code + account.account_number
    assert tx.findtext("p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Prtry", namespaces=NS) == "UK.OBIE.SortCodeAccountNumber"
    member = tx.find("p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId", NS)
    assert member.findtext("p:ClrSysId/p:Cd", namespaces=NS) == "GBDSC"
    assert member.findtext("p:MmbId", namespaces=NS) == account.sort_code


def test_message_id_and_creation_time_come_from_the_run_so_re_export_is_byte_identical():
    first, second = write_pain001(a_sound_run(), SETTINGS), write_pain001(a_sound_run(), SETTINGS)
    assert first == second
    root = etree.fromstring(first)
    assert root.findtext(".//p:GrpHdr/p:MsgId", namespaces=NS) == "CAREPAY-RUN-000042"
    assert root.findtext(".//p:GrpHdr/p:CreDtTm", namespaces=NS) == "2026-03-06T09:30:00"
