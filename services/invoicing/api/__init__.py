"""invoicing's HTTP resources, one module per resource: `preview` (the dry run), `decisions` (an
officer's steps and the scheduled run), `invoices` (reading them), `provider_invoices` (providers
sending theirs), `isf_advances` (an officer's run of ISF advances), `contributions` (the person's
contribution charged and exported); `models` for what they accept and answer."""
from services.invoicing.api import contributions, decisions, invoices, isf_advances, preview, provider_invoices

# The preview and the scheduled run are declared before `/invoices/{invoice_id}` routes.
ROUTERS = [preview.router, decisions.router, invoices.router, provider_invoices.router, isf_advances.router,
           contributions.router]
