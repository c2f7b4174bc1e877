"""invoicing's HTTP resources, one module per resource: `preview` (the dry run), `decisions` (an
officer's steps and the scheduled run), `invoices` (reading them), `provider_invoices` (providers
sending theirs), `isf_advances` (an officer's run of ISF advances), `isf_returns` (ISF returns and
balances), `contributions` (the person's contribution charged and exported); `models` (and `isf_models`)
for what they accept and answer."""
from services.invoicing.api import (contributions, decisions, invoices, isf_advances, isf_returns, preview,
                                    provider_invoices)

# The preview and the scheduled run are declared before `/invoices/{invoice_id}` routes.
ROUTERS = [preview.router, decisions.router, invoices.router, provider_invoices.router, isf_advances.router,
           isf_returns.router, contributions.router]
