"""ISO 20022 customer credit transfer initiation, pain.001.001.03, for an approved payment run.

Version 03 because it is the one UK banks' host-to-host and Bacs-via-ISO channels most widely
accept; it validates against the published XSD (tests use the copy shipped by `sepaxml`).
One message per run; one PmtInf (GBP, on the pay date) per account debited: the council's payments
account, then the managed client account for payments of lines funded by council-managed direct
payments (`managed_funding.originating_account`); one CdtTrfTxInf per payment. The group header's
NbOfTxs and CtrlSum equal the run's count and total, each PmtInf's its own payments'.

UK accounts have no IBAN in Bacs, so (both forms are valid against the XSD):
- the account is `Id/Othr/Id` = sort code and account number as 14 digits ('40127654321098'),
  with `SchmeNm/Prtry` 'UK.OBIE.SortCodeAccountNumber', the Open Banking UK scheme name for
  exactly that form;
- the bank is `FinInstnId/ClrSysMmbId` with `ClrSysId/Cd` 'GBDSC' (ISO external code: UK
  Domestic Sort Code) and `MmbId` the 6-digit sort code.
`PmtTpInf/LclInstrm/Prtry` 'BACS' asks for Bacs rather than Faster Payments. Banks' message
implementation guides differ in such details: check them against your bank's guide.

Deterministic: MsgId comes from the run number (so a bank refuses a second submission of the
same run), CreDtTm is the run's approval time; nothing reads the clock.
"""
from __future__ import annotations

from datetime import timezone
from decimal import Decimal

from lxml import etree

from shared.money import pence_to_pounds, pounds_to_pence
from services.payments.domain.errors import RunConflict
from services.payments.domain.files.text import iso_text
from services.payments.domain.inputs import BankAccount, PaymentSettings
from services.payments.domain.managed_funding import by_originating_account, originating_account
from services.payments.domain.payment_run import PaymentRun, RunStatus
from services.payments.domain.run_lines import Payment

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
SORT_CODE_CLEARING = "GBDSC"
ACCOUNT_SCHEME = "UK.OBIE.SortCodeAccountNumber"


def message_id(run: PaymentRun) -> str:
    return f"CAREPAY-RUN-{run.run_number:06d}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def _chain(parent: etree._Element, path: str, text: str) -> None:
    for tag in path.split("/")[:-1]:
        parent = _sub(parent, tag)
    _sub(parent, path.split("/")[-1], text)


def _account(parent: etree._Element, tag: str, account: BankAccount, currency: bool = False) -> None:
    holder = _sub(parent, tag)
    other = _sub(_sub(holder, "Id"), "Othr")
    _sub(other, "Id", account.sort_code + account.account_number)
    _chain(other, "SchmeNm/Prtry", ACCOUNT_SCHEME)
    if currency:
        _sub(holder, "Ccy", "GBP")


def _agent(parent: etree._Element, tag: str, account: BankAccount) -> None:
    member = _sub(_sub(_sub(parent, tag), "FinInstnId"), "ClrSysMmbId")
    _chain(member, "ClrSysId/Cd", SORT_CODE_CLEARING)
    _sub(member, "MmbId", account.sort_code)


def write_pain001(run: PaymentRun, settings: PaymentSettings) -> bytes:
    """The pain.001.001.03 XML (UTF-8) for an approved run."""
    if run.status is not RunStatus.APPROVED:
        raise RunConflict("status", f"run {run.run_id} is not approved: only an approved run is sent to the bank")
    count, total = str(len(run.payments)), str(pence_to_pounds(run.total_pence))
    council = iso_text(settings.council_name, 70)
    document = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    initiation = _sub(document, "CstmrCdtTrfInitn")
    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", message_id(run))
    _sub(header, "CreDtTm", run.approved_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"))
    _sub(header, "NbOfTxs", count)
    _sub(header, "CtrlSum", total)
    _chain(header, "InitgPty/Nm", council)
    groups = by_originating_account(run.payments)
    for number, payments in enumerate(groups, start=1):
        _payment_information(initiation, run, settings, number, payments)
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _payment_information(initiation: etree._Element, run: PaymentRun, settings: PaymentSettings, number: int,
                         payments: list[Payment]) -> None:
    """One PmtInf: the payments debited from one account."""
    debtor = originating_account(payments[0], settings)
    info = _sub(initiation, "PmtInf")
    _sub(info, "PmtInfId", f"{message_id(run)}-{number}")
    _sub(info, "PmtMtd", "TRF")
    _sub(info, "BtchBookg", "true")
    _sub(info, "NbOfTxs", str(len(payments)))
    _sub(info, "CtrlSum", str(pence_to_pounds(sum(p.amount_pence for p in payments))))
    _chain(info, "PmtTpInf/LclInstrm/Prtry", "BACS")
    _sub(info, "ReqdExctnDt", run.pay_date.isoformat())
    _chain(info, "Dbtr/Nm", iso_text(settings.council_name, 70))
    _account(info, "DbtrAcct", debtor, currency=True)
    _agent(info, "DbtrAgt", debtor)
    for payment in payments:
        tx = _sub(info, "CdtTrfTxInf")
        ids = _sub(tx, "PmtId")
        _sub(ids, "InstrId", payment.reference)
        _sub(ids, "EndToEndId", payment.reference)
        _sub(_sub(tx, "Amt"), "InstdAmt", str(pence_to_pounds(payment.amount_pence)), Ccy="GBP")
        _agent(tx, "CdtrAgt", payment.account)
        _chain(tx, "Cdtr/Nm", iso_text(payment.payee_name, 70))
        _account(tx, "CdtrAcct", payment.account)
        _chain(tx, "RmtInf/Ustrd", iso_text(f"{payment.reference} {settings.council_name} remittance advice "
                                            f"{run.pay_date:%d/%m/%Y}", 140))


def read_pain001_totals(xml: bytes) -> tuple[int, int, int]:
    """(NbOfTxs, CtrlSum in pence, sum of the transactions in pence) from the group header."""
    ns = {"p": NAMESPACE}
    root = etree.fromstring(xml)
    count = int(root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns))
    control = pounds_to_pence(Decimal(root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=ns)))
    amounts = root.iterfind("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf/p:Amt/p:InstdAmt", namespaces=ns)
    return count, control, sum(pounds_to_pence(Decimal(a.text)) for a in amounts)
