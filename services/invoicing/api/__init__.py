"""invoicing's HTTP resources, one module per resource: `preview` (the dry run), `decisions` (an
officer's steps and the scheduled run), `invoices` (reading them), `provider_invoices` (providers
sending theirs), `contributions` (the person's contribution charged and exported); `models` for what
they accept and answer."""
from services.invoicing.api import contributions, decisions, invoices, preview, provider_invoices

# The preview and the scheduled run are declared before `/invoices/{invoice_id}` routes.
ROUTERS = [preview.router, decisions.router, invoices.router, provider_invoices.router, contributions.router]
