"""The steps of a payment run, each over the caller's one database transaction: propose, review,
approve, export, record the bank's confirmations.

Each step locks the run, asks the domain, stores the result and records its events in the outbox
(given as an argument), all in the caller's transaction: a crash at any point leaves the step wholly
done or not done, and a retry finds the run as it was.
"""
