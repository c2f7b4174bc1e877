"""Payment files of two runs of the same month, made comparable byte for byte.

The scenario cannot make these identifiers deterministic (the services hand them out), so each
file is rewritten with only them replaced; every other byte (payees, sort codes, accounts, names,
amounts, pay and processing dates, counts and control totals) is compared exactly as exported.

- The run number (a database sequence shared by every run on the stack): `RRRRRR` wherever the
  file carries it: the Bacs VOL1 serial and HDR1/EOF1 set identification, the contra narrative
  `CAREPAY RUN n`, the payment references `CPnnnnnn-sssss` (Bacs, pain.001 InstrId/EndToEndId/
  Ustrd), pain.001 MsgId/PmtInfId `CAREPAY-RUN-nnnnnn`, the journal reference `CP-RUN-nnnnnn` and
  its descriptions `run n`.
- The approval time: pain.001 CreDtTm, and the Bacs HDR1/EOF1 creation and expiry dates (the day
  of approval), as `(approved)` / ` DDDDD`.
- The order of payments, and so the sequence `sssss` of each payment reference: payments follows
  the order of its payee ids (providers' PRV-… and direct payments' DP-…, random per run), so
  credit records and CdtTrfTxInf blocks are put in the order of the payee's sort code and account
  (which the scenario's seed fixes) and references renumbered 1, 2, … in that order.
"""
from __future__ import annotations

import re

RUN = "RRRRRR"
BACS_LABELS = ("VOL1", "HDR1", "HDR2", "UHL1", "EOF1", "EOF2", "UTL1")


def payment_file(name: str, content: bytes, run_number: int) -> bytes:
    """The file `name` (bacs, pain001, journal) of run `run_number`, normalised as the module says."""
    normalisers = {"bacs": bacs, "pain001": pain001, "journal": journal}
    if name not in normalisers:
        raise ValueError(f"no normaliser for payment file {name!r}: add one before comparing it")
    return normalisers[name](content, run_number)


def _references(run_number: int, ordered_refs: list[str]) -> dict[str, str]:
    return {ref: f"CP{RUN}-{n:05d}" for n, ref in enumerate(ordered_refs, start=1)}


def bacs(content: bytes, run_number: int) -> bytes:
    records = content.decode("ascii").split("\r\n")
    tail = records.pop() if records and records[-1] == "" else None
    serial = f"{run_number:06d}"
    labels = [i for i, r in enumerate(records) if r[:4] in BACS_LABELS]
    credits = [r for r in records if r[:4] not in BACS_LABELS and r[15:17] == "99"]
    by_account = sorted(credits, key=lambda r: (r[0:14], r[35:46]))
    renumber = _references(run_number, [r[64:82].strip() for r in by_account])
    out, ordered = [], iter(by_account)
    for i, r in enumerate(records):
        if i in labels:
            if r.startswith("VOL1") and r[4:10] == serial:
                r = r[:4] + RUN + r[10:]
            if r[:4] in ("HDR1", "EOF1") and r[21:27] == serial:
                r = r[:21] + RUN + r[27:41] + " DDDDD DDDDD" + r[53:]
        elif r[15:17] == "99":
            r = next(ordered)
            r = r[:64] + renumber[r[64:82].strip()].ljust(18) + r[82:]
        elif r[15:17] == "17" and r[46:64].rstrip() == f"CAREPAY RUN {run_number}":
            r = r[:46] + f"CAREPAY RUN {RUN}" + r[64:]
        out.append(r)
    if tail is not None:
        out.append(tail)
    return "\r\n".join(out).encode("ascii")


_TX = re.compile(r"[ \t]*<CdtTrfTxInf>.*?</CdtTrfTxInf>\n", re.S)
_CREDITOR_ACCOUNT = re.compile(r"<CdtrAcct>.*?<Id>\s*<Othr>\s*<Id>([^<]*)</Id>", re.S)


def pain001(content: bytes, run_number: int) -> bytes:
    text = content.decode("utf-8")
    blocks = _TX.findall(text)
    if blocks:
        first, last = text.index(blocks[0]), text.rindex(blocks[-1]) + len(blocks[-1])
        # Two payments into one account (council-managed direct payments into the client account) are told
        # apart by what they say, less their references (numbered in the random order of payee ids).
        ordered = sorted(blocks, key=lambda b: (_CREDITOR_ACCOUNT.search(b).group(1),
                                                re.sub(rf"CP{run_number:06d}-\d{{5}}", "", b)))
        text = text[:first] + "".join(ordered) + text[last:]
    refs = list(dict.fromkeys(re.findall(rf"CP{run_number:06d}-\d{{5}}", text)))
    renumber = _references(run_number, refs)
    text = re.sub(rf"CP{run_number:06d}-\d{{5}}", lambda m: renumber[m.group(0)], text)
    text = text.replace(f"CAREPAY-RUN-{run_number:06d}", f"CAREPAY-RUN-{RUN}")
    text = re.sub(r"<CreDtTm>[^<]*</CreDtTm>", "<CreDtTm>(approved)</CreDtTm>", text)
    return text.encode("utf-8")


def journal(content: bytes, run_number: int) -> bytes:
    text = content.decode("utf-8").replace(f"CP-RUN-{run_number:06d}", f"CP-RUN-{RUN}")
    return re.sub(rf"\brun {run_number}\b", f"run {RUN}", text).encode("utf-8")
