"""Examination and assessment (physician): vitals, pre-donation tests, the decision, overrides, labels."""
