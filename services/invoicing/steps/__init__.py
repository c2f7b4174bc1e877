"""invoicing's use cases, each in the caller's transaction: gather the facts, run the domain, store,
and record what follows in the outbox.

- `validation`: the locks every path takes, the three-way match on stored facts, rechecks.
- `self_billing`: invoices raised from confirmed actuals; `scheduled`: a period's plan invoices;
  `isf_advances`: a period's individual service fund advances; `plan_runs`: the run both share.
- `receiving`: a provider's invoice stored and validated; `corrections`: credit notes and
  supplementary invoices; `decisions`: an officer's release, reject and void.
- `preview`: the dry run (nothing stored).
"""
