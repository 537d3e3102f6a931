"""The REST API of accounts: API tokens."""
