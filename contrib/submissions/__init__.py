"""Submissions: pull-request-style change proposals to the taxonomy, their checks, reviews and merge."""
