"""Claim intake: models (issue 11)."""
