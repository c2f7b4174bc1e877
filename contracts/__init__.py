"""Carepay's event contracts: the language between services.

One module per producing service (`contracts.requests`, `contracts.agreements`, ...), the
envelope every event travels in (`contracts.envelope`), and the topic registry
(`contracts.topics`). A consumer depends on these modules, never on another service's internals.
"""
