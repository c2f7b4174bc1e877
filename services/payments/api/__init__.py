"""The payments HTTP API, one router per resource: `runs` (propose, review, approve), `files` (export,
download, the bank's confirmations), `accounts` (direct-payment accounts, payment holds, invoice and
payee views, asking for a hold release), `decisions` (the second person of a return or a hold
release), `reports` (compliance notice, transparency lists, run calendar), `timesheets` (personal
assistants' timesheets), `payroll` (a direct payment's payroll week, its export, the bureau's net pay),
`dp_returns` (direct payments' periodic returns and their audit), `dp_reclaims` (reclaims and the debtors
export); `models` the bodies and the answers about runs, files, decisions, returns and reclaims,
`account_models`, `report_models` and `payroll_models` the other answers; `uploads` reads an uploaded file
(the raw body or the form part `file`), reports its CSV columns and refuses its bad rows."""
from services.payments.api import (accounts, decisions, dp_reclaims, dp_returns, files, payroll, reports, runs,
                                   timesheets)

ROUTERS = [runs.router, files.router, accounts.router, decisions.router, reports.router, timesheets.router,
           payroll.router, dp_returns.router, dp_reclaims.router]
