"""The engine's background jobs, as typed values, and how queued ones merge.

Whatever piles up while the worker is busy (a rescan request, settled paths from the watcher,
a folder removed) is merged into one unit of work: one reconcile and one path sync cover it all.
Stopping is not a job: closing the worker cancels what is queued and ends its thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reconcile:
    """Compare every root with the catalog (start, a folder added, the watcher lost events)."""


@dataclass(frozen=True)
class SyncPaths:
    """Files the watcher saw change, settled: bring just these up to date."""

    paths: frozenset[str]


@dataclass(frozen=True)
class Rewatch:
    """The set of roots changed: point the watcher at the new set."""


@dataclass(frozen=True, eq=False)
class Barrier:
    """Set `done` once nothing is queued and nothing is settling (wait_idle)."""

    done: threading.Event = field(default_factory=threading.Event)


EngineJob = Reconcile | SyncPaths | Rewatch | Barrier


@dataclass(frozen=True)
class MergedWork:
    """Everything queued, as one unit of work."""

    reconcile: bool = False
    paths: frozenset[str] = frozenset()
    rewatch: bool = False
    barriers: tuple[Barrier, ...] = ()

    @property
    def indexing(self) -> bool:
        """There is more to do than answer barriers."""
        return self.reconcile or self.rewatch or bool(self.paths)


def merge(jobs: Iterable[EngineJob]) -> MergedWork:
    reconcile = rewatch = False
    paths: set[str] = set()
    barriers: list[Barrier] = []
    for job in jobs:
        if isinstance(job, Reconcile):
            reconcile = True
        elif isinstance(job, SyncPaths):
            paths |= job.paths
        elif isinstance(job, Rewatch):
            rewatch = True
        else:
            barriers.append(job)
    # A reconcile looks at every file, so the paths need no separate sync.
    return MergedWork(reconcile, frozenset() if reconcile else frozenset(paths), rewatch, tuple(barriers))
