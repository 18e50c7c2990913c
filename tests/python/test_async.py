"""The asyncio (and trio) API: cfg.changes(), cfg.wait_for_version(), cfg.on_reload(fn, loop=),
open_config_manager(), and that none of it blocks the event loop. Each test runs on asyncio in
debug mode (every loop step over SLOW_STEP_SECONDS fails the test) and on trio, through
anyio's pytest plugin; blocking calls of the test itself (redis-py) run on worker threads."""

import asyncio
import socket
import sys
import threading
import time

import anyio
import omega_config
import pytest
from async_helpers import Ticker, in_thread, next_or_none
from omega_config import ConfigClosedError, ConfigUnavailableError, open_config_manager

from tests.support.waiting import wait_until

pytestmark = pytest.mark.anyio

BASE = {"LOG_LEVEL": "INFO", "REQUEST_TIMEOUT": 30, "MAX_CONCURRENT_TASKS": 8}


def registrations(cfg):
    """(reload callbacks, close listeners) the manager holds for its async waiters and others."""
    return len(cfg._callbacks), len(cfg._close_listeners)


async def test_changes_yield_each_new_version_with_its_keys_and_snapshot(writer, open_manager, no_blocking):
    writer.publish(BASE)
    cfg = open_manager()
    changes = cfg.changes()
    v2 = await in_thread(lambda: writer.update(REQUEST_TIMEOUT=45))
    change = await changes.__anext__()
    assert (change.version, change.changed) == (v2, ("REQUEST_TIMEOUT",))
    assert change.snapshot.version == v2 and change.snapshot["REQUEST_TIMEOUT"] == 45
    assert cfg.request_timeout == 45 and cfg.version == v2  # reads agree with the change
    v3 = await in_thread(lambda: writer.update(LOG_LEVEL="DEBUG", MAX_CONCURRENT_TASKS=None))
    change = await changes.__anext__()
    assert (change.version, change.changed) == (v3, ("LOG_LEVEL", "MAX_CONCURRENT_TASKS"))
    await changes.aclose()


async def test_changes_coalesce_into_the_newest_version_and_the_net_change(writer, open_manager, no_blocking):
    writer.publish(BASE)
    cfg = open_manager()
    async with cfg.changes() as changes:

        def burst():
            writer.update(REQUEST_TIMEOUT=45)
            writer.update(LOG_LEVEL="DEBUG")
            writer.update(MAX_CONCURRENT_TASKS=16)
            return writer.update(LOG_LEVEL="INFO")  # back to what the consumer last saw

        last = await in_thread(burst)
        await cfg.wait_for_version(last, timeout=15)
        # Four versions, one step: the newest, and what differs from the baseline.
        change = await changes.__anext__()
        assert change.version == last
        assert change.changed == ("MAX_CONCURRENT_TASKS", "REQUEST_TIMEOUT")
        assert await next_or_none(changes, 0.2) is None


async def test_a_version_installed_before_the_first_await_is_not_missed(writer, open_manager, no_blocking):
    writer.publish(BASE)
    cfg = open_manager()
    changes = cfg.changes()  # the baseline is version 1
    v2 = await in_thread(lambda: writer.update(REQUEST_TIMEOUT=45))
    await in_thread(wait_until, lambda: cfg.version == v2)
    change = await changes.__anext__()
    assert (change.version, change.changed) == (v2, ("REQUEST_TIMEOUT",))
    await changes.aclose()


@pytest.fixture
def slow_attribute_refresh(monkeypatch):
    """Holds the manager's attribute refresh for version 2 on the watcher thread: the C cache
    has installed it and its callbacks are under way, but reads still return version 1."""
    original = omega_config.ConfigManager._catch_up

    def slow(self, version):
        if version == 2:
            time.sleep(0.5)
        original(self, version)

    monkeypatch.setattr(omega_config.ConfigManager, "_catch_up", slow)


async def test_a_version_whose_callbacks_are_under_way_is_not_missed(
    writer, open_manager, slow_attribute_refresh, no_blocking
):
    # Registered during that version's callbacks, a waiter is not called for it: it must see
    # it by looking at the C cache itself.
    writer.publish(BASE)
    cfg = open_manager()
    changes = cfg.changes()
    await in_thread(lambda: writer.update(REQUEST_TIMEOUT=45))
    await in_thread(wait_until, lambda: cfg.status.version == 2)
    assert cfg.version == 1  # the refresh is still held
    with anyio.fail_after(5):
        change = await changes.__anext__()
        assert (change.version, change.changed) == (2, ("REQUEST_TIMEOUT",))
        assert await cfg.wait_for_version(2) == 2
    await changes.aclose()


