"""AsyncBaseAgent: BaseAgent's contract (required keys fail fast, LOG_LEVEL followed, an owned
manager closed at stop) with async hooks run on the event loop; on asyncio (debug mode, no
slow step allowed) and on trio."""

import logging
import threading

import anyio
import pytest
from async_helpers import Ticker, in_thread
from omega_config import AsyncBaseAgent, ConfigKey, MissingConfigError

from tests.support.waiting import wait_until

pytestmark = pytest.mark.anyio

BASE = {"REDIS_URL": "redis://cache:6379/0", "SECRET_KEY": "s" * 40, "LOG_LEVEL": "INFO", "MONGO_URI": "mongodb://m"}


class Planner(AsyncBaseAgent):
    required = [ConfigKey.REDIS_URL, ConfigKey.SECRET_KEY, "MONGO_URI", "PLANNER_MODEL"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.events = []
        self.threads = set()
        self.changed = anyio.Event()
        self.models = []

    async def on_start(self):
        self.events.append("start")

    async def on_stop(self):
        self.events.append("stop")

    async def on_config_change(self, version, changed):
        self.threads.add(threading.get_ident())
        await anyio.sleep(0)  # a real coroutine: it may await
        self.events.append((version, changed))
        self.models.append(self.cfg.planner_model)
        self.changed.set()
        self.changed = anyio.Event()


async def test_start_fails_fast_naming_every_missing_key_and_closes_its_manager(redis_server, writer, no_blocking):
    writer.publish({k: v for k, v in BASE.items() if k != "MONGO_URI"})
    agent = Planner(redis_url=redis_server.url)
    with pytest.raises(MissingConfigError) as info:
        await agent.start()
    assert info.value.keys == ("MONGO_URI", "PLANNER_MODEL")
    assert not agent.running and agent.events == []
    with pytest.raises(RuntimeError):
        agent.cfg  # the manager it opened was closed again


async def test_run_follows_changes_on_the_loop_until_stop(redis_server, writer, no_blocking):
    writer.publish({**BASE, "PLANNER_MODEL": "small"})
    logging.getLogger().setLevel(logging.WARNING)
    agent = Planner(redis_url=redis_server.url)
    ticker = Ticker()
    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            tg.start_soon(ticker.run)
            tg.start_soon(agent.run)
            await in_thread(wait_until, lambda: agent.running)
            assert agent.events == ["start"] and agent.cfg.planner_model == "small"
            assert logging.getLogger().level == logging.INFO  # LOG_LEVEL applied at start
            changed = agent.changed
            v = await in_thread(lambda: writer.update(PLANNER_MODEL="large", LOG_LEVEL="DEBUG"))
            await changed.wait()
            assert agent.events[-1] == (v, ("LOG_LEVEL", "PLANNER_MODEL")) and agent.models[-1] == "large"
            await in_thread(wait_until, lambda: logging.getLogger().level == logging.DEBUG)
            cfg = agent.cfg
            await agent.stop()  # from another task: run() returns
            assert ticker.kept_up(), f"{ticker.ticks} ticks"
            tg.cancel_scope.cancel()
    assert agent.events[-1] == "stop" and not agent.running
    assert cfg.closed  # it owned the manager
    assert agent.threads == {threading.get_ident()}  # the loop's thread, never the watcher
    assert ticker.longest_gap < 1.0


async def test_cancelling_run_stops_the_agent(redis_server, writer, no_blocking):
    writer.publish({**BASE, "PLANNER_MODEL": "small"})
    agent = Planner(redis_url=redis_server.url)
    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            tg.start_soon(agent.run)
            await in_thread(wait_until, lambda: agent.running)
            cfg = agent.cfg
            tg.cancel_scope.cancel()
    assert agent.events == ["start", "stop"] and cfg.closed


class StopsItself(Planner):
    async def on_config_change(self, version, changed):
        await super().on_config_change(version, changed)
        if "PLANNER_MODEL" in changed:
            await self.stop()


async def test_on_config_change_may_stop_the_agent(redis_server, writer, no_blocking):
    writer.publish({**BASE, "PLANNER_MODEL": "small"})
    agent = StopsItself(redis_url=redis_server.url)
    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            tg.start_soon(agent.run)
            await in_thread(wait_until, lambda: agent.running)
            await in_thread(lambda: writer.update(PLANNER_MODEL="large"))
    assert agent.events[-1] == "stop" and not agent.running


async def test_async_with_shares_a_manager_and_leaves_it_open(writer, open_manager, asyncio_only, no_blocking):
    writer.publish({**BASE, "PLANNER_MODEL": "small"})
    cfg = open_manager()
    async with Planner(cfg) as agent:
        changed = agent.changed
        v = await in_thread(lambda: writer.update(PLANNER_MODEL="large"))
        with anyio.fail_after(15):
            await changed.wait()
        assert agent.events[-1] == (v, ("PLANNER_MODEL",))
    assert agent.events[-1] == "stop" and not cfg.closed
    assert cfg.planner_model == "large"


class Broken(Planner):
    async def on_config_change(self, version, changed):
        await super().on_config_change(version, changed)
        raise ValueError("bad change")


async def test_an_exception_in_on_config_change_is_logged_and_the_agent_carries_on(
    writer, open_manager, asyncio_only, no_blocking, caplog
):
    writer.publish({**BASE, "PLANNER_MODEL": "small"})
    cfg = open_manager()
    async with Broken(cfg) as agent:
        for model in ("large", "huge"):
            changed = agent.changed
            await in_thread(lambda model=model: writer.update(PLANNER_MODEL=model))
            with anyio.fail_after(15):
                await changed.wait()
    assert agent.models == ["large", "huge"]
    assert [r.getMessage() for r in caplog.records if r.name == "Broken"] == [
        f"on_config_change failed (version {v})" for v in (2, 3)
    ]


async def test_async_with_needs_asyncio(writer, open_manager, anyio_backend_name):
    if anyio_backend_name != "trio":
        pytest.skip("the trio case")
    writer.publish({**BASE, "PLANNER_MODEL": "small"})
    with pytest.raises(TypeError, match="start_soon"):
        async with Planner(open_manager()):
            pass
