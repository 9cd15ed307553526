"""Text in photos: reading it (RapidOCR), and matching a query's words against it. No Qt, no SQL."""

from .reader import DET_SIDE, TextLine, TextReader, decode_for_text

__all__ = ["DET_SIDE", "TextLine", "TextReader", "decode_for_text"]
