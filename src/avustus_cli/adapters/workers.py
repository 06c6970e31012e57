"""Work split over worker processes, the same way on Linux, macOS and Windows.

The one worker pool: :func:`map_chunks` runs ``fn`` over chunks of work in
worker processes and yields the results in the chunks' order. The state the
workers need (settings, history ...) travels through the pool's
``initializer``, never through globals inherited by ``fork``, so the platform's
default start method works: ``spawn`` on Windows and macOS, ``fork`` or
``forkserver`` on Linux. ``fn`` and ``initializer`` must be module-level
functions (picklable). With one worker or fewer everything runs in this
process, with the same initializer call, so the results are the same.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

__all__ = ["default_workers", "map_chunks"]

C = TypeVar("C")
R = TypeVar("R")


def default_workers(cap: int | None = None) -> int:
    """One worker per core (at most ``cap``)."""
    n = os.cpu_count() or 1
    return min(n, cap) if cap else n


def map_chunks(
    fn: Callable[[C], R],
    chunks: Iterable[C],
    *,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
    workers: int | None = None,
    start_method: str | None = None,
) -> Iterator[R]:
    """Yield ``fn(chunk)`` for each chunk, in order.

    At most ``2 * workers`` chunks are in flight, so a long stream of chunks
    (a generator reading the database) keeps memory flat. ``start_method``
    is for tests; by default the platform's own is used."""
    workers = default_workers() if workers is None else workers
    if workers <= 1:
        if initializer is not None:
            initializer(*initargs)
        yield from map(fn, chunks)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context(start_method)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=initializer, initargs=initargs) as pool:
        pending: collections.deque = collections.deque()
        for chunk in chunks:
            pending.append(pool.submit(fn, chunk))
            if len(pending) > 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
