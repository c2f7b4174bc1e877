"""The requests service: a person's request for service, from submission to closure."""
