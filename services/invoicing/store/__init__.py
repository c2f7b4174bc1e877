"""invoicing's SQL, one module per group of tables: `facts` (agreements, providers and commitments
on file), `actuals` (confirmed weeks, their visit lines and later corrections), `invoices` (invoices,
their lines, spans and history, and an invoice as rows), `numbering` (gapless number sequences)."""
