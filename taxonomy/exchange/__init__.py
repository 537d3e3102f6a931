"""Import and export of an InstructLab taxonomy as a directory tree or a git repository."""
