"""Models of the therapy app (filled in by its issue)."""
