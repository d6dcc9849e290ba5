"""Measuring claim extraction on the labelled articles under tests/intake/data/ (lands with issue 11)."""
