"""The reporting service: read models of spend and operations, built from every service's events."""
