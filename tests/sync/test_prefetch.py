import asyncio
from collections.abc import AsyncIterator

import pytest

from hub.core.sync.prefetch import Prefetch, chain


async def numbers(log: list[str], n: int, fail_at: int | None = None) -> AsyncIterator[int]:
    for i in range(n):
        if i == fail_at:
            raise RuntimeError(f"page {i} failed")
        log.append(f"fetch {i}")
        await asyncio.sleep(0.01)  # the request's latency
        yield i


def test_items_arrive_in_order_while_the_next_is_fetched() -> None:
    log: list[str] = []

    async def main() -> list[int]:
        got = []
        async for i in Prefetch(numbers(log, 4)):
            log.append(f"write {i}")
            await asyncio.sleep(0.02)  # writing takes longer than fetching
            got.append(i)
        return got

    assert asyncio.run(main()) == [0, 1, 2, 3]
    # page 1 was requested before page 0 was written: the two overlap
    assert log.index("fetch 1") < log.index("write 0")


def test_a_failure_comes_after_the_items_before_it() -> None:
    async def main() -> list[int]:
        got = []
        with pytest.raises(RuntimeError, match="page 2 failed"):
            async for i in Prefetch(numbers([], 5, fail_at=2)):
                got.append(i)
        return got

    assert asyncio.run(main()) == [0, 1]


def test_leaving_early_stops_the_read_ahead() -> None:
    log: list[str] = []

    async def main() -> None:
        pages = Prefetch(numbers(log, 100))
        async for i in pages:
            if i == 1:
                break
        await pages.aclose()
        fetched = len(log)
        await asyncio.sleep(0.05)
        assert len(log) == fetched  # nothing fetched after the consumer left
        assert fetched <= 4  # at most a page or two ahead

    asyncio.run(main())


def test_chain_opens_the_next_source_before_the_current_one_ends() -> None:
    logs: list[list[str]] = [[], [], []]

    async def main() -> list[tuple[int, int | None]]:
        got = []
        sources = [lambda k=k: numbers(logs[k], 2) for k in range(3)]
        async for index, item in chain(sources):
            if index == 0 and item == 0:
                await asyncio.sleep(0.03)
                assert logs[1], "the second slice is read while the first is written"
                assert not logs[2], "only one slice ahead"
            got.append((index, item))
        return got

    assert asyncio.run(main()) == [(0, 0), (0, 1), (0, None), (1, 0), (1, 1), (1, None),
                                   (2, 0), (2, 1), (2, None)]


def test_chain_stops_at_a_failing_source_after_the_pages_before_it() -> None:
    async def main() -> list[tuple[int, int | None]]:
        got: list[tuple[int, int | None]] = []
        sources = [lambda: numbers([], 2), lambda: numbers([], 3, fail_at=1), lambda: numbers([], 2)]
        with pytest.raises(RuntimeError, match="page 1 failed"):
            async for pair in chain(sources):
                got.append(pair)
        return got

    assert asyncio.run(main()) == [(0, 0), (0, 1), (0, None), (1, 0)]
