"""Status bar widgets, one module each."""
