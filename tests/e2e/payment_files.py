"""Reading the files a payment run exported, as the bank would: the Bacs Standard 18 file's credit
records, contra and UTL1 totals, and the pain.001's CtrlSum."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from lxml import etree

PAIN001 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"


@dataclass(frozen=True)
class BacsFile:
    credits: dict[tuple[str, str], int]  # (sort code, account) -> pence credited
    credit_count: int
    contra_pence: int  # debits the council's account for the total credited
    utl1_credit_pence: int
    utl1_debit_pence: int


def read_bacs(path: Path) -> BacsFile:
    text = path.read_bytes().decode("ascii")
    records = text.rstrip("\r\n").split("\r\n")
    assert [r[:4] for r in records[:4]] == ["VOL1", "HDR1", "HDR2", "UHL1"], records[:4]
    assert [r[:4] for r in records[-3:]] == ["EOF1", "EOF2", "UTL1"], records[-3:]
    data = records[4:-3]
    assert all(len(r) == 100 for r in data)
    credits: dict[tuple[str, str], int] = defaultdict(int)
    contras = []
    for r in data:
        if r[15:17] == "99":  # direct credit: destination sort code and account, amount in pence
            credits[(r[0:6], r[6:14])] += int(r[35:46])
        elif r[15:17] == "17":
            contras.append(int(r[35:46]))
    utl1 = records[-1]
    return BacsFile(dict(credits), sum(1 for r in data if r[15:17] == "99"), sum(contras),
                    utl1_credit_pence=int(utl1[17:30]), utl1_debit_pence=int(utl1[4:17]))


def pain001_control_sum(path: Path) -> int:
    header = etree.parse(str(path)).getroot().find(f"{{{PAIN001}}}CstmrCdtTrfInitn/{{{PAIN001}}}GrpHdr")
    return int(Decimal(header.findtext(f"{{{PAIN001}}}CtrlSum")) * 100)
