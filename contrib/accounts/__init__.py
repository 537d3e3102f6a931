"""Users, roles, area ownership (CODEOWNERS-like) and API tokens."""
