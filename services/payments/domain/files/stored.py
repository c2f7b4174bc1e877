"""The files of an exported run as they are stored: each with its name (as downloaded), its SHA-256
and the control total read back from its own bytes (so the database can check it against the run's)."""
from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass

from shared.money import pounds_to_pence
from services.payments.domain.files.bacs_standard18 import read_bacs_summary
from services.payments.domain.files.export import RunFiles
from services.payments.domain.files.pain001 import read_pain001_totals


@dataclass(frozen=True)
class StoredFile:
    name: str
    kind: str
    content: bytes
    control_total_pence: int
    payee_id: str | None = None
    payment_reference: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _last_amount(text: str, column: int) -> int:
    rows = list(csv.reader(io.StringIO(text)))
    return pounds_to_pence(rows[-1][column] or "0") if len(rows) > 1 else 0


def files_of(run_files: RunFiles) -> list[StoredFile]:
    """Every file with its name (as downloaded) and the control total it carries."""
    files = [StoredFile("bacs", "bacs", run_files.bacs, read_bacs_summary(run_files.bacs).contra_total_pence),
             StoredFile("pain001", "pain001", run_files.pain001, read_pain001_totals(run_files.pain001)[1]),
             StoredFile("journal", "journal", run_files.journal_csv.encode(), _last_amount(run_files.journal_csv, -1))]
    seen: set[str] = set()
    for r in run_files.remittances:
        total = _last_amount(r.csv, -1)  # the HTML page renders the same lines and total
        # A payee paid from two accounts has two payments: the second advice is named by its reference.
        stem = f"remittance/{r.payee_id}" + (f"-{r.payment_reference}" if r.payee_id in seen else "")
        seen.add(r.payee_id)
        files += [StoredFile(f"{stem}.csv", "remittance_csv", r.csv.encode(), total, r.payee_id, r.payment_reference),
                  StoredFile(f"{stem}.html", "remittance_html", r.html.encode(), total, r.payee_id,
                             r.payment_reference)]
    return files
