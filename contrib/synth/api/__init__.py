"""The REST API of generation runs and their samples."""
