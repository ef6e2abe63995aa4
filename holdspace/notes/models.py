"""Models of the notes app (filled in by its issue)."""
