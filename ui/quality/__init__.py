"""quality workspace."""
