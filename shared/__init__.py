"""Carepay's shared runtime: written once, used by every service."""
