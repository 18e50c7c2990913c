"""What the async tests share (their fixtures are in conftest.py): the detector of a blocked
asyncio loop, a ticker that must keep ticking, and small helpers."""

import logging
import time

import anyio

# asyncio reports every loop step longer than this (debug mode). What this package does on
# the loop takes microseconds; a blocking call (an open, a close, a wait for a version)
# takes tens of milliseconds to seconds. The margin is for a loaded 2-core machine, where the
# loop's thread may wait for the GIL or the CPU.
SLOW_STEP_SECONDS = 0.2


class SlowSteps(logging.Handler):
    """Collects asyncio's debug-mode reports of slow loop steps ("Executing <...> took 0.3
    seconds")."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.reports = []

    def emit(self, record):
        message = record.getMessage()
        if "took" in message and "seconds" in message:
            self.reports.append(message)


class Ticker:
    """Ticks every few milliseconds on the loop; `longest_gap` is the longest the loop kept
    it waiting. On a loaded machine a tick can be late without anything blocking the loop,
    so the tests ask for a share of the ticks (`kept_up`) and bound the gap loosely; a loop
    blocked through an open or a flow of versions misses nearly all of them."""

    INTERVAL = 0.005

    def __init__(self):
        self.ticks = 0
        self.longest_gap = 0.0
        self.started = None

    def kept_up(self, share=0.1):
        """At least `share` of the ticks due since it started."""
        due = (time.monotonic() - self.started) / self.INTERVAL
        return self.ticks >= share * due

    async def run(self):
        last = self.started = time.monotonic()
        while True:
            await anyio.sleep(self.INTERVAL)
            now = time.monotonic()
            self.longest_gap = max(self.longest_gap, now - last)
            self.ticks += 1
            last = now


async def in_thread(fn, *args):
    """A blocking call (redis-py, a close) off the loop."""
    return await anyio.to_thread.run_sync(fn, *args)


async def next_or_none(iterator, timeout):
    """The next item, or None if none comes within timeout (the wait is cancelled)."""
    with anyio.move_on_after(timeout):
        return await iterator.__anext__()
    return None
