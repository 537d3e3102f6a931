"""Automatic checks run on a submission's revisions: personal data and secrets, near-duplicates."""