async def test_cancelling_a_consumer_unregisters_and_ends_its_iterator(writer, open_manager, no_blocking):
    writer.publish(BASE)
    cfg = open_manager()
    before = registrations(cfg)
    changes = cfg.changes()
    assert await next_or_none(changes, 0.05) is None  # cancelled while waiting
    assert registrations(cfg) == before
    with pytest.raises(StopAsyncIteration):
        await changes.__anext__()
    # A task cancelled from outside, on asyncio and trio alike.
    got = []

    async def consume():
        async for change in cfg.changes():
            got.append(change)

    async with anyio.create_task_group() as tg:
        tg.start_soon(consume)
        await in_thread(wait_until, lambda: registrations(cfg) != before)
        tg.cancel_scope.cancel()
    assert registrations(cfg) == before and got == []


async def test_leaving_async_with_or_break_unregisters(writer, open_manager, no_blocking):
    writer.publish(BASE)
    cfg = open_manager()
    before = registrations(cfg)
    async with cfg.changes() as changes:
        await in_thread(lambda: writer.update(REQUEST_TIMEOUT=45))
        async for _change in changes:
            break
    assert registrations(cfg) == before


async def test_closing_the_manager_ends_iterators_and_fails_waiters(writer, open_manager, no_blocking):
    writer.publish(BASE)
    cfg = open_manager()
    ended, failed = [], []

    async def iterate():
        async for change in cfg.changes():
            ended.append(change)
        ended.append("end")

    async def wait():
        try:
            await cfg.wait_for_version(99)
        except ConfigClosedError as exc:
            failed.append(exc)

    with anyio.fail_after(15):
        async with anyio.create_task_group() as tg:
            tg.start_soon(iterate)
            tg.start_soon(wait)
            await in_thread(wait_until, lambda: len(cfg._close_listeners) == 2)
            await cfg.aclose()  # on a worker thread
    assert ended == ["end"] and len(failed) == 1
    assert "closed" in str(failed[0])
    assert registrations(cfg) == (0, 0)
    # On a closed manager: an iterator ends at once, a reached version is still answered.
    assert [c async for c in cfg.changes()] == []
    assert await cfg.wait_for_version(1) == 1


async def test_wait_for_version_returns_the_version_reached_or_times_out(writer, open_manager, no_blocking):
    writer.publish(BASE)
    cfg = open_manager()
    assert await cfg.wait_for_version(1) == 1  # reached already
    with pytest.raises(TimeoutError, match=r"version 2 not reached within 0\.05 s"):
        await cfg.wait_for_version(2, timeout=0.05)
    assert registrations(cfg) == (0, 0)

    async def publish_later():
        await anyio.sleep(0.05)
        await in_thread(lambda: writer.update(REQUEST_TIMEOUT=45))
        await in_thread(lambda: writer.update(REQUEST_TIMEOUT=46))

    async with anyio.create_task_group() as tg:
        tg.start_soon(publish_later)
        reached = await cfg.wait_for_version(2, timeout=15)
    assert reached >= 2 and cfg.version >= reached
    assert registrations(cfg) == (0, 0)


async def test_the_loop_keeps_running_while_changes_flow(writer, open_manager, no_blocking):
    writer.publish(BASE)
    cfg = open_manager()
    ticker = Ticker()
    seen = []

    async def publish_many():
        for i in range(40):
            await in_thread(lambda i=i: writer.update(REQUEST_TIMEOUT=31 + i))
            await anyio.sleep(0.005)
        return writer.version

    async def consume(last):
        async for change in cfg.changes():
            seen.append(change)
            if change.version == last:
                return

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            tg.start_soon(ticker.run)
            async with anyio.create_task_group() as flow:
                flow.start_soon(consume, 41)
                await publish_many()
            assert ticker.kept_up(), f"{ticker.ticks} ticks"
            tg.cancel_scope.cancel()
    assert seen[-1].version == 41 and cfg.request_timeout == 70
    assert [c.version for c in seen] == sorted({c.version for c in seen})  # in order, no repeats
    assert ticker.longest_gap < 1.0, f"the loop stalled for {ticker.longest_gap:.3f} s"


async def test_open_config_manager_waits_off_the_loop(no_blocking):
    # A server that accepts and never answers: the open waits for its command timeout.
    ticker = Ticker()
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        async with anyio.create_task_group() as tg:
            tg.start_soon(ticker.run)
            with pytest.raises(ConfigUnavailableError):
                await open_config_manager(url, connect_timeout_ms=1000, command_timeout_ms=1000)
            assert ticker.kept_up(), f"the loop did not run while the open waited: {ticker.ticks} ticks"
            tg.cancel_scope.cancel()
    assert ticker.longest_gap < 1.0


