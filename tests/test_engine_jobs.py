"""Typed engine jobs, how queued ones merge, and the one worker primitive every background job runs on."""

from __future__ import annotations

import threading

import pytest

from clipdesk.engine.jobs import Barrier, MergedWork, Reconcile, Rewatch, SyncPaths, merge
from clipdesk.engine.worker import Cancelled, CancelToken, Idle, JobFailure, Worker


def test_queued_jobs_merge_into_one_reconcile_and_one_path_sync():
    b1, b2 = Barrier(), Barrier()
    assert merge([SyncPaths(frozenset({"/a"})), SyncPaths(frozenset({"/b", "/a"})), b1]) == MergedWork(
        paths=frozenset({"/a", "/b"}), barriers=(b1,)
    )
    # A reconcile looks at every file: the paths need no sync of their own.
    work = merge([SyncPaths(frozenset({"/a"})), Reconcile(), Rewatch(), Reconcile(), b1, b2])
    assert work == MergedWork(reconcile=True, rewatch=True, barriers=(b1, b2))
    assert work.indexing and not merge([b1]).indexing
    with pytest.raises(AttributeError):
        Reconcile().x = 1  # type: ignore[attr-defined]  # jobs are frozen values


class Recorder:
    def __init__(self) -> None:
        self.done: list[tuple[object, object]] = []
        self.failed: list[JobFailure] = []
        self.finished = threading.Semaphore(0)

    def on_done(self, job, result) -> None:
        self.done.append((job, result))
        self.finished.release()

    def on_failed(self, failure: JobFailure) -> None:
        self.failed.append(failure)
        self.finished.release()

    def wait(self, n: int) -> None:
        for _ in range(n):
            assert self.finished.acquire(timeout=10)


def test_jobs_run_in_order_and_every_ending_is_reported_the_same_way():
    seen = Recorder()

    def run(job: str, token: CancelToken) -> str:
        if job == "broken":
            raise OSError("disk on fire")
        if job == "stopped":
            raise Cancelled()
        return job.upper()

    worker: Worker[str] = Worker("test", run, on_done=seen.on_done, on_failed=seen.on_failed)
    for job in ("a", "broken", "stopped", "b"):
        worker.submit(job)
    seen.wait(4)
    worker.close()
    assert worker.join(5)
    assert seen.done == [("a", "A"), ("b", "B")]
    broken, stopped = seen.failed
    assert broken.job == "broken" and not broken.cancelled
    assert broken.message == "OSError: disk on fire" and isinstance(broken.error, OSError)
    assert stopped.job == "stopped" and stopped.cancelled and stopped.error is None
    # After close, a job is refused the same way: reported as cancelled, never run.
    worker.submit("late")
    assert seen.failed[-1] == JobFailure("late", "cancelled", cancelled=True)


def test_newest_wins_and_a_running_job_can_be_cancelled():
    seen = Recorder()
    started = threading.Event()

    def run(job: str, token: CancelToken) -> str:
        if job == "slow":
            started.set()
            while not token.wait(0.01):
                pass
            token.check()
        return job

    worker: Worker[str] = Worker("test", run, on_done=seen.on_done, on_failed=seen.on_failed)
    slow = worker.submit("slow")
    assert started.wait(5)
    worker.submit("old-1")
    worker.submit("old-2")
    worker.submit("newest", replace=True)  # the two still queued are dropped, as cancelled
    seen.wait(2)
    assert sorted(f.job for f in seen.failed) == ["old-1", "old-2"] and all(f.cancelled for f in seen.failed)
    slow.cancel()  # asks the running job to stop; the queued one then runs
    seen.wait(2)
    assert [f.job for f in seen.failed[2:]] == ["slow"] and seen.failed[2].cancelled
    assert seen.done == [("newest", "newest")]
    worker.close()
    assert worker.join(5)


def test_a_running_job_takes_what_queued_up_behind_it():
    """How the engine merges work: the job that runs takes the queue and covers it all."""
    started, release, finished = threading.Event(), threading.Event(), threading.Event()
    batches: list[list[int]] = []

    def run(job: int, token: CancelToken) -> None:
        started.set()
        release.wait(5)
        batches.append([job, *worker.take_queued()])
        finished.set()

    worker: Worker[int] = Worker("test", run)
    worker.submit(0)
    assert started.wait(5)
    for job in range(1, 5):
        worker.submit(job)  # queued while 0 runs
    release.set()
    assert finished.wait(5)
    worker.close()
    assert worker.join(5)
    assert batches == [[0, 1, 2, 3, 4]]  # one run covered all five; none ran again


def test_idle_work_runs_when_nothing_comes_and_a_bad_callback_never_ends_the_worker():
    idled = threading.Event()
    seen = Recorder()

    def on_done(job, result) -> None:
        seen.on_done(job, result)
        raise RuntimeError("a listener's bug")

    worker: Worker[str] = Worker("test", lambda job, token: job, on_done=on_done, idle=Idle(lambda: 0.05, idled.set))
    assert idled.wait(5)
    worker.submit("one")
    worker.submit("two")
    seen.wait(2)
    assert [job for job, _ in seen.done] == ["one", "two"]
    worker.close()
    assert worker.join(5)
