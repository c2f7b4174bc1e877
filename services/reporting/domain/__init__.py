"""Reporting's rules, pure: facts, their contributions to the aggregates, periods, commitments over time,
statements, and the charts' and pipeline figures' arithmetic."""
