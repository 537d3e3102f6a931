"""The REST API of submissions, reviews, merges and notifications."""
