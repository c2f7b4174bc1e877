"""The invoicing service: self-billed, scheduled and provider-submitted invoices, checked by three-way match."""
