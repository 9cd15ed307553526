"""Text in photos: reading it (RapidOCR), and matching a query's words against it. No Qt, no SQL."""
