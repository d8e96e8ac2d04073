"""Group commit: work that arrives together shares one transaction, and no item's failure
becomes another's.

Three places batch: ``POST /v1/orders`` (``orders.group_commit``), webhook acknowledgements
(``pipes.inbox``) and the worker's batches of one job kind (``jobs.worker``). They share one
policy, ``together_or_alone``: run the batch in one transaction; if it fails for any reason
but one item's own content, roll it back and run every item alone, each with its own retries
and its own answer. ``GroupCommit`` adds the queue: callers ``submit`` and wait; one runner per
process takes up to ``max_batch`` waiting items (never two with a common ``keys`` entry, so two
copies of one order never share a batch), and answers each caller with its own result. A
caller that hangs up does not cancel its batch: the work stands all the same.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
A = TypeVar("A")
# With ``linger``, fewer waiting than this wait a millisecond so the next callers can join.
FEW, LINGER_SECONDS = 4, 0.001


class Refused(Exception):
    """Item ``index`` of the batch was refused for its own content (the cause is chained):
    it is answered alone, and the others go back to the head of the queue."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


async def together_or_alone(items: list[T],
                            together: Callable[[list[T]], Awaitable[Sequence[R | Exception]]],
                            alone: Callable[[T], Awaitable[A]], *, concurrently: bool = False,
                            on_fallback: Callable[[BaseException], None] | None = None,
                            ) -> list[R | A | Exception]:
    """Each item's outcome (a result, or the exception its own run raised): from one run of
    ``together``, or — when that raised — from ``alone`` per item. ``Refused`` is not caught:
    a queue decides what to do with the culprit and the rest."""
    try:
        return list(await together(items))
    except Refused:
        raise
    except Exception as exc:  # noqa: BLE001 - every item gets its own run and answer
        if on_fallback is not None:
            on_fallback(exc)
    outcomes: list[R | A | Exception] = []
    if concurrently:
        for outcome in await asyncio.gather(*(alone(item) for item in items),
                                            return_exceptions=True):
            if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
                raise outcome  # a cancellation is not an outcome: it stops the caller too
            outcomes.append(outcome)
        return outcomes
    for item in items:
        try:
            outcomes.append(await alone(item))
        except Exception as exc:  # noqa: BLE001 - handed to that item's caller
            outcomes.append(exc)
    return outcomes


@dataclass
class _Waiting(Generic[T, R]):
    item: T
    reply: asyncio.Future[R] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())

    def answer(self, outcome: R | BaseException) -> None:
        if self.reply.done():  # the caller went away; its work stands all the same
            return
        if isinstance(outcome, BaseException):
            self.reply.set_exception(outcome)
        else:
            self.reply.set_result(outcome)


class GroupCommit(Generic[T, R]):
    """The queue and its one runner. ``together`` runs a batch in one transaction and returns
    each item's outcome (an ``Exception`` is raised to that item's caller); ``alone`` runs one
    item in its own. ``after_batch`` sees each batch's size once it is answered. ``linger``
    trades a millisecond of latency for fuller batches (orders: each commit is costly)."""

    def __init__(self, *, together: Callable[[list[T]], Awaitable[Sequence[R | Exception]]],
                 alone: Callable[[T], Awaitable[R]], max_batch: int,
                 keys: Callable[[T], set[Hashable]] | None = None,
                 on_fallback: Callable[[BaseException], None] | None = None,
                 after_batch: Callable[[int], None] | None = None, linger: bool = False) -> None:
        self.together, self.alone, self.max_batch, self.linger = together, alone, max_batch, linger
        self.keys, self.on_fallback, self.after_batch = keys, on_fallback, after_batch
        self._queue: deque[_Waiting[T, R]] = deque()
        self._runner: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        waiting: _Waiting[T, R] = _Waiting(item)
        self._queue.append(waiting)
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        # shield: a caller that hangs up must not cancel its batch
        return await asyncio.shield(waiting.reply)

    async def _run(self) -> None:
        while self._queue:
            # Lingering, let the event loop go round once first: requests whose bytes arrived
            # while the last batch committed join this one. With only a few waiting, a
            # millisecond more lets the next callers join too (bench/notes.md).
            if self.linger:
                await asyncio.sleep(0)
                if len(self._queue) < FEW:
                    await asyncio.sleep(LINGER_SECONDS)
            batch = self._next_batch()
            try:
                await self._settle(batch)
            except BaseException as exc:  # noqa: BLE001 - every caller must hear back
                for waiting in batch:
                    waiting.answer(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            if self.after_batch is not None:
                self.after_batch(len(batch))

    def _next_batch(self) -> list[_Waiting[T, R]]:
        """Up to ``max_batch`` waiting items, skipping any that shares a key with one taken."""
        batch: list[_Waiting[T, R]] = []
        taken: set[Hashable] = set()
        later: list[_Waiting[T, R]] = []
        while self._queue and len(batch) < self.max_batch:
            waiting = self._queue.popleft()
            keys = self.keys(waiting.item) if self.keys else set()
            if keys & taken:
                later.append(waiting)
                continue
            taken |= keys
            batch.append(waiting)
        self._queue.extendleft(reversed(later))
        return batch

    async def _settle(self, batch: list[_Waiting[T, R]]) -> None:
        items = [waiting.item for waiting in batch]
        try:
            outcomes = (await together_or_alone(items, self.together, self.alone,
                                                on_fallback=self.on_fallback)
                        if len(batch) > 1 else [await self._alone(items[0])])
        except Refused as refused:
            culprit = batch.pop(refused.index)
            self._queue.extendleft(reversed(batch))
            culprit.answer(await self._alone(culprit.item))
            return
        for waiting, outcome in zip(batch, outcomes, strict=True):
            waiting.answer(outcome)

    async def _alone(self, item: T) -> R | Exception:
        try:
            return await self.alone(item)
        except Exception as exc:  # noqa: BLE001 - handed to the item's caller
            return exc
