"""SQL of the payments service, one module per group of tables: `inputs` (what payments is told:
invoices, credit notes, disputes, payees, agreements, direct payments), `payables` (what a run may
pay), `direct_payments` (agreements as the domain sees them), `runs` (payment_runs and their payments,
lines, exclusions, reviews), `files` (run_files), `accounts` (managed_account_entries and what approved
runs will take from them), `reports` (the prompt-payment notice and transparency lists)."""
