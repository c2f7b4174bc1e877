"""The agreements service: providers, rate cards, care agreements, direct payments, commitments."""
