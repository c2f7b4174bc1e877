"""Carepay's services, one package each, all in the same shape (see README)."""
