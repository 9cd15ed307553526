"""Image decoding (Pillow, pillow-heif) and the thumbnail cache."""

from .decode import IMAGE_EXTENSIONS, DecodedImage, DecodeError, ModelInput, content_key, decode, open_image, pixels_for
from .thumbnails import ThumbnailCache

__all__ = [
    "IMAGE_EXTENSIONS",
    "DecodeError",
    "DecodedImage",
    "ModelInput",
    "ThumbnailCache",
    "content_key",
    "decode",
    "open_image",
    "pixels_for",
]
