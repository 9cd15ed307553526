"""The window's frame around the views: sidebar and status bar pieces."""
