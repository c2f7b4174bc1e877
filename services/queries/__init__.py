"""The queries service: queries and disputes about visits, invoices and payments, resolved on time."""
