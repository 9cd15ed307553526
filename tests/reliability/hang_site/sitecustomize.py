"""On PYTHONPATH only in tests: with CLIPDESK_TEST_HANG_PREFIX set, opening an image whose
file name starts with it never returns, like a decoder stuck in a loop or on a dead share.
Every Python process started with this environment (decoder workers included) has it."""

import os

_prefix = os.environ.get("CLIPDESK_TEST_HANG_PREFIX")
if _prefix:
    import time

    import PIL.Image

    _open = PIL.Image.open

    def _hanging_open(fp, *args, **kwargs):
        if isinstance(fp, (str, bytes, os.PathLike)) and os.path.basename(os.fsdecode(fp)).startswith(_prefix):
            while True:
                time.sleep(3600)
        return _open(fp, *args, **kwargs)

    PIL.Image.open = _hanging_open
