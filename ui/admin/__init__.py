"""admin workspace."""
