"""A fork server for crash tests: pays torch's import once, then runs `clipdesk ...` commands
in forked children that can be SIGKILLed (by the kill hook, CLIPDESK_TEST_KILL_AT, or from
here after a delay). The parent never runs a model, so forking is safe.

Protocol, one JSON object per line. In (stdin):
  {"argv": [...], "env": {...}, "log": "/path", "kill_after": seconds or null, "timeout": s}
Out (stdout): {"ready": true} once, then per command
  {"pid": n, "rc": exit code or null, "signal": signal number or null, "seconds": s}
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import traceback


def _child(req: dict) -> None:
    code = 1
    try:
        os.environ.clear()
        os.environ.update(req["env"])
        fd = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        from clipdesk.cli.main import main

        code = main(req["argv"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve() -> None:
    # The heavy imports, once. Nothing here starts torch's thread pools.
    import sentence_transformers  # noqa: F401
    import torch  # noqa: F401
    import transformers  # noqa: F401
    from transformers import CLIPModel  # noqa: F401

    import clipdesk.cli.main
    import clipdesk.engine.core
    import clipdesk.imaging.pool  # noqa: F401

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(run_forked(json.loads(line))), flush=True)


def run_forked(req: dict) -> dict:
    """One request (the protocol's "In" object) run in a forked child, SIGKILLed after
    `kill_after` seconds or at `timeout`; the protocol's "Out" object. bench/soak_kill.py
    calls it directly."""
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(req)
    kill_after = req.get("kill_after")
    deadline = started + float(req.get("timeout") or 300)
    status = None
    while status is None:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            break
        now = time.monotonic()
        if (kill_after is not None and now - started >= kill_after) or now >= deadline:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            break
        time.sleep(0.005)
    return {
        "pid": pid,
        "rc": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "seconds": round(time.monotonic() - started, 3),
    }


if __name__ == "__main__":
    serve()
