"""The REST API of releases: create, read, publish, withdraw, and download their files."""
