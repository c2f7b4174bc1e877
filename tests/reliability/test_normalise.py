"""The payment-file normaliser hides run numbers, approval times and payee-id order, and nothing else."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.payments.domain.files.export import export_run
from services.payments.domain.inputs import BankAccount, ProviderPayee
from tests.reliability.normalise import payment_file
from tests.unit.payments.builders import APPROVED_AT, APPROVER, MAPPING, SETTINGS, invoice, propose

ACCOUNTS = {"Ashby Care": "11112222", "Barrow Care": "33334444"}


def files(ids: dict[str, str], run_number: int, *, pence: int = 12_345, days_later: int = 0) -> dict[str, bytes]:
    """A run paying Ashby Care and Barrow Care, whose payments has given them `ids` (name -> id)."""
    payees = {pid: ProviderPayee(pid, name, BankAccount("200000", ACCOUNTS[name], name.upper()), bank_verified=True)
              for name, pid in ids.items()}
    invoices = [invoice(f"INV-{name[0]}", pid, pence if name == "Ashby Care" else 50_000) for name, pid in ids.items()]
    run = propose(invoices, payees, run_number=run_number).approve(APPROVER, APPROVED_AT + timedelta(days=days_later))
    written = export_run(run, SETTINGS, MAPPING)
    raw = {"bacs": written.bacs, "pain001": written.pain001, "journal": written.journal_csv.encode()}
    return {name: payment_file(name, content, run_number) for name, content in raw.items()}


FIRST = files({"Ashby Care": "PRV-1", "Barrow Care": "PRV-2"}, run_number=42)


def test_another_run_number_approval_day_and_payee_order_normalise_to_the_same_bytes():
    # Barrow's id now sorts first: payments pays it first and numbers the references the other way.
    again = files({"Ashby Care": "PRV-9", "Barrow Care": "PRV-3"}, run_number=317, days_later=1)
    assert again == FIRST
    assert b"RRRRRR" in FIRST["bacs"] and b"000042" not in FIRST["bacs"]
    assert b"CAREPAY-RUN-RRRRRR" in FIRST["pain001"] and b"CP-RUN-RRRRRR" in FIRST["journal"]


@pytest.mark.parametrize("name", ["bacs", "pain001", "journal"])
def test_a_penny_more_for_one_payee_is_a_difference(name):
    assert files({"Ashby Care": "PRV-1", "Barrow Care": "PRV-2"}, run_number=42, pence=12_346)[name] != FIRST[name]


@pytest.mark.parametrize("name", ["bacs", "pain001"])
def test_another_account_is_a_difference(name):
    ACCOUNTS["Barrow Care"] = "33334445"
    try:
        assert files({"Ashby Care": "PRV-1", "Barrow Care": "PRV-2"}, run_number=42)[name] != FIRST[name]
    finally:
        ACCOUNTS["Barrow Care"] = "33334444"


def test_a_file_without_a_normaliser_is_refused_rather_than_compared_raw():
    with pytest.raises(ValueError, match="remittance"):
        payment_file("remittance", b"", 42)
