"""Remittance advice: what one payment covers, invoice by invoice and period by period.

One CSV and one printable HTML page per provider payment; a credit note's line says why it was
raised (its `reason`), so the provider sees why money was taken back. CSV text cells that a spreadsheet
would run as a formula (starting = + - @) are neutralised with `shared.spreadsheet`; HTML text
is escaped. The account number is shown masked to its last four digits.
"""
from __future__ import annotations

import csv
import io
from html import escape

from shared.money import format_gbp, pence_to_pounds
from shared.spreadsheet import safe_row
from services.payments.domain.payment_run import PaymentRun
from services.payments.domain.run_lines import PayeeKind, Payment

COLUMNS = ("payment_reference", "pay_date", "payee", "line_type", "reference", "person_ref", "service",
           "period_start", "period_end", "reason", "amount")  # amount last: the control total is read from it


def provider_payments(run: PaymentRun) -> list[Payment]:
    """The payments that get a remittance advice (providers; direct payments get statements)."""
    return [p for p in run.payments if p.payee_kind is PayeeKind.PROVIDER]


def remittance_csv(run: PaymentRun, payment: Payment) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for line in payment.lines:
        writer.writerow(safe_row([payment.reference, run.pay_date.isoformat(), payment.payee_name, str(line.kind),
                                  line.description, line.person_ref, str(line.service_type),
                                  line.period_start.isoformat(), line.period_end.isoformat(), line.reason])
                        + [str(pence_to_pounds(line.amount_pence))])
    writer.writerow(safe_row([payment.reference, run.pay_date.isoformat(), payment.payee_name, "total",
                              "", "", "", "", "", ""]) + [str(pence_to_pounds(payment.amount_pence))])
    return out.getvalue()


PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Remittance advice {reference}</title>
<style>
body {{ font-family: Arial, sans-serif; font-size: 11pt; margin: 2em; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #999; padding: 0.3em; text-align: left; }}
td.amount, th.amount {{ text-align: right; white-space: nowrap; }}
.reason {{ display: block; font-size: 10pt; color: #333; }}
tfoot td {{ font-weight: bold; border-top: 2px solid #000; }}
@media print {{ body {{ margin: 0; }} @page {{ size: A4; margin: 15mm; }} }}
</style>
</head>
<body>
<h1>Remittance advice</h1>
<p>From {council}<br>To {payee}</p>
<dl>
<dt>Payment reference</dt><dd>{reference}</dd>
<dt>Paid on</dt><dd>{pay_date}</dd>
<dt>Paid into</dt><dd>sort code {sort_code}, account ending {account_end}</dd>
<dt>Amount</dt><dd>{total}</dd>
</dl>
<table>
<thead><tr><th>Item</th><th>Person</th><th>Service</th><th>Period</th><th class="amount">Amount</th></tr></thead>
<tbody>
{rows}
</tbody>
<tfoot><tr><td colspan="4">Total paid</td><td class="amount">{total}</td></tr></tfoot>
</table>
</body>
</html>
"""


def _reason(reason: str) -> str:
    return f'<span class="reason">{escape(reason)}</span>' if reason else ""


def remittance_html(run: PaymentRun, payment: Payment, council_name: str) -> str:
    """A printable page (A4) listing every invoice, credit note (with why it was raised) and period the
    payment covers."""
    rows = "\n".join(
        f"<tr><td>{escape(line.description)}{_reason(line.reason)}</td><td>{escape(line.person_ref)}</td>"
        f"<td>{escape(str(line.service_type).replace('_', ' '))}</td>"
        f"<td>{line.period_start:%d/%m/%Y} to {line.period_end:%d/%m/%Y}</td>"
        f"<td class=\"amount\">{escape(format_gbp(line.amount_pence))}</td></tr>"
        for line in payment.lines)
    sort = payment.account.sort_code
    return PAGE.format(reference=escape(payment.reference), council=escape(council_name),
                       payee=escape(payment.payee_name), pay_date=f"{run.pay_date:%d %B %Y}",
                       sort_code=f"{sort[:2]}-{sort[2:4]}-{sort[4:]}", account_end=payment.account.account_number[-4:],
                       total=escape(format_gbp(payment.amount_pence)), rows=rows)
