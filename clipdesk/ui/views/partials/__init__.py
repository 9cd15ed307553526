"""Pieces the views are made of: models, grids and the time scrubber."""
