"""clipdesk: search your own photo library by meaning, fully offline."""

__version__ = "0.1.0"
