"""Claim intake: selectors (issue 11)."""
