"""Bacs Standard 18 direct-credit file for an approved payment run.

Layout as published in UK banks' Standard 18 guides (label records of 80 characters, data
records of 100 characters for a single-processing-day file). The field positions below MUST be
checked against your sponsoring bank's or bureau's published Standard 18 guide before go-live:
banks differ in small details (e.g. HDR1 file identifier, positions 32-35 of data records).

Records, in order, each followed by CR LF:

VOL1 (80)  1-3 'VOL' | 4 '1' | 5-10 submission serial number (run number, zero-filled) |
           11 accessibility ' ' | 12-41 reserved spaces | 42-47 owner: service user number |
           48-79 reserved spaces | 80 label standard level '1'
HDR1 (80)  1-4 'HDR1' | 5-21 file identifier: 'A' + SUN + 'S' + 2 spaces + '1' + SUN |
           22-27 set identification (= VOL1 serial) | 28-31 file section '0001' | 32-35 file sequence
           '0001' | 36-41 generation number/version spaces | 42-47 creation date ' yyddd' |
           48-53 expiration date ' yyddd' | 54 accessibility ' ' | 55-60 block count '000000' |
           61-80 system code and reserved spaces
HDR2 (80)  1-4 'HDR2' | 5 record format 'F' | 6-10 block length '02000' | 11-15 record length
           '00100' | 16-50 reserved spaces | 51-52 buffer offset '00' | 53-80 reserved spaces
UHL1 (80)  1-4 'UHL1' | 5-10 Bacs processing day ' yyddd' (space, 2-digit year, day of year) |
           11-20 receiving party '999999' + 4 spaces | 21-22 currency '00' (sterling) |
           23-28 country '000000' | 29-37 work code '1 DAILY  ' | 38-40 file number '001' |
           41-80 reserved and audit print identifier spaces
credit (100, one per payment)
           1-6 destination sort code | 7-14 destination account number | 15 account type '0' |
           16-17 transaction code '99' (direct credit) | 18-23 originating sort code |
           24-31 originating account number | 32-35 free format spaces | 36-46 amount in pence,
           11 digits zero-filled | 47-64 service user's name (18) | 65-82 reference (18) |
           83-100 destination account name (18)
contra (100, one per originating account, after that account's credits)
           1-6 originating sort code | 7-14 originating account | 15 '0' | 16-17 transaction code
           '17' (debit contra) | 18-31 originating sort code and account again | 32-35 spaces |
           36-46 total of that account's credits in pence | 47-64 narrative (18) | 65-82 'CONTRA' (18) |
           83-100 originating account name (18)
EOF1, EOF2 (80) as HDR1 and HDR2 with 'EOF' for 'HDR'
UTL1 (80)  1-4 'UTL1' | 5-17 debit value total (13, pence: the contras) | 18-30 credit value total
           (13) | 31-37 debit item count (7: the contras) | 38-44 credit item count (7) | 45-80 reserved spaces

Money leaves from the council's payments account, except payments of lines funded by council-managed
direct payments, which leave from the managed client account (`managed_funding.originating_account`):
the payments account's credits and contra come first, then the managed account's.

Text fields are upper case in the Bacs character set (A-Z 0-9 . & / - space): anything else is
replaced by a space. The file depends only on the run (its number, dates, payments in run order)
and the settings, so exporting the same run again gives byte-identical files.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.clock import london_date
from services.payments.domain.errors import PaymentRefused, RunConflict
from services.payments.domain.files.text import bacs_text
from services.payments.domain.inputs import PaymentSettings
from services.payments.domain.managed_funding import by_originating_account, originating_account
from services.payments.domain.payment_run import PaymentRun, RunStatus

LABEL_LENGTH = 80
RECORD_LENGTH = 100
NEWLINE = "\r\n"
CREDIT = "99"
DEBIT_CONTRA = "17"
MAX_AMOUNT_PENCE = 10**11 - 1


def julian(day: date) -> str:
    """' yyddd': a space, the two-digit year and the day of the year (' 26063' is 4 March 2026)."""
    return f" {day:%y}{day.timetuple().tm_yday:03d}"


def _fixed(*fields: str, length: int) -> str:
    record = "".join(fields)
    if len(record) != length:  # a programming error in a layout below, never a data problem
        raise AssertionError(f"record {record[:4]!r} is {len(record)} characters, not {length}")
    return record


def _header_labels(kind: str, serial: str, sun: str, created: str) -> tuple[str, str]:
    label1 = _fixed(kind, "1", "A", sun, "S", "  ", "1", sun, serial, "0001", "0001", " " * 6, created, created,
                    " ", "000000", " " * 20, length=LABEL_LENGTH)
    label2 = _fixed(kind, "2", "F", "02000", "00100", " " * 35, "00", " " * 28, length=LABEL_LENGTH)
    return label1, label2


def _amount(pence: int, reference: str) -> str:
    if not 0 < pence <= MAX_AMOUNT_PENCE:
        raise PaymentRefused("amount_pence", f"{reference}: a Bacs record carries 1p to £999,999,999.99")
    return f"{pence:011d}"


def write_bacs_standard18(run: PaymentRun, settings: PaymentSettings) -> bytes:
    """The Standard 18 file for an approved run (ASCII, CR LF after every record)."""
    if run.status is not RunStatus.APPROVED:
        raise RunConflict("status", f"run {run.run_id} is not approved: only an approved run is sent to the bank")
    sun = settings.service_user_number
    serial = f"{run.run_number:06d}"
    created = julian(london_date(run.approved_at))
    user_name = bacs_text(settings.bacs_name or settings.council_name, 18)
    hdr1, hdr2 = _header_labels("HDR", serial, sun, created)
    eof1, eof2 = _header_labels("EOF", serial, sun, created)
    records = [
        _fixed("VOL1", serial, " ", " " * 30, sun, " " * 32, "1", length=LABEL_LENGTH),
        hdr1, hdr2,
        _fixed("UHL1", julian(run.processing_day), "999999    ", "00", "000000", "1 DAILY  ", "001", " " * 40,
               length=LABEL_LENGTH),
    ]
    groups = by_originating_account(run.payments)
    for payments in groups:
        origin = originating_account(payments[0], settings)
        for p in payments:
            records.append(_fixed(p.account.sort_code, p.account.account_number, "0", CREDIT, origin.sort_code,
                                  origin.account_number, "    ", _amount(p.amount_pence, p.reference), user_name,
                                  bacs_text(p.reference, 18), bacs_text(p.account.account_name, 18),
                                  length=RECORD_LENGTH))
        records.append(_fixed(origin.sort_code, origin.account_number, "0", DEBIT_CONTRA, origin.sort_code,
                              origin.account_number, "    ", _amount(sum(p.amount_pence for p in payments), "contra"),
                              bacs_text(f"CAREPAY RUN {run.run_number}", 18), bacs_text("CONTRA", 18),
                              bacs_text(origin.account_name, 18), length=RECORD_LENGTH))
    total = run.total_pence
    records += [eof1, eof2, _fixed("UTL1", f"{total:013d}", f"{total:013d}", f"{len(groups):07d}",
                                   f"{len(run.payments):07d}", " " * 36, length=LABEL_LENGTH)]
    return (NEWLINE.join(records) + NEWLINE).encode("ascii")


@dataclass(frozen=True, slots=True)
class BacsSummary:
    """What a Standard 18 file says about itself, read back for the control-total checks."""

    labels: tuple[str, ...]  # label identifiers in order, e.g. ('VOL1', 'HDR1', ...)
    bad_lengths: tuple[int, ...]  # 1-based record numbers whose length is wrong
    credit_count: int
    credit_total_pence: int
    contra_total_pence: int
    contra_count: int
    trailer_debit_total_pence: int
    trailer_credit_total_pence: int
    trailer_debit_count: int
    trailer_credit_count: int
    processing_day: str


def read_bacs_summary(data: bytes) -> BacsSummary:
    """Read back a file this module wrote: labels, record lengths, totals and counts."""
    lines = data.decode("ascii").split(NEWLINE)
    if lines and lines[-1] == "":
        lines.pop()
    labels, bad, credits, credit_total, contras, contra_total, trailer, processing = [], [], 0, 0, 0, 0, "", ""
    for number, line in enumerate(lines, start=1):
        if line[:4] in {"VOL1", "HDR1", "HDR2", "UHL1", "EOF1", "EOF2", "UTL1"}:
            labels.append(line[:4])
            if len(line) != LABEL_LENGTH:
                bad.append(number)
            if line[:4] == "UHL1":
                processing = line[4:10]
            elif line[:4] == "UTL1":
                trailer = line
            continue
        if len(line) != RECORD_LENGTH:
            bad.append(number)
        if line[15:17] == CREDIT:
            credits += 1
            credit_total += int(line[35:46])
        elif line[15:17] == DEBIT_CONTRA:
            contras += 1
            contra_total += int(line[35:46])
    return BacsSummary(tuple(labels), tuple(bad), credits, credit_total, contra_total, contras,
                       int(trailer[4:17] or 0), int(trailer[17:30] or 0), int(trailer[30:37] or 0),
                       int(trailer[37:44] or 0), processing)
