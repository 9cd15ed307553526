"""Uploaded pictures: size-capped (the body limit stops a big upload while it streams in) and
checked to be an image by decoding it with the project's decoder, never by its name or type header."""

from __future__ import annotations

import io

from fastapi import UploadFile
from PIL import Image, UnidentifiedImageError

from ..imaging import DecodeError, open_image
from .errors import ApiError

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024


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
    try:
        decoded, *_ = open_image(picture)
    except DecodeError as exc:
        raise ApiError(415, f"{_name(upload)} cannot be read as an image: {exc}") from exc
    return decoded


def _name(upload: UploadFile) -> str:
    return repr(upload.filename[:100]) if upload.filename else "the upload"
