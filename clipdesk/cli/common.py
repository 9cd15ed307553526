"""What every command shares: exit codes, the error that carries one, and opening the engine."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine import Engine

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_MODEL, EXIT_PATH, EXIT_BUSY = 0, 1, 2, 3, 4, 5


class CliError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def open_engine(args: argparse.Namespace, **kwargs: Any) -> Engine:
    from ..engine import Engine

    device = None if args.device in (None, "auto") else args.device
    return Engine(args.data_dir, args.model, device=device, library=getattr(args, "library", None), **kwargs)
