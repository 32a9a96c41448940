"""Executor seam: run independent chunks serially, in a process pool, or on Dask distributed.

Every chunk carries its own ``numpy.random.SeedSequence`` child, so the numbers do not depend
on which executor runs it or in which order chunks finish (results are reassembled in order).
Dask is an optional extra (``pip install 'boombust[dask]'``), imported only when used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from boombust.errors import InputError

__all__ = ["DaskExecutor", "Executor", "PoolExecutor", "SerialExecutor", "make_executor"]

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Maps a function over tasks and yields results in task order."""

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[Any]: ...

    @property
    def name(self) -> str: ...


@dataclass(frozen=True)
class SerialExecutor:
    name: str = "serial"

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[Any]:
        for t in tasks:
            yield fn(t)


@dataclass(frozen=True)
class PoolExecutor:
    """A local process pool with ``workers`` processes."""

    workers: int = 2
    name: str = "process-pool"

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[Any]:
        with ProcessPoolExecutor(max_workers=self.workers) as pool:
            yield from pool.map(fn, tasks)


@dataclass(frozen=True)
class DaskExecutor:
    """Dask distributed: ``address`` like ``tcp://127.0.0.1:8786``."""

    address: str
    name: str = "dask"

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[Any]:
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - depends on the extra
            raise InputError(
                "--scheduler needs Dask distributed; install it with pip install 'boombust[dask]'",
                field="scheduler",
            ) from None
        try:
            client = Client(self.address, timeout="20s", set_as_default=False)  # type: ignore[no-untyped-call]
        except OSError as err:
            raise InputError(
                f"cannot reach the Dask scheduler at {self.address} ({err}); start one with "
                "`dask scheduler` or check the address",
                field="scheduler",
            ) from None
        try:
            futures = client.map(fn, list(tasks), pure=False)
            for fut in futures:
                yield fut.result()
        finally:
            client.close()  # type: ignore[no-untyped-call]


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """Serial by default; a process pool with ``workers > 1``; Dask with ``scheduler``."""
    if scheduler:
        if not scheduler.startswith(("tcp://", "tls://", "inproc://", "ws://", "wss://")):
            raise InputError(
                f"scheduler address {scheduler!r} must look like tcp://HOST:PORT",
                field="scheduler",
            )
        return DaskExecutor(scheduler)
    if workers is not None and workers > 1:
        return PoolExecutor(workers)
    return SerialExecutor()
