"""The server's worker pool, with real worker processes: limits, timeouts, recovery."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator

import pytest

from nbprod.server.workers import WorkerError, WorkerPool


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    pool = WorkerPool(1, memory_bytes=3 * 1024**3, recycle_bytes=600 * 1024**2)
    pool.start()
    yield pool
    pool.shutdown()


def run(pool: WorkerPool, task: object, *args: object, timeout: float = 60) -> object:
    return asyncio.run(pool.run(task, *args, timeout=timeout))  # type: ignore[arg-type]


def test_a_task_runs_in_another_process(pool: WorkerPool) -> None:
    assert run(pool, os.getpid) != os.getpid()
    assert run(pool, sum, [1, 2, 3]) == 6


def test_a_task_over_its_time_is_killed_and_the_pool_recovers(pool: WorkerPool) -> None:
    first = run(pool, os.getpid)
    started = time.monotonic()
    with pytest.raises(WorkerError) as info:
        run(pool, time.sleep, 30, timeout=0.5)
    assert info.value.status == 504 and "longer than 0.5 s" in str(info.value)
    assert time.monotonic() - started < 10
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)  # the stuck worker is gone
    assert run(pool, sum, [2, 2]) == 4


def test_a_task_over_the_memory_limit_fails_alone(pool: WorkerPool) -> None:
    with pytest.raises(WorkerError) as info:
        run(pool, bytearray, 6 * 1024**3)  # twice the worker's address-space limit
    assert info.value.status == 507 and "out of memory" in str(info.value)
    assert run(pool, sum, [1, 1]) == 2


def allocate(size: int) -> int:
    """Runs in the worker (imported there from this module): peak memory of ``size``."""
    return len(bytearray(size))


def test_a_worker_that_grew_past_the_recycle_size_is_replaced(pool: WorkerPool) -> None:
    first = run(pool, os.getpid)
    assert run(pool, allocate, 10 * 1024**2) == 10 * 1024**2
    assert run(pool, os.getpid) == first  # small: the same warm worker
    assert run(pool, allocate, 700 * 1024**2) == 700 * 1024**2
    assert run(pool, os.getpid) != first  # it exited after answering: memory went back


def test_an_exception_in_a_task_is_reported_and_the_worker_goes_on(pool: WorkerPool) -> None:
    first = run(pool, os.getpid)
    with pytest.raises(WorkerError) as info:
        run(pool, int, "not a number")
    assert info.value.status == 500
    assert "internal error: ValueError" in str(info.value) and "please report" in str(info.value)
    assert run(pool, os.getpid) == first


def test_a_fresh_workers_start_up_does_not_count_against_the_time_limit() -> None:
    pool = WorkerPool(1)
    pool.start()  # importing nbprod takes longer than the limit below
    try:
        assert run(pool, sum, [1, 2], timeout=0.2) == 3
        with pytest.raises(WorkerError):
            run(pool, time.sleep, 5, timeout=0.2)
        assert run(pool, sum, [3, 4], timeout=0.2) == 7  # the replacement, already warming
    finally:
        pool.shutdown()
