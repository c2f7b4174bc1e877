"""The payments HTTP API, one router per resource: `runs` (propose, review, approve), `files` (export,
download, the bank's confirmations), `accounts` (direct-payment accounts, payment holds, invoice and
payee views, asking for a hold release), `decisions` (the second person of a return or a hold
release), `reports` (compliance notice, transparency lists, run calendar); `models` the bodies."""
from services.payments.api import accounts, decisions, files, reports, runs

ROUTERS = [runs.router, files.router, accounts.router, decisions.router, reports.router]
