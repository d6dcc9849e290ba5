"""Claim intake: services (issue 11)."""
