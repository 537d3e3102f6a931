"""Template tags of the taxonomy pages."""
