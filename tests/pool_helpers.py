"""Jobs for tests/test_perf_pieces.py's decode-pool tests; imported by the worker processes."""

from __future__ import annotations

import os
import time


def square(x: int) -> int:
    return x * x


def sleep_then(seconds: float, value: int) -> int:
    time.sleep(seconds)
    return value


def die(code: int) -> None:
    os._exit(code)


def pid() -> int:
    return os.getpid()