async def test_open_config_manager_opens_and_aclose_closes(redis_server, writer, no_blocking):
    writer.publish(BASE)
    async with await open_config_manager(redis_server.url) as cfg:
        assert cfg.version == 1 and cfg.request_timeout == 30
    assert cfg.closed


# -- asyncio's own: on_reload(fn, loop=) and the loop's shutdown -----------------------------


async def test_on_reload_with_a_loop_runs_functions_and_coroutines_on_it(
    writer, open_manager, asyncio_only, no_blocking
):
    writer.publish(BASE)
    cfg = open_manager()
    loop = asyncio.get_running_loop()
    loop_thread = threading.get_ident()
    plain, coro = asyncio.Queue(), asyncio.Queue()

    def on_change(version, changed):
        plain.put_nowait((version, changed, threading.get_ident(), cfg.request_timeout))

    async def on_change_async(version, changed):
        await asyncio.sleep(0)
        coro.put_nowait((version, changed, threading.get_ident()))

    tokens = [cfg.on_reload(on_change, loop=loop), cfg.on_reload(on_change_async, loop=loop)]
    v2 = await in_thread(lambda: writer.update(REQUEST_TIMEOUT=45))
    assert await asyncio.wait_for(plain.get(), 15) == (v2, ("REQUEST_TIMEOUT",), loop_thread, 45)
    assert await asyncio.wait_for(coro.get(), 15) == (v2, ("REQUEST_TIMEOUT",), loop_thread)
    for token in tokens:
        cfg.off_reload(token)


async def test_an_exception_in_a_loop_callback_goes_to_the_loops_handler(
    writer, open_manager, asyncio_only, no_blocking
):
    writer.publish(BASE)
    cfg = open_manager()
    loop = asyncio.get_running_loop()
    reported = asyncio.Queue()
    loop.set_exception_handler(lambda loop, context: reported.put_nowait(context))

    async def broken(version, changed):
        raise ValueError(f"broken at {version}")

    try:
        cfg.on_reload(broken, loop=loop)
        v2 = await in_thread(lambda: writer.update(REQUEST_TIMEOUT=45))
        context = await asyncio.wait_for(reported.get(), 15)
    finally:
        loop.set_exception_handler(None)
    assert str(context["exception"]) == f"broken at {v2}"


def test_a_closed_loop_never_gets_an_exception_into_the_watcher(writer, open_manager, monkeypatch):
    # Plain (not anyio) test: it owns and closes its loops.
    writer.publish(BASE)
    cfg = open_manager()
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    baseline = registrations(cfg)

    # A changes() iterator abandoned when asyncio.run() returns: the run's shutdown of async
    # generators unregisters it.
    async def abandon():
        changes = cfg.changes()
        await in_thread(lambda: writer.update(REQUEST_TIMEOUT=45))
        await changes.__anext__()  # now suspended in the generator, never closed by us
        return changes

    kept = asyncio.run(abandon())
    assert registrations(cfg) == baseline
    # An on_reload(loop=) whose loop is closed: the hand-off fails quietly and the callback
    # unregisters itself.
    loop = asyncio.new_event_loop()
    cfg.on_reload(lambda version, changed: None, loop=loop)
    loop.close()
    assert registrations(cfg) == (baseline[0] + 1, baseline[1])
    writer.update(REQUEST_TIMEOUT=46)
    wait_until(lambda: registrations(cfg) == baseline, what="the closed loop's callback to go")
    assert cfg.request_timeout == 46
    assert unraisable == []
    del kept


async def test_the_slow_step_detector_sees_a_blocked_loop(asyncio_only):
    # The detector the other tests rely on, shown to fail when the loop is blocked.
    import logging
    import time

    from async_helpers import SLOW_STEP_SECONDS, SlowSteps

    loop = asyncio.get_running_loop()
    loop.slow_callback_duration = SLOW_STEP_SECONDS
    steps = SlowSteps()
    logging.getLogger("asyncio").addHandler(steps)
    try:
        time.sleep(SLOW_STEP_SECONDS * 3)  # a blocking call on the loop
        await asyncio.sleep(0)
    finally:
        logging.getLogger("asyncio").removeHandler(steps)
    assert len(steps.reports) == 1 and "took" in steps.reports[0]


def test_the_async_api_is_exported():
    assert omega_config.open_config_manager is open_config_manager
    assert omega_config.ConfigChange._fields == ("version", "changed", "snapshot")
