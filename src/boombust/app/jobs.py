"""Background jobs for long computations, so a slow run never blocks other users.

The app owns one :class:`JobManager`: a ``concurrent.futures.ThreadPoolExecutor`` with a
small number of workers. A callback submits work and gets a job id back at once; a
``dcc.Interval`` polls :meth:`JobManager.status` for progress until the job is done. The
numerical kernels spend their time in numpy (which releases the GIL), and the web server
answers other requests from its own threads meanwhile.
"""

from __future__ import annotations

import secrets
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from boombust.errors import InputError

__all__ = ["Job", "JobManager", "ProgressFn"]

ProgressFn = Callable[[int, int], None]
JobState = Literal["running", "done", "error"]


@dataclass(frozen=True)
class Job:
    """A snapshot of one job: state, progress, result or a message for the page."""

    job_id: str
    kind: str
    state: JobState = "running"
    done: int = 0
    total: int = 0
    result: Any = field(default=None, repr=False)
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def fraction(self) -> float:
        """Share of the work done (0 while the total is unknown)."""
        return self.done / self.total if self.total > 0 else 0.0


class JobManager:
    """Run callables in a thread pool and keep their progress, result or error.

    Parameters
    ----------
    max_workers
        Jobs that run at the same time; the rest wait in the queue.
    keep
        How many finished jobs to remember (oldest are forgotten first).
    """

    def __init__(self, max_workers: int = 2, keep: int = 200) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="boombust-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._keep = keep

    def submit(self, kind: str, work: Callable[[ProgressFn], Any]) -> str:
        """Start ``work(progress)`` in the background; return its job id at once."""
        job_id = f"{kind}-{secrets.token_hex(6)}"
        with self._lock:
            self._jobs[job_id] = Job(job_id, kind)
            self._forget_old()

        def progress(done: int, total: int) -> None:
            self._update(job_id, done=int(done), total=int(total))

        def run() -> None:
            try:
                result = work(progress)
            except InputError as err:
                self._update(
                    job_id,
                    state="error",
                    error="\n".join(str(i) for i in err.issues),
                    finished=time.monotonic(),
                )
            except Exception as err:  # shown on the page, never a traceback
                traceback.print_exc()
                self._update(
                    job_id,
                    state="error",
                    error=f"the run failed: {type(err).__name__}: {err}",
                    finished=time.monotonic(),
                )
            else:
                self._update(job_id, state="done", result=result, finished=time.monotonic())

        self._pool.submit(run)
        return job_id

    def status(self, job_id: str) -> Job:
        """The job's current snapshot; an unknown id is an :class:`InputError`."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise InputError(f"no job {job_id!r}; it finished long ago or never ran", field="job")
        return job

    def wait(self, job_id: str, timeout: float = 60.0) -> Job:
        """Block until the job ends (for tests and scripts)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.status(job_id)
            if job.state != "running":
                return job
            time.sleep(0.02)
        raise TimeoutError(f"job {job_id} still running after {timeout} s")

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            self._jobs[job_id] = replace(self._jobs[job_id], **changes)

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.state != "running"]
        for j in sorted(finished, key=lambda j: j.started)[: max(0, len(self._jobs) - self._keep)]:
            del self._jobs[j.job_id]
