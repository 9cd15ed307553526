"""clipdesk's helper processes (the decoders, the app's vector index) are fresh interpreters that
run one function of clipdesk, talking to their parent over a socket passed by fd.

From a checkout or a pip install that is `python -c "from module import f; f()" ARGS`. In the
standalone (PyInstaller) build `sys.executable` is clipdesk itself, which has no `-c`: there the
child is `clipdesk --clipdesk-child module:function ARGS`, and the build's entry point hands it to
`run_child` before the command line is parsed."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

CHILD_FLAG = "--clipdesk-child"


def spawn(target: str, args: Sequence[str], pass_fd: int) -> subprocess.Popen:
    """Start `target` ("package.module:function", which reads its arguments from sys.argv[1:])."""
    module, function = target.split(":")
    env = dict(os.environ)
    pkg_root = str(Path(__file__).resolve().parents[1])  # clipdesk importable from a checkout too
    env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_root, env.get("PYTHONPATH")) if p)
    if getattr(sys, "frozen", False):
        command = [sys.executable, CHILD_FLAG, target, *args]
    else:
        command = [sys.executable, "-c", f"from {module} import {function}; {function}()", *args]
    return subprocess.Popen(command, pass_fds=(pass_fd,), env=env, stdin=subprocess.DEVNULL, close_fds=True)


def run_child(argv: Sequence[str]) -> bool:
    """Run the child `argv` asks for (True), or nothing when it is an ordinary command line (False)."""
    if len(argv) < 3 or argv[1] != CHILD_FLAG:
        return False
    module, function = argv[2].split(":")
    if not module.startswith("clipdesk."):
        raise SystemExit(f"clipdesk: {CHILD_FLAG} runs clipdesk's own helpers only")
    sys.argv = [argv[0], *argv[3:]]
    getattr(importlib.import_module(module), function)()
    return True
