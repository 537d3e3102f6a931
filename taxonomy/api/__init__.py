"""The REST API of the taxonomy core."""
