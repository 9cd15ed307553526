"""Uploaded pictures: size-capped (the body limit stops a big upload while it streams in) and
checked to be an image by decoding it with the project's decoder, never by its name or type header."""

from __future__ import annotations

import io

from fastapi import UploadFile
from PIL import Image, UnidentifiedImageError

from ..imaging import DecodeError, open_image
from .errors import ApiError

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# A few KB of PNG can hold a picture that takes gigabytes to decode: pixels are capped as well as bytes.
MAX_UPLOAD_PIXELS = 120_000_000
INDEXER_DRAFT = 320  # what pipeline decoding drafts to (thumbnail size, above the model's 224)


def read_upload(upload: UploadFile, max_bytes: int) -> bytes:
    """The upload's bytes; 413 past `max_bytes` (the whole request body is capped before this)."""
    data = upload.file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ApiError(413, f"the upload is larger than {max_bytes // (1024 * 1024)} MB")
    if not data:
        raise ApiError(415, f"{_name(upload)} is empty, not an image")
    return data


def decode_upload(upload: UploadFile, max_bytes: int) -> Image.Image:
    """The uploaded picture, decoded, oriented and RGB; 415 if it is not an image clipdesk can read."""
    data = read_upload(upload, max_bytes)
    try:
        picture = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ApiError(413, f"{_name(upload)} has too many pixels to decode safely") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ApiError(415, f"{_name(upload)} is not an image, or a format clipdesk cannot read") from exc
    width, height = picture.size
    if width * height > MAX_UPLOAD_PIXELS:
        raise ApiError(413, f"{_name(upload)} has {width}x{height} pixels; at most {MAX_UPLOAD_PIXELS // 10**6} MP")
    try:
        # JPEGs are DCT-scaled while decoding, to the size the indexer decodes a library photo at:
        # cheap for a 50 MP upload, and an uploaded copy of a library photo scores as that photo.
        decoded, *_ = open_image(picture, draft_to=INDEXER_DRAFT)
    except DecodeError as exc:
        raise ApiError(415, f"{_name(upload)} cannot be read as an image: {exc}") from exc
    return decoded


def _name(upload: UploadFile) -> str:
    return repr(upload.filename[:100]) if upload.filename else "the upload"
