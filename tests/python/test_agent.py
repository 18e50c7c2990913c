"""BaseAgent (live config, fail-fast contract) and AgentSettings (static DNA)."""

import dataclasses
import logging
import queue
import subprocess
import sys
import textwrap

import pytest
from omega_config import (
    AgentSettings,
    BaseAgent,
    ConfigKey,
    ConfigTypeError,
    MissingConfigError,
)

from tests.support.waiting import wait_until

BASE = {"REDIS_URL": "redis://cache:6379/0", "SECRET_KEY": "s" * 40, "LOG_LEVEL": "INFO"}


class Planner(BaseAgent):
    required = [ConfigKey.REDIS_URL, ConfigKey.SECRET_KEY, "MONGO_URI", "PLANNER_MODEL"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.started = False
        self.changes = queue.Queue()

    def on_start(self):
        self.started = True

    def on_config_change(self, changed):
        self.changes.put(changed)


def test_agent_fails_fast_naming_every_missing_key(redis_server, writer):
    writer.publish(BASE)
    agent = Planner(redis_url=redis_server.url)
    with pytest.raises(MissingConfigError) as info:
        agent.start()
    assert info.value.keys == ("MONGO_URI", "PLANNER_MODEL")
    assert "MONGO_URI" in str(info.value) and "PLANNER_MODEL" in str(info.value)
    assert not agent.started and not agent.running
    with pytest.raises(RuntimeError):
        agent.cfg  # the manager it opened was closed again


def test_agent_runs_with_live_config_and_log_level(redis_server, writer):
    writer.publish({**BASE, "MONGO_URI": "mongodb://m", "PLANNER_MODEL": "small"})
    logging.getLogger().setLevel(logging.WARNING)
    with Planner(redis_url=redis_server.url) as agent:
        assert agent.started and agent.running
        assert agent.cfg.planner_model == "small"
        assert logging.getLogger().level == logging.INFO
        writer.update(PLANNER_MODEL="large", LOG_LEVEL="DEBUG")
        assert agent.changes.get(timeout=15) == ("LOG_LEVEL", "PLANNER_MODEL")
        assert agent.cfg.planner_model == "large"
        wait_until(lambda: logging.getLogger().level == logging.DEBUG, what="DEBUG")
        cfg = agent.cfg
    assert not agent.running
    assert cfg.closed  # the agent owned it


def test_agent_leaves_a_shared_manager_open(writer, open_manager):
    writer.publish({**BASE, "MONGO_URI": "mongodb://m", "PLANNER_MODEL": "small"})
    cfg = open_manager()
    with Planner(cfg):
        pass
    assert not cfg.closed
    assert cfg.planner_model == "small"


class PlannerSettings(AgentSettings):
    env_prefix = "PLANNER_"
    agent_name: str
    max_steps: int = 20
    verbose: bool = False
    temperature: float = 0.5


def test_agent_settings_from_env_file_and_environment(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# planner DNA\nPLANNER_AGENT_NAME='planner-1'\nexport PLANNER_MAX_STEPS=50\n"
        "PLANNER_VERBOSE=yes  # inline comment\n"
    )
    monkeypatch.setenv("PLANNER_MAX_STEPS", "70")  # the environment wins over the file
    s = PlannerSettings.load(env_file)
    assert s == PlannerSettings(agent_name="planner-1", max_steps=70, verbose=True, temperature=0.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.max_steps = 1


def test_agent_settings_read_the_env_file_as_pydantic_settings_does(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text(
        'PLANNER_AGENT_NAME="planner\n${PLANNER_SUFFIX:-one}"\n'  # spans lines, expanded
        "PLANNER_MAX_STEPS\n"  # no '=': unset, so the default
        "PLANNER_VERBOSE= # only a comment: empty, and so not a boolean\n"
    )
    monkeypatch.delenv("PLANNER_SUFFIX", raising=False)
    with pytest.raises(ConfigTypeError) as info:
        PlannerSettings.load(env_file, environ={})
    assert "PLANNER_VERBOSE" in str(info.value)
    s = PlannerSettings.load(env_file, environ={}, verbose=False)
    assert (s.agent_name, s.max_steps) == ("planner\none", 20)


def test_agent_settings_name_every_problem(tmp_path):
    with pytest.raises(MissingConfigError) as info:
        PlannerSettings.load(None, environ={})
    assert info.value.keys == ("PLANNER_AGENT_NAME",)
    with pytest.raises(ConfigTypeError) as info:
        PlannerSettings.load(
            None, environ={"PLANNER_AGENT_NAME": "a", "PLANNER_MAX_STEPS": "many", "PLANNER_VERBOSE": "perhaps"}
        )
    assert "PLANNER_MAX_STEPS" in str(info.value) and "PLANNER_VERBOSE" in str(info.value)


def test_agent_settings_are_read_once(monkeypatch):
    monkeypatch.setenv("PLANNER_AGENT_NAME", "first")
    s = PlannerSettings.load(None)
    monkeypatch.setenv("PLANNER_AGENT_NAME", "second")
    assert s.agent_name == "first"
    assert PlannerSettings.load(None).agent_name == "second"


def test_agent_without_a_contract_starts_and_stops(writer, open_manager):
    writer.publish(BASE)
    cfg = open_manager()
    agent = BaseAgent(cfg).start()
    assert agent.running and agent.cfg.secret_key == "s" * 40
    agent.stop()
    agent.stop()  # idempotent
    assert not agent.running and not cfg.closed


AGENT_STOPS_ITSELF_WHILE_STOP_WAITS = textwrap.dedent("""
    import json, sys, threading, time
    import redis
    from omega_config import BaseAgent
    url, port = sys.argv[1], int(sys.argv[2])
    entered, stopping = threading.Event(), threading.Event()

    class Agent(BaseAgent):
        required = ["REDIS_URL"]
        def on_config_change(self, changed):
            entered.set()
            stopping.wait(15)
            time.sleep(0.3)  # let the other thread's stop() reach off_reload
            if "A" in changed:
                self.stop()  # "stop on an incompatible change"
            print("hook: stopped", flush=True)

    agent = Agent(redis_url=url).start()
    r = redis.Redis(host="127.0.0.1", port=port)
    with r.pipeline(transaction=True) as p:
        p.set("omega:config", json.dumps({"REDIS_URL": "x", "A": 2}))
        p.set("omega:config:version", "2")
        p.publish("config_channel", json.dumps({"event": "updated", "version": "2", "changed": ["A"]}))
        p.execute()
    assert entered.wait(15), "hook never ran"

    def stop():
        stopping.set()
        agent.stop()

    t = threading.Thread(target=stop)
    t.start()
    t.join(20)
    print("deadlocked" if t.is_alive() else "done", agent.running, flush=True)
    if t.is_alive():
        import os
        os._exit(1)  # a hung thread would also hang the exit
""")


def test_stop_from_the_change_hook_while_another_thread_stops_does_not_deadlock(redis_server, writer):
    writer.publish({"REDIS_URL": "x", "A": 1})
    # In a child process, with a generous timeout: a deadlock fails instead of hanging.
    result = subprocess.run(
        [sys.executable, "-c", AGENT_STOPS_ITSELF_WHILE_STOP_WAITS, redis_server.url, str(redis_server.port)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert result.stdout.splitlines() == ["hook: stopped", "done False"]


def test_stop_from_the_change_hook_alone_stops_the_agent(redis_server, writer):
    writer.publish(BASE)
    stopped = queue.Queue()

    class SelfStopping(BaseAgent):
        def on_config_change(self, changed):
            self.stop()  # on the watcher thread: off_reload from inside, close handed off
            stopped.put(self.running)

    agent = SelfStopping(redis_url=redis_server.url).start()
    writer.update(LOG_LEVEL="DEBUG")
    assert stopped.get(timeout=15) is False
    wait_until(lambda: agent._cfg is None, what="the agent to drop its manager")
