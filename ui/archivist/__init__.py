"""archivist workspace."""
