"""Reporting's use cases: applying a batch of events to the read models (and the invoice facts two topics
change), rebuilding them from the topics, and checking the pipeline's health."""
