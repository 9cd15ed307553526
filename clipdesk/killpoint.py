"""Crash-test hook: `CLIPDESK_TEST_KILL_AT=point:n[,point:n...]` makes the process SIGKILL
itself the n-th time it reaches `point` (n defaults to 1), so tests and bench/soak_kill.py
can crash the indexer at exact moments (during encoding, inside a commit, during an index
save). Inert when the variable is unset: one environment lookup per call, at most a few
calls per batch.

Points: scan (inside the reconcile transaction), encode (a batch encoded, not committed),
commit (inside the batch transaction, before COMMIT), committed (after COMMIT, before the
in-memory index is updated), save (index file written to its temp name, not renamed),
save-files (new index files in place, SQLite not yet pointing at them), save-meta (SQLite
points at the new files, old files not yet removed).
"""

from __future__ import annotations

import os
import signal

ENV = "CLIPDESK_TEST_KILL_AT"
_counts: dict[str, int] = {}


def kill_point(name: str) -> None:
    spec = os.environ.get(ENV)
    if not spec:
        return
    _counts[name] = count = _counts.get(name, 0) + 1
    for part in spec.split(","):
        point, _, nth = part.strip().partition(":")
        if point == name and count == int(nth or 1):
            os.kill(os.getpid(), signal.SIGKILL)
