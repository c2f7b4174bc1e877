"""Reporting's SQL: the facts and dims the consumers keep, the aggregate rows, and the queries the API reads."""
