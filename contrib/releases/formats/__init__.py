"""Pure release formats: rows, dedup, split, card, manifest, diff and Hub upload, with no database access."""
