"""CSV for the prompt-payment notice and the transparency lists (see `domain.prompt_payment`)."""
from __future__ import annotations

import csv
import io

from shared.money import pence_to_pounds
from shared.spreadsheet import safe_row
from services.payments.domain.prompt_payment import PaymentsComplianceNotice, PromptPaymentFigures, PublishedPayment

NOTICE_COLUMNS = ("council", "period_start", "period_end", "scope", "invoices_paid", "value_paid",
                  "average_days_to_pay", "paid_within_30_days_pct", "paid_31_to_60_days_pct",
                  "paid_after_60_days_pct", "paid_within_30_days_of_valid_pct", "payable_not_paid_in_period_pct")
PUBLISHED_COLUMNS = ("paid_on", "payment_reference", "payee_id", "payee", "amount", "service_types", "cost_centres")


def _writer():  # a StringIO and a CSV writer into it, CR LF as spreadsheets expect
    out = io.StringIO()
    return out, csv.writer(out, lineterminator="\r\n")


def notice_csv(notice: PaymentsComplianceNotice) -> str:
    """One row for the council overall, then one per provider."""
    out, writer = _writer()
    writer.writerow(NOTICE_COLUMNS)

    def row(scope: str, f: PromptPaymentFigures, not_paid: str) -> None:
        writer.writerow(safe_row([notice.council_name, notice.period_start.isoformat(), notice.period_end.isoformat(),
                                  scope])
                        + [f.invoices_paid, pence_to_pounds(f.value_paid_pence), f.average_days_to_pay,
                           f.within_30_days_pct, f.within_31_to_60_days_pct, f.after_60_days_pct,
                           f.within_30_days_of_valid_pct, not_paid])

    row("overall", notice.overall, str(notice.payable_not_paid_in_period_pct))
    for provider, figures in notice.by_provider.items():
        row(provider, figures, "")
    return out.getvalue()


def published_payments_csv(payments: list[PublishedPayment]) -> str:
    out, writer = _writer()
    writer.writerow(PUBLISHED_COLUMNS)
    for p in payments:
        writer.writerow([p.paid_on.isoformat()]
                        + safe_row([p.payment_reference, p.payee_id, p.payee_name])
                        + [pence_to_pounds(p.amount_pence)]
                        + safe_row([" ".join(p.service_types), " ".join(p.cost_centres)]))
    return out.getvalue()
